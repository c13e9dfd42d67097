"""The member lock's short TTL, its holder's renewals and the fencing of saves (issue 21, item 4), on the real
state Redis: a turn longer than the TTL keeps its lock, and a holder whose lock expired and was taken by
another cannot write the conversation state."""

from __future__ import annotations

import threading
import time

import pytest
from django_redis import get_redis_connection

from flows.state import ConversationState
from flows.store import ConversationStore, LockBusy, LockLostError, StaleStateError, member_keys, member_lock
from tests.support.concurrency import run_together

WA_ID = "263771234568"


def a_state(step: str) -> ConversationState:
    return ConversationState(flow="pay", step=step, data={}, history=(), updated_at=1_767_000_000)


def test_a_turn_longer_than_the_ttl_keeps_its_lock_and_saves():
    store = ConversationStore()
    with member_lock(WA_ID, ttl_ms=300, wait_seconds=0):
        time.sleep(1.0)  # over three TTLs: only the holder's renewals keep it
        with pytest.raises(LockBusy), member_lock(WA_ID, ttl_ms=300, wait_seconds=0):
            pass
        store.save(WA_ID, a_state("slow"), expected_version=0)
    assert store.load(WA_ID).step == "slow"


def test_a_holder_whose_lock_expired_and_was_taken_by_another_cannot_save():
    store, redis_state = ConversationStore(), get_redis_connection("state")
    store.save(WA_ID, a_state("before"), expected_version=0)
    taken, late_done = threading.Event(), threading.Event()
    refused: list[BaseException] = []

    def late_holder() -> None:
        with member_lock(WA_ID, ttl_ms=2_000, wait_seconds=0) as held:
            redis_state.delete(member_keys(WA_ID).lock)  # its lock expired (a stall past the TTL)...
            taken.wait(5)  # ...and the next holder took it
            try:
                store.save(WA_ID, a_state("late"), expected_version=1, held=held)
            except StaleStateError as exc:
                refused.append(exc)
            late_done.set()

    def next_holder() -> None:
        time.sleep(0.1)
        with member_lock(WA_ID, ttl_ms=2_000, wait_seconds=2):
            taken.set()
            late_done.wait(5)

    assert run_together(lambda role: role(), [(late_holder,), (next_holder,)]) == []
    assert len(refused) == 1 and isinstance(refused[0], LockLostError)
    assert store.load(WA_ID).step == "before", "the late holder wrote nothing"
