"""Queue mode's stream pusher, against the real state Redis: the ack never waits for it, nothing is lost.

Redis is slowed for real with `CLIENT PAUSE … WRITE` (the server holds every write for that long) and made
unreachable for real with a client pointed at a port nobody listens on.
"""

from __future__ import annotations

import multiprocessing
import time

import pytest
import redis
from django.test import Client
from django_redis import get_redis_connection

from bot import queue, stream_pusher
from bot.models import InboxMessage
from bot.stream_pusher import StreamPusher
from deploy.localredis import free_port
from devtools import payloads as p
from security.keyed_hash import member_key_part
from security.redaction import mask_phone
from tests.support.concurrency import run_together
from tests.support.logs import emitted_logs
from tests.support.signing import post_signed


def state_redis() -> redis.Redis:
    return get_redis_connection("state")


def stream_entries() -> list[tuple[str, int]]:
    """The stream's entries as (member hash, row id): what the worker and erasure read; never a number."""
    entries = state_redis().xrange(queue.stream_key())
    assert all(set(fields) == {b"m", b"row", b"by"} and fields[b"by"] == b"push" for _id, fields in entries)
    return [(fields[b"m"].decode(), int(fields[b"row"])) for _id, fields in entries]


def named(member: str, row: int) -> tuple[str, int]:
    """The entry expected for `member` and one of its rows."""
    return member_key_part(member), row


def pause_writes(milliseconds: int) -> None:
    """The state Redis holds every write command for `milliseconds` (reads still answer)."""
    state_redis().execute_command("CLIENT", "PAUSE", milliseconds, "WRITE")


@pytest.mark.django_db(transaction=True)  # real commits, so on_commit hands over as in production
def test_a_queue_mode_delivery_is_acknowledged_before_its_entry_reaches_the_stream(settings):
    settings.PROCESSING_MODE = "queue"
    client = Client()
    assert post_signed(client, p.text_payload("warm-up", sender=p.OTHER_SENDER)).status_code == 200
    assert stream_pusher.flush(5)
    pause_writes(400)
    started = time.monotonic()
    response = post_signed(client, p.text_payload("hi"))
    acknowledged = time.monotonic() - started
    assert response.status_code == 200 and response.json()["received"] == 1
    assert acknowledged < 0.2, "the 200 waited for the paused Redis"
    warm_up = InboxMessage.objects.get(wa_id=p.OTHER_SENDER)
    assert stream_entries() == [named(p.OTHER_SENDER, warm_up.pk)]  # answered while its entry is held back
    row = InboxMessage.objects.get(wa_id=p.SENDER)
    assert row.status == InboxMessage.Status.PENDING  # durable before the 200
    assert stream_pusher.flush(5)
    assert stream_entries() == [named(p.OTHER_SENDER, warm_up.pk), named(p.SENDER, row.pk)]


def test_submissions_made_during_a_push_go_out_together_in_order_repeats_dropped():
    pusher = StreamPusher()
    pause_writes(300)
    pusher.submit([("a", 1)])
    time.sleep(0.1)  # the first push is now in flight, held by the pause
    pusher.submit([("b", 2), ("a", 3)])
    pusher.submit([("c", 4), ("b", 5)])
    assert pusher.flush(5)
    # The second batch is b, a, c: one entry per member, with its first row.
    assert stream_entries() == [named("a", 1), named("b", 2), named("a", 3), named("c", 4)]
    assert (pusher.batches, pusher.failures) == (2, 0)


def test_concurrent_submitters_lose_nothing():
    pusher = StreamPusher()
    threads, per_thread = 8, 50

    def submit_all(index: int) -> None:
        for number in range(per_thread):
            pusher.submit([(f"t{index}-{number}", index * 1000 + number)])

    assert run_together(submit_all, [(index,) for index in range(threads)]) == []
    assert pusher.flush(10)
    expected = [named(f"t{i}-{n}", i * 1000 + n) for i in range(threads) for n in range(per_thread)]
    assert sorted(stream_entries()) == sorted(expected)
    assert pusher.batches < threads * per_thread  # submissions queued during a push were sent together


def test_an_unreachable_redis_is_retried_then_left_to_the_sweeper_and_logs_no_number(settings):
    settings.WORKER_SWEEP_AFTER_SECONDS = 1  # how long a failing push is retried before the sweeper's turn
    pusher = StreamPusher(url=f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    with emitted_logs() as logs:
        pusher.submit([(p.SENDER, 1)])
        assert pusher.flush(5)  # settled: given up on, not stuck
    assert pusher.batches == 0 and pusher.failures >= 3  # tried again with backoff, then given up
    assert "left to the sweeper" in logs.text
    assert p.SENDER not in logs.text and mask_phone(p.SENDER) not in logs.text
    assert stream_entries() == []


def test_a_failed_push_is_retried_with_what_came_meanwhile_until_it_goes_through():
    pusher = StreamPusher()
    state_redis().set(queue.stream_key(), "not a stream")  # every XADD now answers WRONGTYPE
    pusher.submit([("first", 1), ("second", 2)])
    assert pusher.flush(0.3) is False  # still being retried, not dropped
    pusher.submit([("third", 3)])
    state_redis().delete(queue.stream_key())  # Redis is well again
    assert pusher.flush(5)
    assert pusher.batches == 1 and pusher.failures >= 1
    assert stream_entries() == [named("first", 1), named("second", 2), named("third", 3)]


def test_flush_says_when_the_push_is_still_held():
    pusher = StreamPusher()
    pause_writes(400)
    pusher.submit([("held", 1)])
    assert pusher.flush(0.1) is False
    assert pusher.flush(5) is True
    assert stream_entries() == [named("held", 1)]


def _submit_in_child(result: multiprocessing.Queue) -> None:
    stream_pusher.submit([("child", 2)])
    result.put(stream_pusher.flush(5))


def test_a_forked_process_pushes_with_its_own_thread():
    stream_pusher.submit([("parent", 1)])
    assert stream_pusher.flush(5)
    context = multiprocessing.get_context("fork")
    result = context.Queue()
    child = context.Process(target=_submit_in_child, args=(result,))
    child.start()
    child.join(20)
    assert child.exitcode == 0 and result.get(timeout=5) is True
    assert stream_entries() == [named("parent", 1), named("child", 2)]


@pytest.mark.django_db(transaction=True)
def test_a_delivery_from_two_members_queues_each_with_its_first_row_in_message_order(settings):
    settings.PROCESSING_MODE = "queue"
    now = int(p.now_ts())
    messages = [
        p.text_message("third", sender=p.SENDER, timestamp=str(now)),
        p.text_message("first", sender=p.OTHER_SENDER, timestamp=str(now - 60)),
        p.text_message("second", sender=p.SENDER, timestamp=str(now - 30)),
    ]
    contacts = [p.contact(p.SENDER), p.contact(p.OTHER_SENDER, "Other")]
    delivery = p.envelope(p.entry(p.change(messages=messages, contacts=contacts)))
    assert post_signed(Client(), delivery).json()["received"] == 3
    assert stream_pusher.flush(5)
    first_of = {
        wa_id: InboxMessage.objects.filter(wa_id=wa_id).order_by("message_ts").first().pk
        for wa_id in (p.SENDER, p.OTHER_SENDER)
    }
    assert stream_entries() == [
        named(p.OTHER_SENDER, first_of[p.OTHER_SENDER]),
        named(p.SENDER, first_of[p.SENDER]),
    ]
