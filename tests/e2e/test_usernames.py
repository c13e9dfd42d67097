"""WhatsApp usernames end to end (issue 22): through the signed webhook, the real Redis pair and the sandbox
ledger over HTTP, a member known by phone keeps their conversation when Meta withholds the number, and a
member known only by their business-scoped user id (BSUID) is asked once for their number, shares it through
WhatsApp's own contact request, opens their account and is then answered at their number."""

from __future__ import annotations

import pytest

from bot.models import InboxMessage, MemberIdentity
from devtools.payloads import bsuid as u
from flows import texts
from tests.e2e.chat import body, options
from tests.e2e.conftest import onboard
from tests.e2e.usernames_chat import User, addressed, requests

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def known(ledger, new_member) -> User:
    """A member who opened their account while WhatsApp showed both their number and their BSUID."""
    user = User(phone=new_member().phone)
    onboard(user, "Tendai", "Moyo")
    assert "Handle:" in user.text()
    return user


def test_a_member_half_way_through_an_offer_keeps_it_when_the_number_is_withheld(ledger, known, new_member):
    payee = User(phone=new_member().phone)
    onboard(payee, "Rudo", "Dube")
    ledger.mint(known.phone, "8.00")
    known.say("offer")
    known.say("2")

    known.shows_phone = False  # the next message carries only the BSUID
    known.say(payee.phone)

    assert "Offer *2.00 USD* to *Rudo Dube Personal*" in known.text()
    assert addressed(known.last) == {("+" + known.phone, None)}
    assert known.key() == known.phone
    assert set(InboxMessage.objects.filter(event__user_id=known.bsuid).values_list("wa_id", flat=True)) == {
        known.phone
    }


def test_a_bsuid_only_newcomer_is_asked_once_reads_help_and_touches_no_ledger(ledger, new_member):
    newcomer = User(phone=new_member().phone, shows_phone=False)
    before = requests(ledger)

    asked = newcomer.say("hi")
    ledgerish = [newcomer.say(word) for word in ("balance", "offer", "menu")]
    helped = newcomer.say("help")

    assert [reply["interactive"]["type"] for reply in asked] == ["request_contact_info"]
    assert asked[0]["interactive"]["action"] == {"name": "request_contact_info"}
    assert addressed(asked) == {(None, newcomer.bsuid)}
    reminder = [texts.SHARE_NUMBER_REMINDER]
    assert [[body(reply) for reply in replies] for replies in ledgerish] == [reminder] * 3
    assert [body(reply) for reply in helped] == [texts.UNLINKED_HELP]
    assert addressed(helped) == {(None, newcomer.bsuid)}
    assert requests(ledger) == before  # no login, no ledger call of any kind
    assert newcomer.key().startswith("u") and newcomer.phone not in newcomer.key()


def test_a_bsuid_only_newcomer_shares_their_number_opens_an_account_and_is_answered_at_it(ledger, new_member):
    newcomer = User(phone=new_member().phone, shows_phone=False)
    newcomer.say("hi")
    unlinked_key = newcomer.key()

    newcomer.share_number()
    linked_at = InboxMessage.objects.latest("id").id

    assert newcomer.last[0]["text"]["body"] == texts.NUMBER_LINKED
    assert "Become a member" in [title for reply in newcomer.last for title in options(reply)]
    assert newcomer.key() == newcomer.phone
    assert addressed(newcomer.last) == {("+" + newcomer.phone, None)}
    newcomer.tap("Become a member")
    newcomer.say("Tendai")
    newcomer.say("Moyo")
    newcomer.tap("USD")
    newcomer.tap("Open account")
    assert "Welcome, Tendai!" in newcomer.text() and "Handle:" in newcomer.text()

    newcomer.say("hi")  # still only the BSUID on the wire
    assert "Handle:" in newcomer.text()
    assert addressed(newcomer.last) == {("+" + newcomer.phone, None)}
    later = InboxMessage.objects.filter(event__user_id=newcomer.bsuid, id__gt=linked_at)
    assert set(later.values_list("wa_id", flat=True)) == {newcomer.phone}
    assert not MemberIdentity.objects.filter(key=unlinked_key).exists()


def test_a_question_delivered_with_the_contact_request_answer_is_answered_at_the_number(ledger, new_member):
    newcomer = User(phone=new_member().phone, shows_phone=False)
    newcomer.say("hi")
    answer = u.contact_request_answer(newcomer.phone, bsuid=newcomer.bsuid)
    question = u.text("hi", bsuid=newcomer.bsuid, timestamp=str(int(answer["timestamp"]) + 1))

    replies = newcomer.deliver_all(answer, question)

    assert [body(reply) for reply in replies].count(texts.NUMBER_LINKED) == 1
    assert sum("Become a member" in options(reply) for reply in replies) == 2  # link's greeting, then "hi"
    assert addressed(replies) == {("+" + newcomer.phone, None)}
    assert not InboxMessage.objects.filter(event__user_id=newcomer.bsuid, status="pending").exists()
