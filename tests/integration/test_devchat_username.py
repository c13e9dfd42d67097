"""The development chat's "username user" (issue 22) over real HTTP, page endpoint and `manage.py chat`: a
member whose number WhatsApp withholds is asked for it with WhatsApp's request, shares it with the
"Share phone number" option and is greeted as a linked member; a forwarded contact card is refused. Every
message goes through the real signed webhook; the answers are the bot's real replies."""

import io

import pytest
from django.core.management import call_command

from bot.models import MemberIdentity
from devtools import devchat
from devtools.payloads.deliveries import sample_bsuid
from flows import texts
from tests.integration.test_devchat import MEMBER, OTHER_MEMBER
from tests.support.devchat import browser_fixture, dev_on_fixture, send  # noqa: F401 (fixtures)

NEWCOMER = "263775550123"


def bodies(answer) -> list[str]:
    return [screen["body"] for screen in answer.json()["screens"]]


def test_sample_bsuid_is_deterministic_a_bsuid_and_never_the_number():
    from security.validation import is_bsuid

    assert sample_bsuid(MEMBER) == sample_bsuid(MEMBER) != sample_bsuid(OTHER_MEMBER)
    assert is_bsuid(sample_bsuid(MEMBER)) and MEMBER not in sample_bsuid(MEMBER)


def test_username_user_is_asked_for_the_number_shares_it_and_is_greeted(live_server, browser):
    asked = send(browser, live_server, {"as": NEWCOMER, "username": True, "text": "hi"})
    assert asked.status_code == 200, asked.text
    (screen,) = asked.json()["screens"]
    assert (screen["kind"], screen["body"]) == ("contact_request", texts.SHARE_NUMBER_ASK)
    (reply,) = asked.json()["replies"]
    assert reply["recipient"] == sample_bsuid(NEWCOMER) and "to" not in reply  # the bot never saw the number
    assert not MemberIdentity.objects.filter(phone=NEWCOMER).exists()

    share = {"as": NEWCOMER, "username": True, "choice": screen["options"][0]}
    linked = send(browser, live_server, share)
    assert linked.status_code == 200, linked.text
    assert bodies(linked)[0] == texts.NUMBER_LINKED and len(bodies(linked)) > 1  # then the greeting
    assert {reply.get("to", "").lstrip("+") for reply in linked.json()["replies"][1:]} == {NEWCOMER}
    row = MemberIdentity.objects.get(bsuid=sample_bsuid(NEWCOMER))
    assert (row.key, row.phone) == (NEWCOMER, NEWCOMER)


def test_a_forwarded_vcard_is_refused_and_links_nothing(live_server, browser):
    send(browser, live_server, {"as": NEWCOMER, "username": True, "text": "hi"})
    refused = send(browser, live_server, {"as": NEWCOMER, "username": True, "vcard": OTHER_MEMBER})
    assert refused.status_code == 200, refused.text
    assert bodies(refused)[0] == texts.CARD_REFUSED
    assert not MemberIdentity.objects.filter(phone=OTHER_MEMBER).exists()
    assert not MemberIdentity.objects.filter(key__in=[NEWCOMER, OTHER_MEMBER]).exists()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"as": MEMBER, "username": "yes", "text": "hi"}, '"username" must be true or false'),
        ({"as": MEMBER, "vcard": MEMBER}, '"vcard" must be another member'),
        ({"as": MEMBER, "vcard": "0771"}, '"vcard" must be another member'),
        ({"as": MEMBER, "text": "hi", "vcard": OTHER_MEMBER}, "exactly one of"),
    ],
)
def test_invalid_username_mode_input_is_a_400_with_a_reason(live_server, browser, body, reason):
    answer = send(browser, live_server, body)
    assert answer.status_code == 400
    assert reason in answer.json()["error"]


def test_chat_command_username_user_shares_the_number(live_server, dev_on):
    script = f"hi\n/vcard {OTHER_MEMBER}\n/share\n/quit\n"
    out = io.StringIO()
    url = live_server.url + "/bot/webhook"
    call_command("chat", "--as", NEWCOMER, "--username", "--url", url, stdin=io.StringIO(script), stdout=out)
    output = out.getvalue()
    assert "(username user: number hidden)" in output
    assert f"[1] {devchat.SHARE.title}" in output
    assert texts.CARD_REFUSED.split(",")[0] in output
    assert texts.NUMBER_LINKED in output
    assert NEWCOMER not in output  # numbers are printed masked
    assert MemberIdentity.objects.get(bsuid=sample_bsuid(NEWCOMER)).key == NEWCOMER
