"""The attack matrix of linking a phone number to a member known only by their WhatsApp business-scoped user
id (issue 22): whoever links a number acts on the money the ledger holds for it, so only WhatsApp's answer
to our own contact request, from the very user we asked, carrying one number nobody else holds, links.

Each row: a BSUID-only attacker (who said "hi" first and was asked, or not), one signed message, and the
answer expected. For every row, through the real webhook, Redis and the sandbox ledger: the victim (a member
known by phone and BSUID) is untouched, the attacker keeps a `u…` key (linked to nothing), the answer goes
to the attacker's BSUID, and no request at all reached the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bot.models import InboxMessage, MemberIdentity
from devtools.payloads import bsuid as u
from flows import texts
from tests.e2e.chat import body
from tests.e2e.conftest import ledger, new_member, onboard  # noqa: F401 (fixtures)
from tests.e2e.usernames_chat import User, addressed, requests

pytestmark = pytest.mark.django_db(transaction=True)

Send = Callable[[User, User, User], dict]  # (attacker, someone we asked, victim) → the message sent


@dataclass(frozen=True)
class LinkAttack:
    name: str
    send: Send
    answer: str  # the first reply's text
    attacker_asked: bool = True  # the attacker said "hi" (and was asked) before
    alert: str = ""  # the ops alert raised, if any


def card_of(number: Callable[[User, User, User], str], origin: str | None) -> Send:
    return lambda a, asked, v: u.contacts_message(u.card(number(a, asked, v), origin=origin), bsuid=a.bsuid)


VICTIM = lambda a, asked, v: v.phone  # noqa: E731
ASKED = lambda a, asked, v: asked.phone  # noqa: E731
OWN = lambda a, asked, v: a.phone  # noqa: E731

TWO_CARDS: Send = lambda a, asked, v: u.contacts_message(  # noqa: E731
    u.card(a.phone, origin="contact_request"), u.card(v.phone, origin="contact_request"), bsuid=a.bsuid
)

ATTACKS = [
    LinkAttack("forwarded vCard of another member (origin other)", card_of(VICTIM, "other"),
               texts.CARD_REFUSED),
    LinkAttack("forwarded vCard of another member (no origin)", card_of(VICTIM, None), texts.CARD_REFUSED),
    LinkAttack("forwarded vCard of the sender's own number", card_of(OWN, "other"), texts.CARD_REFUSED),
    LinkAttack("typed number of another member", lambda a, asked, v: u.text(v.phone, bsuid=a.bsuid),
               texts.SHARE_NUMBER_REMINDER),
    LinkAttack("typed +number of another member", lambda a, asked, v: u.text("+" + v.phone, bsuid=a.bsuid),
               texts.SHARE_NUMBER_REMINDER),
    LinkAttack("contact-request card from a BSUID other than the one asked",
               card_of(ASKED, "contact_request"), texts.CARD_REFUSED, attacker_asked=False),
    LinkAttack("contact-request answer we never asked for", card_of(OWN, "contact_request"),
               texts.CARD_REFUSED, attacker_asked=False),
    LinkAttack("contact-request answer with two cards", TWO_CARDS, texts.CARD_REFUSED),
    LinkAttack("contact-request answer carrying another member's number", card_of(VICTIM, "contact_request"),
               texts.NUMBER_IN_USE, alert="number_in_use"),
]  # fmt: skip


@pytest.mark.parametrize("attack", ATTACKS, ids=[attack.name for attack in ATTACKS])
def test_link_attack(attack: LinkAttack, ledger, new_member, caplog):  # noqa: F811
    victim = User(phone=new_member().phone)
    onboard(victim)
    asked = User(phone=new_member().phone, shows_phone=False)
    asked.say("hi")
    attacker = User(phone=new_member().phone, shows_phone=False)
    if attack.attacker_asked:
        attacker.say("hi")
    before = requests(ledger)
    caplog.set_level(logging.WARNING, logger="security.alerts")

    replies = attacker.deliver(attack.send(attacker, asked, victim))

    assert body(replies[0]) == attack.answer
    assert addressed(replies) == {(None, attacker.bsuid)}
    assert requests(ledger) == before
    assert MemberIdentity.objects.get(key=victim.phone).bsuid == victim.bsuid
    assert attacker.key().startswith("u") and asked.key().startswith("u")
    assert not InboxMessage.objects.filter(wa_id=victim.phone, event__user_id=attacker.bsuid).exists()
    alerts = [record.alert for record in caplog.records if hasattr(record, "alert")]
    assert alerts == ([attack.alert] if attack.alert else [])
    if attack.alert:  # refused for good: the number is not offered again, the victim's stays theirs
        assert attacker.say("hi")[0]["text"]["body"] == texts.NUMBER_IN_USE
        assert requests(ledger) == before
