"""The ledger client under a worker's concurrency (issue 19, scope 5): what its threads and processes share —
the throttle's one budget, the connection pool, the single-flight login, the per-turn deadline — counted at
the real sandbox over HTTP, with threads released together by a barrier and a second OS process.
"""

from __future__ import annotations

import json
import logging
import math
import subprocess
import sys
import threading
import time

import pytest

from credex_api import services
from credex_api.deadline import ledger_deadline, remaining
from credex_api.errors import CredexBusy
from credex_api.throttle import Priority
from tests.support.concurrency import run_together
from tests.support.sandbox_server import REPO_DIR

BURST, PER_MINUTE, SECONDS = 5, 60, 3.0
BUDGET = {
    "throttle_per_minute": PER_MINUTE,
    "throttle_burst": BURST,
    "throttle_member_burst": BURST,
    "throttle_guest_burst": BURST,
    "throttle_per_number_per_minute": 0,
    "throttle_max_wait": 0.3,
}


def caller_process(sandbox, phone: str, start_at: float, threads: int) -> subprocess.Popen:
    spec = {"base_url": sandbox.url, "api_key": sandbox.client_api_key, "phone": phone, "start_at": start_at,
            "seconds": SECONDS, "threads": threads, "config": BUDGET}  # fmt: skip
    command = [sys.executable, "-m", "tests.support.ledger_caller", json.dumps(spec)]
    return subprocess.Popen(
        command, cwd=REPO_DIR, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )


def test_two_processes_of_many_threads_share_one_budget(sandbox, onboard):
    member = onboard()
    before = sandbox.stats()["loginCalls"]
    start_at = time.time() + 4.0  # both processes set Django up first, then start together
    processes = [caller_process(sandbox, member.phone, start_at, threads=6) for _ in range(2)]
    tallies = [json.loads(process.communicate(timeout=60)[0]) for process in processes]
    elapsed = time.time() - start_at

    sent = sandbox.stats()["loginCalls"] - before
    assert [tally["other"] for tally in tallies] == [[], []]
    assert sent == sum(tally["ok"] for tally in tallies)  # every call the throttle let through, and no more
    assert sent <= BURST + math.ceil(elapsed * PER_MINUTE / 60)
    assert sent >= BURST + math.floor(SECONDS * PER_MINUTE / 60) - 1  # the budget was used, not starved
    assert sum(tally["busy"] for tally in tallies) > 0  # the callers beyond it were told "busy"


def test_threads_of_one_member_needing_a_login_share_one(sandbox, ledger, onboard):
    member = onboard()
    ledger.tokens.forget(member.phone)  # every thread needs a login first

    errors = run_together(
        lambda: services.account_by_handle(phone=member.phone, handle=member.phone, client=ledger), [()] * 30
    )

    assert errors == []
    assert sandbox.stats()["loginCalls"] == 1
    assert sandbox.stats()["requests"]["getAccountByHandle"] == 30


def test_the_connection_pool_keeps_one_connection_per_concurrent_turn(sandbox, onboard, make_client, settings,
                                                                     caplog):  # fmt: skip
    settings.WORKER_CONCURRENCY = 40
    client = make_client(sandbox.url, sandbox.client_api_key)
    member = onboard()
    sandbox.fault("latency", ms=300, route="login")  # all 40 calls hold a connection at the same time

    with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
        errors = run_together(lambda: services.member_login(phone=member.phone, client=client), [()] * 40)

    assert errors == []
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]  # none closed and re-opened


def test_each_thread_has_its_own_turn_deadline():
    seen: dict[str, float | None] = {}
    inside = threading.Event()
    checked = threading.Event()

    def turn() -> None:
        with ledger_deadline(0.5):
            inside.set()
            checked.wait(5)
            seen["turn"] = remaining()

    thread = threading.Thread(target=turn)
    thread.start()
    inside.wait(5)
    seen["other"] = remaining()  # another thread of the same process, outside any turn
    checked.set()
    thread.join(5)

    assert seen["other"] is None
    assert seen["turn"] is not None and 0 < seen["turn"] <= 0.5


def test_a_slot_further_off_than_the_turn_deadline_is_busy_without_waiting(sandbox, make_client, onboard):
    member = onboard()
    client = make_client(sandbox.url, sandbox.client_api_key, **{**BUDGET, "throttle_burst": 1,
                                                                  "throttle_max_wait": 2.0})  # fmt: skip
    client.throttle.acquire(Priority.MONEY)  # the next slot is 1 s away: within max_wait, not the deadline
    started = time.monotonic()

    with ledger_deadline(0.5), pytest.raises(CredexBusy):
        services.member_login(phone=member.phone, client=client)

    assert time.monotonic() - started < 0.2
    assert sandbox.stats()["loginCalls"] == 0
