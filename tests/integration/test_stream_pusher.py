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
from security.redaction import mask_phone
from tests.support import payloads as p
from tests.support.concurrency import run_together
from tests.support.logs import emitted_logs
from tests.support.signing import post_signed


def state_redis() -> redis.Redis:
    return get_redis_connection("state")


def stream_members() -> list[str]:
    return [fields[b"wa_id"].decode() for _id, fields in state_redis().xrange(queue.stream_key())]


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
    assert stream_members() == [p.OTHER_SENDER]  # answered while its own entry is still held back
    row = InboxMessage.objects.get(wa_id=p.SENDER)
    assert row.status == InboxMessage.Status.PENDING  # durable before the 200
    assert stream_pusher.flush(5)
    assert stream_members() == [p.OTHER_SENDER, p.SENDER]


def test_submissions_made_during_a_push_go_out_together_in_order_repeats_dropped():
    pusher = StreamPusher()
    pause_writes(300)
    pusher.submit(["a"])
    time.sleep(0.1)  # the first push is now in flight, held by the pause
    pusher.submit(["b", "a"])
    pusher.submit(["c", "b"])
    assert pusher.flush(5)
    assert stream_members() == ["a", "b", "a", "c"]  # the second batch is b, a, c: one entry per member
    assert (pusher.batches, pusher.failures) == (2, 0)


def test_concurrent_submitters_lose_nothing():
    pusher = StreamPusher()
    threads, per_thread = 8, 50

    def submit_all(index: int) -> None:
        for number in range(per_thread):
            pusher.submit([f"t{index}-{number}"])

    assert run_together(submit_all, [(index,) for index in range(threads)]) == []
    assert pusher.flush(10)
    members = stream_members()
    assert sorted(members) == sorted(f"t{i}-{n}" for i in range(threads) for n in range(per_thread))
    assert pusher.batches < threads * per_thread  # submissions queued during a push were sent together


def test_an_unreachable_redis_leaves_the_rows_to_the_sweeper_and_logs_no_number():
    pusher = StreamPusher(url=f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    with emitted_logs() as logs:
        pusher.submit([p.SENDER])
        assert pusher.flush(5)  # settled: given up on, not stuck
    assert (pusher.batches, pusher.failures) == (0, 1)
    assert "left to the sweeper" in logs.text
    assert p.SENDER not in logs.text and mask_phone(p.SENDER) not in logs.text
    assert stream_members() == []


def test_an_error_reply_fails_that_push_only_and_the_next_one_goes_through():
    pusher = StreamPusher()
    state_redis().set(queue.stream_key(), "not a stream")  # every XADD now answers WRONGTYPE
    pusher.submit(["first", "second"])
    assert pusher.flush(5)
    assert (pusher.batches, pusher.failures) == (0, 1)
    state_redis().delete(queue.stream_key())
    pusher.submit(["third"])
    assert pusher.flush(5)
    assert (pusher.batches, pusher.failures) == (1, 1)
    assert stream_members() == ["third"]


def test_flush_says_when_the_push_is_still_held():
    pusher = StreamPusher()
    pause_writes(400)
    pusher.submit(["held"])
    assert pusher.flush(0.1) is False
    assert pusher.flush(5) is True
    assert stream_members() == ["held"]


def _submit_in_child(result: multiprocessing.Queue) -> None:
    stream_pusher.submit(["child"])
    result.put(stream_pusher.flush(5))


def test_a_forked_process_pushes_with_its_own_thread():
    stream_pusher.submit(["parent"])
    assert stream_pusher.flush(5)
    context = multiprocessing.get_context("fork")
    result = context.Queue()
    child = context.Process(target=_submit_in_child, args=(result,))
    child.start()
    child.join(20)
    assert child.exitcode == 0 and result.get(timeout=5) is True
    assert stream_members() == ["parent", "child"]
