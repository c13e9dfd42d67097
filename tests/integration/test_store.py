"""The conversation store and the member lock against the real state Redis (started by the test harness).

Covers: round trip and key layout, the idle TTL really expiring (1 s) while the durable marker turns the
expired state into a lapsed placeholder, compare-and-set conflicts (sequential and 10 threads at a barrier),
the version staying monotonic across expiry, corrupt and oversized states, and the lock: contention among 10
threads, a busy lock, expiry after a holder process dies, and release never freeing another holder's lock.
"""

import os
import subprocess
import sys
import threading
import time

import pytest
from django_redis import get_redis_connection

from flows.state import ConversationState
from flows.store import (
    ConversationStore,
    LockBusy,
    StaleStateError,
    StateTooLargeError,
    member_keys,
    member_lock,
)
from tests.support.concurrency import run_together

WA_ID = "263771234567"
KEYS = member_keys(WA_ID)


def a_state(**changes) -> ConversationState:
    fields = {"flow": "pay", "step": "handle", "data": {"amount": "12.50"}, "history": ("amount",)}
    fields["updated_at"] = 1_767_000_000
    return ConversationState(**{**fields, **changes})


@pytest.fixture
def redis_state():
    return get_redis_connection("state")


def test_save_then_load_round_trips_with_the_version_bumped_and_the_idle_ttl_set(redis_state):
    store = ConversationStore()
    saved = store.save(WA_ID, a_state(), expected_version=0)
    assert saved.version == 1
    assert store.load(WA_ID) == saved
    assert 0 < redis_state.pttl(KEYS.state) <= 300_000
    assert redis_state.pttl(KEYS.marker) > 300_000
    assert b"12.50" not in redis_state.get(KEYS.marker)  # the marker holds no member data
    assert sorted(redis_state.keys("vp:*")) == sorted([KEYS.state.encode(), KEYS.marker.encode()])
    assert all(WA_ID.encode() not in key for key in redis_state.keys("*"))  # named by a keyed hash


def test_key_names_hold_a_keyed_hash_of_the_member_never_the_number():
    assert KEYS.state.startswith("vp:conv:") and KEYS.marker == KEYS.state + ":marker"
    assert KEYS.lock.startswith("vp:lock:") and KEYS.lock[len("vp:lock:") :] == KEYS.state[len("vp:conv:") :]
    assert WA_ID not in "".join(KEYS) and len(KEYS.lock) == len("vp:lock:") + 32
    assert member_keys("263771234568") != KEYS  # one digit apart, other keys


def test_load_of_an_unknown_member_is_none():
    assert ConversationStore().load("263770000000") is None


def test_the_idle_ttl_really_expires_leaving_only_a_lapsed_placeholder_then_nothing(redis_state):
    store = ConversationStore(idle_ttl_seconds=1, notice_seconds=2)
    store.save(WA_ID, a_state(), expected_version=0)
    time.sleep(1.2)
    assert redis_state.get(KEYS.state) is None  # the member's data is gone from Redis
    lapsed = store.load(WA_ID)
    assert lapsed == ConversationState(
        flow="pay", step="handle", version=1, updated_at=1_767_000_000, lapsed=True
    )
    time.sleep(1.0)
    assert store.load(WA_ID) is None


def test_a_save_with_a_stale_version_raises_and_writes_nothing():
    store = ConversationStore()
    store.save(WA_ID, a_state(), expected_version=0)
    with pytest.raises(StaleStateError):
        store.save(WA_ID, a_state(step="confirm"), expected_version=0)
    assert store.load(WA_ID).step == "handle"
    store.save(WA_ID, a_state(step="confirm"), expected_version=1)
    assert store.load(WA_ID).version == 2


def test_ten_concurrent_writers_of_the_same_version_exactly_one_wins():
    store = ConversationStore()
    store.save(WA_ID, a_state(), expected_version=0)
    outcomes: list[str] = []

    def writer(index: int) -> None:
        try:
            store.save(WA_ID, a_state(data={"amount": str(index)}), expected_version=1)
            outcomes.append(f"won:{index}")
        except StaleStateError:
            outcomes.append("stale")

    errors = run_together(writer, [(i,) for i in range(10)])
    assert errors == []
    winners = [o for o in outcomes if o.startswith("won")]
    assert len(winners) == 1 and outcomes.count("stale") == 9
    assert store.load(WA_ID).data == {"amount": winners[0].split(":")[1]}


