"""Processes killed in the middle of a member's turn (issue 21, items 1 and 2), with real worker processes,
the harness's real state Redis, the sandbox ledger over HTTP and the fake Graph API recording every send.

- The state Redis SIGKILLed while `createCredex` is in flight (the sandbox's `latency` fault holds it):
  the offer exists at the ledger exactly once, and nothing the member receives says "nothing was done" or
  "nothing was sent" — they read that it went through (or that it is being checked, then the result).
- A worker SIGKILLed while the fake Graph API holds one of its sends: another worker re-runs the turn, and
  the member receives each reply exactly once (the held one was received: it counts).
"""

from __future__ import annotations

import logging
import time

import pytest
from django.test import Client

from bot.models import InboxMessage, OutboxMessage
from devtools import payloads as p
from tests.chaos.test_state_redis import state_redis  # noqa: F401  (fixture)
from tests.e2e.chat import body
from tests.e2e.conftest import onboard
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401  (fixture)
from tests.support.signing import post_signed
from tests.support.workers import start_worker, stop_worker, wait_until

logger = logging.getLogger(__name__)
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

FALSE_ABOUT_MONEY = ("nothing was done", "nothing was sent")
# The offer's success as a member reads it: the normal screen after it, or `flows.outcomes.told` (said at
# once after a failed turn, or by `bot.settled` once an unknown outcome is reconciled).
WENT_THROUGH = (
    "Offer sent: 1.00 USD to Rudo Dube",
    "Your offer of 1.00 USD to Rudo Dube Personal went through.",
)
LEDGER_LATENCY_MS = 2000


def deliver(message: dict) -> int:
    """One signed delivery (no mock header: queue mode), acked; the id of the inbox row it stored."""
    assert post_signed(Client(), p.single(message)).status_code == 200
    return InboxMessage.objects.filter(wa_id=message["from"]).latest("id").pk


def read_by(fake, member: str) -> list[str]:
    """What the member read, from every send that reached the fake Graph API, in arrival order."""
    return [body(request.json) for request in fake.to(f"+{member}")]


def told_it_went_through(fake, member: str) -> bool:
    return any(said in text for said in WENT_THROUGH for text in read_by(fake, member))


def at_confirm(ledger, new_member) -> tuple[str, str]:
    """A member of 5.00 USD at the Confirm screen of an offer of 1.00 USD to Rudo Dube (driven inline);
    (their number, the Confirm button's id)."""
    payer, payee = new_member(), new_member()
    onboard(payer, "Tendai", "Moyo")
    onboard(payee, "Rudo", "Dube")
    ledger.mint(payer.phone, "5.00")
    payer.say(f"1=>{payee.phone}")
    return payer.phone, payer.option("Confirm")[0]


def in_flight(ledger, route: str) -> bool:
    stats = ledger.stats()
    return stats["requests"].get(route, 0) >= 1 and not stats["responses"].get(route)


@pytest.mark.parametrize(
    "down_seconds",
    [
        pytest.param(LEDGER_LATENCY_MS / 1000 + 1.0, id="the ledger answers while the state Redis is down"),
        pytest.param(0.5, id="the state Redis is back before the ledger answers"),
    ],
)
def test_state_redis_killed_during_create_credex_the_member_is_told_the_truth(
    settings,
    ledger,
    new_member,
    fake_graph,
    state_redis,  # noqa: F811
    *,
    down_seconds,
    record_property,
):
    payer, confirm = at_confirm(ledger, new_member)
    settings.PROCESSING_MODE = "queue"
    worker = start_worker(fake_graph.url, "chaos-money", ledger_url=ledger.url, concurrency=2)
    try:
        ledger.fault("latency", ms=LEDGER_LATENCY_MS, route="createCredex", count=1)
        tap = deliver(p.button_reply(confirm, "Confirm", sender=payer))
        assert wait_until(lambda: in_flight(ledger, "createCredex"), 15), "the offer reached the ledger"
        state_redis.kill()
        killed = time.monotonic()
        time.sleep(down_seconds)
        state_redis.start()
        returned = time.monotonic()
        told = wait_until(lambda: told_it_went_through(fake_graph, payer), 20)
        assert told, f"the member was never told it went through: {read_by(fake_graph, payer)}"
        assert wait_until(lambda: InboxMessage.objects.get(pk=tap).status == "done", 10)
        time.sleep(1.0)  # any later message about this tap would have arrived by now
    finally:
        stop_worker(worker)
    texts = read_by(fake_graph, payer)
    record_property("state_redis_down_seconds", round(returned - killed, 1))
    record_property("messages_to_the_member", len(texts))
    logger.warning("state Redis down %.1f s; the member read %s", returned - killed, texts)
    stats = ledger.stats()
    assert stats["requests"]["createCredex"] == 1
    assert stats["counts"]["credexesByStatus"].get("OFFERS") == 1
    for text in texts:
        assert not any(false in text.lower() for false in FALSE_ABOUT_MONEY), text


def test_worker_killed_mid_send_the_member_gets_each_reply_once(
    settings, ledger, fake_graph, record_property
):
    member = "263771000201"
    settings.PROCESSING_MODE = "queue"
    first = start_worker(fake_graph.url, "chaos-send-1", ledger_url=ledger.url, concurrency=2)
    second = None
    try:
        fake_graph.respond_ok(before=lambda request: time.sleep(2), to=f"+{member}")  # holds the first send
        row = deliver(p.text_message("hi", sender=member))
        assert wait_until(lambda: fake_graph.to(f"+{member}"), 20), "the worker began sending"
        first.kill()  # SIGKILL while the fake Graph API holds the send
        first.wait(5)
        recorded = list(OutboxMessage.objects.filter(in_reply_to_id=row).order_by("created_at"))
        assert recorded[0].attempts == 1 and recorded[0].wamid is None  # claimed, sent, never recorded
        second = start_worker(fake_graph.url, "chaos-send-2", ledger_url=ledger.url, concurrency=2)
        restarted = time.monotonic()
        assert wait_until(lambda: InboxMessage.objects.get(pk=row).status == "done", 20), "the turn re-ran"
        rerun_seconds = time.monotonic() - restarted
        time.sleep(1.0)  # a second send of any reply would have arrived by now
    finally:
        if first.poll() is None:
            first.kill()
        if second is not None:
            stop_worker(second)
    replies = [str(reply.pk) for reply in recorded]  # the turn's replies, recorded before the kill
    arrived = [request.json["biz_opaque_callback_data"] for request in fake_graph.to(f"+{member}")]
    read = [body(request.json) for request in fake_graph.to(f"+{member}")]
    record_property("replies", len(replies))
    record_property("sends_received", len(arrived))
    record_property("rerun_done_seconds_after_restart", round(rerun_seconds, 1))
    logger.warning("%s replies, %s sends received, re-run done %.1f s after the second worker started",
                   len(replies), len(arrived), rerun_seconds)  # fmt: skip
    assert InboxMessage.objects.get(pk=row).attempts == 2  # it was run again...
    assert OutboxMessage.objects.filter(in_reply_to_id=row).count() == len(recorded)  # ...asked nothing new
    assert sorted(arrived) == sorted(replies), read  # and each reply of the turn was received once
    assert len(read) == len(set(read)), read
