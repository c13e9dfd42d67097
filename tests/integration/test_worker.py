"""Queue mode end to end: the view only stores and enqueues; `run_worker` (a real subprocess) processes.

The crash test SIGKILLs a worker mid-batch and starts another: nothing is left unprocessed afterwards.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client
from django_redis import get_redis_connection

from bot import queue, stream_pusher
from bot.models import InboxMessage, OutboxMessage
from devtools import payloads as p
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401  (fixture)
from tests.support.signing import post_signed
from tests.support.workers import database_url, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.db_both]
ROOT = Path(__file__).resolve().parents[2]
MEMBERS = [f"26377100{n:04d}" for n in range(8)]


def start_worker(graph_url: str, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "WHATSAPP_API_URL": graph_url,
        "WORKER_RECLAIM_IDLE_MS": "500",
        "WORKER_SWEEP_AFTER_SECONDS": "1",
        "WORKER_SWEEP_EVERY_SECONDS": "1",
        "MEMBER_LOCK_TTL_MS": "1500",
        "WORKER_CONCURRENCY": "2",  # two members at a time: a batch of eight takes a while
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--consumer", name],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def done_count() -> int:
    return InboxMessage.objects.filter(status=InboxMessage.Status.DONE).count()


@pytest.fixture
def queue_mode(settings):
    settings.PROCESSING_MODE = "queue"


def post_batch() -> None:
    messages = [p.text_message("hi", sender=member) for member in MEMBERS]
    contacts = [p.contact(member) for member in MEMBERS]
    payload = p.envelope(p.entry(p.change(messages=messages, contacts=contacts)))
    assert post_signed(Client(), payload).status_code == 200


def test_queue_mode_acknowledges_without_processing_and_a_worker_processes(queue_mode, fake_graph):
    post_batch()
    assert done_count() == 0  # stored and queued only

    worker = start_worker(fake_graph.url, "w1")
    try:
        assert wait_until(lambda: done_count() == len(MEMBERS), 30)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(15) == 0  # stops cleanly
    assert len(fake_graph.requests) == OutboxMessage.objects.count() >= len(MEMBERS)


def test_worker_killed_mid_batch_leaves_nothing_unprocessed_after_restart(queue_mode, fake_graph):
    for _ in range(100):  # every send takes 0.3 s, so the batch takes seconds and the kill lands mid-way
        fake_graph.respond_ok(before=lambda request: time.sleep(0.3))
    post_batch()

    first = start_worker(fake_graph.url, "doomed")
    try:
        assert wait_until(lambda: done_count() >= 2, 30)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(5)
    left = len(MEMBERS) - done_count()
    assert left > 0, "the kill must land mid-batch for this test to mean anything"

    second = start_worker(fake_graph.url, "survivor")
    try:
        assert wait_until(lambda: done_count() == len(MEMBERS), 45)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(15)
    for row in InboxMessage.objects.all():
        assert OutboxMessage.objects.filter(in_reply_to=row).exists(), "every message answered"
        assert row.attempts <= 2  # at most the one interrupted row is processed a second time


def test_an_entry_naming_a_number_instead_of_a_row_is_dropped_and_its_row_still_processed(
    queue_mode, fake_graph
):
    member = MEMBERS[0]
    assert post_signed(Client(), p.text_payload("hi", sender=member)).status_code == 200
    assert stream_pusher.flush(5)
    state = get_redis_connection("state")
    state.delete(queue.stream_key())
    state.xadd(queue.stream_key(), {"wa_id": member})  # as queued before entries named a row and a hash

    worker = start_worker(fake_graph.url, "upgraded")
    try:
        assert wait_until(lambda: done_count() == 1, 30)  # re-queued by the sweeper, by row
        assert wait_until(lambda: state.xlen(queue.stream_key()) == 0, 10)  # every entry acknowledged
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(15) == 0  # the old entry did not break it
