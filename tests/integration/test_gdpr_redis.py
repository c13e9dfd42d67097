"""The append-only file rewrite that ends an erasure (`operator_api.gdpr_redis.rewrite_append_only_file`), on
the real state Redis: each answer it can give. An earlier rewrite is held running for real (its child process
stopped, `tests.support.aof`); our own is made slow with the server's per-key delay (`rdb-key-save-delay`,
which this Redis applies to RDB-format rewrites only, so those tests switch the RDB preamble on); the
append-only file is switched off for real (`CONFIG SET appendonly no`).

That an erasure leaves no number in the files is `tests/security/test_hygiene_attacks.py` (TRACES).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django_redis import get_redis_connection

from operator_api.gdpr_redis import rewrite_append_only_file
from tests.support.aof import held_rewrite, wait_idle
from tests.support.harness import redis_servers


@pytest.fixture
def state() -> Iterator[redis.Redis]:
    conn = get_redis_connection("state")
    wait_idle(conn)
    yield conn
    conn.config_set("rdb-key-save-delay", 0)
    conn.config_set("aof-use-rdb-preamble", "no")
    wait_idle(conn)
    conn.config_set("appendonly", "yes")  # starts a rewrite of its own when it was off
    wait_idle(conn)


def test_a_rewrite_is_started_and_waited_for(state):
    assert rewrite_append_only_file(state) == "done"
    after = state.info("persistence")
    assert after["aof_rewrite_in_progress"] == 0 and after["aof_last_bgrewrite_status"] == "ok"


def test_ours_still_running_at_the_end_of_the_wait_is_reported_running(state):
    state.set("vp:slow", "1")
    state.config_set("aof-use-rdb-preamble", "yes")
    state.config_set("rdb-key-save-delay", 1_000_000)  # 1 s per key
    assert rewrite_append_only_file(state, wait_seconds=0.2) == "running"
    assert state.info("persistence")["aof_rewrite_in_progress"] == 1


def test_while_an_earlier_rewrite_runs_the_whole_wait_ours_is_reported_not_started(state):
    with held_rewrite(state):
        assert rewrite_append_only_file(state, wait_seconds=0.3) == "not started"


def aof_bytes() -> bytes:
    _cache, server = redis_servers()
    return b"".join(path.read_bytes() for path in Path(server.data_dir).rglob("*.aof*") if path.is_file())


def test_an_earlier_rewrite_is_let_finish_then_ours_runs(state):
    state.set("vp:gone", "deleted-while-a-rewrite-ran")
    answers = []
    with held_rewrite(state):  # its copy was taken with the key still there
        state.delete("vp:gone")
        waiting = threading.Thread(target=lambda: answers.append(rewrite_append_only_file(state)))
        waiting.start()
        time.sleep(0.3)
        assert answers == []  # refused ("already in progress"), so waiting for the earlier one
    waiting.join(15)
    assert answers == ["done"]
    assert b"deleted-while-a-rewrite-ran" not in aof_bytes()  # ours ran after it, from the data as it is now


def test_without_an_append_only_file_there_is_nothing_to_rewrite(state):
    state.config_set("appendonly", "no")
    assert rewrite_append_only_file(state) == "off"
