"""Queue mode with real worker processes, the sandbox ledger over HTTP and a fake Graph API: members are
served concurrently and fairly, and one member's order is kept.

Every turn here is a "hi" from a number the ledger does not know: the worker logs it in at the ledger
(404), and answers with the welcome. What arrives at the fake Graph API is mapped back to the inbox row it
answers (`tests.support.workers.answered_rows`).
"""

import time

import pytest
from django.test import Client

from bot import stream_pusher
from bot.models import InboxMessage, OutboxMessage
from credex_api.client import reset_client
from devtools import payloads as p
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401  (fixture)
from tests.support.sandbox_server import sandbox, sandbox_server  # noqa: F401  (fixtures)
from tests.support.signing import post_signed
from tests.support.workers import answered_rows, inbox_ids, start_worker, stop_worker, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.db_both]


@pytest.fixture
def queue_mode(settings, sandbox):  # noqa: F811 - the fixture
    settings.PROCESSING_MODE = "queue"
    settings.MYCREDEX_APP_URL = sandbox.url
    settings.CLIENT_API_KEY = sandbox.client_api_key
    settings.INBOUND_PER_MINUTE = 1000
    settings.WHATSAPP_BACKOFF_BASE_SECONDS = 1.0
    reset_client()
    yield sandbox
    reset_client()


# One client, so its middleware chain is built once, as a web process builds it (WhiteNoise indexes the static
# files when the chain is built: a client per message would time that, not the webhook).
WEBHOOK_CLIENT = Client()


def say(member: str, text: str = "hi", *, timestamp: int | None = None) -> float:
    """One signed delivery (no mock header); the time it was acknowledged."""
    message = p.text_message(text, sender=member, timestamp=str(timestamp or int(time.time())))
    assert post_signed(WEBHOOK_CLIENT, p.single(message)).status_code == 200
    return time.monotonic()


def answered(fake, member: str) -> list[int]:
    return [row for _at, row in answered_rows(fake, member)]


def first_answer_at(fake, member: str) -> float | None:
    arrivals = answered_rows(fake, member)
    return arrivals[0][0] if arrivals else None


def test_one_members_twenty_messages_at_once_are_answered_once_each_in_order(queue_mode, fake_graph):
    member = "263771000001"
    base = int(time.time())
    for n in range(20):
        say(member, timestamp=base + n)
    assert stream_pusher.flush(5)
    worker = start_worker(fake_graph.url, "order", concurrency=8)
    try:
        assert wait_until(lambda: len(fake_graph.requests) >= 20, 60)
    finally:
        assert stop_worker(worker) == 0
    assert answered(fake_graph, member) == inbox_ids(member)  # each once, in message order


def test_a_member_held_by_a_slow_ledger_call_does_not_hold_another(queue_mode, fake_graph):
    slow, quick = "263771000002", "263771000003"
    worker = start_worker(fake_graph.url, "apart", concurrency=4)
    try:
        time.sleep(1.0)  # the worker is up and reading
        queue_mode.fault("latency", ms=2000, count=1, route="login")  # the next login waits 2 s
        say(slow)
        assert wait_until(lambda: queue_mode.stats()["requests"].get("login", 0) >= 1, 10)
        sent = say(quick)
        assert wait_until(lambda: first_answer_at(fake_graph, quick) is not None, 10)
        assert first_answer_at(fake_graph, quick) - sent < 1.0  # served while the slow one waits
        assert wait_until(lambda: first_answer_at(fake_graph, slow) is not None, 10)
        assert first_answer_at(fake_graph, slow) > first_answer_at(fake_graph, quick)
    finally:
        assert stop_worker(worker) == 0


