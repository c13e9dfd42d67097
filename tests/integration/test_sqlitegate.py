"""`bot.sqlitegate.write_gate`: SQLite writers take turns, across threads and across processes.

The database here is the test run's SQLite file; the lock file beside it is the one the webhook uses.
"""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from bot.models import InboxMessage
from bot.sqlitegate import write_gate
from devtools import payloads as p
from tests.support.concurrency import run_together
from tests.support.signing import post_signed

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the gate is SQLite's")

HOLD_SECONDS = 0.5


def _hold_the_gate(holding, released_at) -> None:
    with write_gate(connection):
        holding.set()
        time.sleep(HOLD_SECONDS)
        released_at.value = time.monotonic()


def test_a_writer_in_another_process_waits_for_the_holder_to_let_go():
    with write_gate(connection):
        pass  # this process opens its lock file before the fork: the child must not share it
    context = multiprocessing.get_context("fork")
    holding, released_at = context.Event(), context.Value("d", 0.0)
    child = context.Process(target=_hold_the_gate, args=(holding, released_at))
    child.start()
    try:
        assert holding.wait(10)
        with write_gate(connection):
            entered_at = time.monotonic()
    finally:
        child.join(10)
    assert child.exitcode == 0
    assert entered_at >= released_at.value > 0


def test_the_gate_is_released_when_the_statement_fails():
    with pytest.raises(RuntimeError), write_gate(connection):
        raise RuntimeError("the INSERT failed")
    entered = threading.Event()

    def enter() -> None:
        with write_gate(connection):
            entered.set()

    other = threading.Thread(target=enter)
    other.start()
    other.join(5)
    assert entered.is_set()


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_through_the_gate_are_all_stored():
    senders = [f"2637710000{index:02d}" for index in range(16)]
    statuses: list[int] = []

    def deliver(sender: str) -> None:
        statuses.append(post_signed(Client(), p.text_payload("hi", sender=sender)).status_code)

    assert run_together(deliver, [(sender,) for sender in senders]) == []
    assert statuses == [200] * len(senders)
    assert sorted(InboxMessage.objects.values_list("wa_id", flat=True)) == senders