def test_the_version_stays_monotonic_across_an_idle_expiry():
    store = ConversationStore(idle_ttl_seconds=1)
    store.save(WA_ID, a_state(), expected_version=0)
    store.save(WA_ID, a_state(), expected_version=1)
    time.sleep(1.2)
    lapsed = store.load(WA_ID)
    assert lapsed.lapsed and lapsed.version == 2
    with pytest.raises(StaleStateError):
        store.save(WA_ID, a_state(), expected_version=0)  # a writer from before the expiry
    assert store.save(WA_ID, a_state(), expected_version=2).version == 3


def test_clear_removes_state_and_marker(redis_state):
    store = ConversationStore()
    store.save(WA_ID, a_state(), expected_version=0)
    store.clear(WA_ID)
    assert store.load(WA_ID) is None
    assert redis_state.keys("vp:conv:*") == []


def test_an_unreadable_state_is_dropped_not_resumed(redis_state):
    redis_state.set(KEYS.state, b'{"s":1,"v":1,"t":5,"d":{"amount":12.5}}')
    assert ConversationStore().load(WA_ID) is None
    assert redis_state.get(KEYS.state) is None


def test_an_oversized_state_is_refused():
    with pytest.raises(StateTooLargeError):
        ConversationStore().save(WA_ID, a_state(data={"blob": "x" * 9000}), expected_version=0)


# --- the member lock -----------------------------------------------------------------------------------


def test_ten_threads_contending_for_one_lock_hold_it_one_at_a_time_and_all_get_it():
    guard = threading.Lock()
    holders: list[int] = []
    max_holders = 0
    done: list[int] = []

    def worker(index: int) -> None:
        nonlocal max_holders
        with member_lock(WA_ID, ttl_ms=5_000, wait_seconds=10):
            with guard:
                holders.append(index)
                max_holders = max(max_holders, len(holders))
            time.sleep(0.02)
            with guard:
                holders.remove(index)
            done.append(index)

    errors = run_together(worker, [(i,) for i in range(10)])
    assert errors == []
    assert max_holders == 1
    assert sorted(done) == list(range(10))


def test_a_lock_held_for_the_whole_wait_raises_lock_busy_without_the_phone_number():
    with member_lock(WA_ID, ttl_ms=5_000, wait_seconds=1):
        started = time.monotonic()
        with pytest.raises(LockBusy) as busy, member_lock(WA_ID, ttl_ms=5_000, wait_seconds=0.2):
            pytest.fail("acquired a held lock")
        assert 0.2 <= time.monotonic() - started < 1.0
    assert WA_ID not in str(busy.value)
    assert "•••••••4567" in str(busy.value)


def test_different_members_do_not_block_each_other():
    with (
        member_lock(WA_ID, ttl_ms=5_000, wait_seconds=0),
        member_lock("263779999999", ttl_ms=5_000, wait_seconds=0),
    ):
        pass


def test_a_lock_whose_holder_process_died_expires_after_its_ttl():
    script = (
        "import os, django; django.setup()\n"
        "from flows.store import member_lock\n"
        f"with member_lock('{WA_ID}', ttl_ms=600, wait_seconds=1):\n"
        "    os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script], env=os.environ.copy(), check=True, timeout=60)
    with pytest.raises(LockBusy), member_lock(WA_ID, ttl_ms=5_000, wait_seconds=0):
        pass
    started = time.monotonic()
    with member_lock(WA_ID, ttl_ms=5_000, wait_seconds=3):
        assert time.monotonic() - started < 1.0


def test_releasing_after_ones_lock_expired_never_frees_the_next_holders_lock(redis_state):
    key = KEYS.lock
    with member_lock(WA_ID, ttl_ms=100, wait_seconds=0):
        time.sleep(0.2)  # our lock expired under a slow turn
        redis_state.set(key, b"someone-else", px=5_000)
    assert redis_state.get(key) == b"someone-else"


def test_a_new_secret_key_forgets_live_conversations_as_documented(settings, redis_state):
    store = ConversationStore()
    store.save(WA_ID, a_state(), expected_version=0)
    settings.SECRET_KEY = "rotated-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
    assert store.load(WA_ID) is None  # neither state nor marker found: the member starts again
    assert redis_state.exists(KEYS.state)  # the old keys are left to expire on their own
    assert 0 < redis_state.pttl(KEYS.marker) <= 24 * 3600 * 1000
    assert store.save(WA_ID, a_state(), expected_version=0).version == 1  # and a new conversation works
