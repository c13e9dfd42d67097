"""Rate limits on the WhatsApp side, through the real signed webhook and the real cache Redis: a number over
its inbound limit gets one polite notice and then silence (and Meta always gets 200); members get a larger
daily allowance; a dead limiter store serves chat (fail open) but refuses money steps (fail closed); 20
concurrent deliveries against a limit of 5 per minute → exactly 5 turns."""

from __future__ import annotations

import pytest
import redis
from django.core.cache import caches
from django.test import Client

from bot.inbound_limits import SLOW_DOWN, Decision, inbound_decision
from bot.models import InboxMessage, OutboxMessage
from credex_api.errors import CredexInvalid
from credex_api.models import Instruction
from deploy.localredis import free_port
from devtools import payloads as p
from flows.ledger import MemberLedger, remember_member
from flows.ports import MoneyRateLimited, ServiceUnreachable
from tests.e2e.chat import MOCK, Member
from tests.support.concurrency import run_together
from tests.support.signing import post_signed

pytestmark = pytest.mark.django_db(transaction=True)
HELP_BODY = "What would you like to know?"


def test_over_the_minute_limit_one_notice_then_silence_and_always_200(settings):
    settings.INBOUND_PER_MINUTE = 3
    member = Member(phone="263771110001")
    for _ in range(3):
        assert HELP_BODY in member.say("help")[0]["interactive"]["body"]["text"]
    notice = post_signed(Client(), p.single(p.text_message("help", sender=member.phone)), headers=MOCK)
    silent = post_signed(Client(), p.single(p.text_message("help", sender=member.phone)), headers=MOCK)
    assert (notice.status_code, silent.status_code) == (200, 200)
    assert [r["text"]["body"] for r in notice.json()["replies"]] == [SLOW_DOWN]
    assert silent.json()["replies"] == []
    assert InboxMessage.objects.filter(wa_id=member.phone, status="done").count() == 5  # nothing left pending


def test_members_get_a_larger_daily_allowance_than_other_numbers(settings):
    settings.INBOUND_PER_MINUTE = 1000
    settings.INBOUND_PER_DAY_GUEST, settings.INBOUND_PER_DAY_MEMBER = 2, 4
    guest, member = "263771110002", "263771110003"
    remember_member(member)
    guest_decisions = [inbound_decision(guest) for _ in range(4)]
    member_decisions = [inbound_decision(member) for _ in range(5)]
    assert guest_decisions == [Decision.ALLOW] * 2 + [Decision.NOTICE, Decision.SILENT]
    assert member_decisions == [Decision.ALLOW] * 4 + [Decision.NOTICE]


def test_twenty_concurrent_deliveries_against_five_a_minute_run_exactly_five_turns(settings):
    settings.INBOUND_PER_MINUTE = 5
    phone = "263771110004"

    def deliver() -> None:
        post_signed(Client(), p.single(p.text_message("help", sender=phone)), headers=MOCK)

    errors = run_together(deliver, [()] * 20)
    assert errors == []
    bodies = [row.payload.get("interactive", {}).get("body", {}).get("text", row.payload.get("text", {}).get(
        "body")) for row in OutboxMessage.objects.filter(wa_id=phone)]  # fmt: skip
    assert sum(body == HELP_BODY for body in bodies) == 5
    assert bodies.count(SLOW_DOWN) == 1
    assert InboxMessage.objects.filter(wa_id=phone).exclude(status="done").count() == 0


def test_a_dead_limiter_store_serves_chat(dead_cache):
    replies = Member(phone="263771110005").say("help")
    assert HELP_BODY in replies[0]["interactive"]["body"]["text"]


def test_a_dead_limiter_store_refuses_money_steps_and_stores_nothing(dead_cache):
    with pytest.raises(ServiceUnreachable):  # fail closed, as what it is: not "too many changes"
        MemberLedger("263771110006").execute(action="credex_cancel", params={"credex_id": "x"})
    assert Instruction.objects.count() == 0


def test_the_money_limit_refuses_the_step_over_it_before_anything_is_stored(settings):
    settings.MONEY_PER_MINUTE = 2
    ledger = MemberLedger("263771110007")
    for _ in range(2):  # within the limit: it reaches the instruction check (refused there: bad id)
        with pytest.raises(CredexInvalid):
            ledger.execute(action="credex_cancel", params={"credex_id": "not-a-uuid"})
    with pytest.raises(MoneyRateLimited):
        ledger.execute(action="credex_cancel", params={"credex_id": "not-a-uuid"})


@pytest.fixture
def dead_cache(settings):
    """The cache alias pointed at a port nothing listens on: the limiter store is down."""
    cache = dict(settings.CACHES["default"])
    cache["LOCATION"] = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {**settings.CACHES, "default": cache}  # Django resets its cache handler on change
    with pytest.raises(redis.ConnectionError):
        caches["default"].client.get_client(write=True).ping()
