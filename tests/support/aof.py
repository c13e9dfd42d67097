"""Holding an append-only-file rewrite of the test state Redis in progress, for real: `held_rewrite()`
starts BGREWRITEAOF and stops the rewriting child process (SIGSTOP) until the block ends (SIGCONT).

The child is the forked copy of the server taken when the rewrite began, so whatever is deleted while it is
held is still in the file it writes: the situation an erasure meets when a rewrite is already running.
Linux only (the child is found through /proc); the test harness's servers are local processes.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.support.harness import redis_servers


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_idle(conn: redis.Redis, timeout: float = 30.0) -> None:
    """Until no rewrite runs or waits on the server."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = conn.info("persistence")
        if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            return
        time.sleep(0.02)
    raise AssertionError("the rewrite never ended")


@contextmanager
def held_rewrite(conn: redis.Redis) -> Iterator[None]:
    """A rewrite of the state server, started now and held in progress for the body of the `with`."""
    _cache, state = redis_servers()
    wait_idle(conn)
    conn.bgrewriteaof()
    deadline = time.monotonic() + 5
    while not (children := _children(state.process.pid)):
        assert time.monotonic() < deadline, "no rewriting child appeared"
        time.sleep(0.005)
    for child in children:
        os.kill(child, signal.SIGSTOP)
    try:
        assert conn.info("persistence")["aof_rewrite_in_progress"] == 1
        yield
    finally:
        for child in children:
            os.kill(child, signal.SIGCONT)