def test_a_pair_rate_limited_reply_waits_its_backoff_without_holding_others_or_its_next_reply(
    queue_mode, fake_graph
):
    limited, other = "263771000004", "263771000005"
    fake_graph.respond_error(131056, to=f"+{limited}")  # (business, consumer) pair rate limit: retry in 4^0 s
    worker = start_worker(fake_graph.url, "backoff", concurrency=4)
    try:
        time.sleep(1.0)
        base = int(time.time())
        say(limited, timestamp=base)
        say(limited, timestamp=base + 1)
        sent = say(other)
        assert wait_until(lambda: first_answer_at(fake_graph, other) is not None, 10)
        assert first_answer_at(fake_graph, other) - sent < 1.0
        assert wait_until(lambda: len(fake_graph.to(f"+{limited}")) >= 3, 15)
    finally:
        assert stop_worker(worker) == 0
    first, second = inbox_ids(limited)
    arrivals = answered_rows(fake_graph, limited)
    assert [row for _at, row in arrivals] == [first, first, second]  # refused, retried, then the next one
    assert arrivals[1][0] - arrivals[0][0] >= 1.0  # the retry waited Meta's 4^0 × 1 s
    assert OutboxMessage.objects.filter(wa_id=limited, status="accepted").count() == 2


def test_a_flood_from_one_member_does_not_hold_the_others(queue_mode, fake_graph):
    flooder, others = "263771000010", [f"2637710001{n:02d}" for n in range(20)]
    worker = start_worker(fake_graph.url, "fair", concurrency=8)
    try:
        time.sleep(1.0)
        base = int(time.time())
        for n in range(100):
            say(flooder, timestamp=base + n)
        sent = {member: say(member) for member in others}
        assert wait_until(lambda: len(fake_graph.requests) >= 120, 90)
    finally:
        assert stop_worker(worker) == 0
    flood = [at for at, _row in answered_rows(fake_graph, flooder)]
    waits = [first_answer_at(fake_graph, member) - sent[member] for member in others]
    assert max(first_answer_at(fake_graph, member) for member in others) < flood[49]  # not behind the flood
    assert max(waits) < 3.0, waits
    assert answered(fake_graph, flooder) == inbox_ids(flooder)


def test_two_worker_processes_share_the_stream_keeping_order_and_answering_each_row_once(
    queue_mode, fake_graph
):
    members = [f"2637710002{n:02d}" for n in range(5)]
    workers = [start_worker(fake_graph.url, name, concurrency=3) for name in ("left", "right")]
    try:
        time.sleep(1.0)
        base = int(time.time())
        for n in range(10):
            for member in members:
                say(member, timestamp=base + n)
        assert wait_until(lambda: len(fake_graph.requests) >= 50, 60)
        time.sleep(0.5)  # nothing more arrives: no row answered twice
    finally:
        assert [stop_worker(worker) for worker in workers] == [0, 0]
    assert len(fake_graph.requests) == 50
    for member in members:
        assert answered(fake_graph, member) == inbox_ids(member)


def test_a_worker_killed_with_turns_in_flight_leaves_every_row_answered_exactly_once(queue_mode, fake_graph):
    members = [f"2637710003{n:02d}" for n in range(8)]
    logins = lambda: queue_mode.stats()["requests"].get("login", 0)  # noqa: E731
    queue_mode.fault("latency", ms=1500)  # each ledger call takes 1.5 s: the kill lands while turns wait
    base = int(time.time())
    for n in range(3):
        for member in members:
            say(member, timestamp=base + n)
    doomed = start_worker(fake_graph.url, "doomed", concurrency=8)
    try:
        assert wait_until(lambda: logins() >= 8, 30)  # every member's first turn waits on the ledger
    finally:
        doomed.kill()
        doomed.wait(5)
    assert len(fake_graph.requests) < 24, "the kill must land mid-way for this test to mean anything"
    assert InboxMessage.objects.filter(status="processing").exists()  # turns were in flight
    survivor = start_worker(fake_graph.url, "survivor", concurrency=8)
    try:
        assert wait_until(lambda: len(fake_graph.requests) >= 24, 60)
        done = lambda: InboxMessage.objects.exclude(status="done").count() == 0  # noqa: E731
        assert wait_until(done, 30)
        time.sleep(1.5)  # a second answer would have arrived by now
    finally:
        assert stop_worker(survivor) == 0
    for member in members:
        assert answered(fake_graph, member) == inbox_ids(member)  # once each, none twice, in order
