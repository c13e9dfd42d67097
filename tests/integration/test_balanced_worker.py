"""deploy/balanced_worker.py: keep-alive connections spread evenly over real Gunicorn workers, and a worker
that stops answering holds new connections back for about `STALE_SECONDS` at most.

The connections each worker holds are read from /proc (`tests.support.gunicorn.established_by_worker`).
"""

from __future__ import annotations

import http.client
import os
import signal
import time
from types import SimpleNamespace

from deploy import balanced_worker
from deploy.balanced_worker import STALE_SECONDS, ConnectionBoard
from tests.support.concurrency import run_together
from tests.support.gunicorn import Served, established_by_worker, serve, worker_pids

BURST = 40


def _open(port: int) -> http.client.HTTPConnection:
    """A keep-alive connection that has had one answered request (so a worker has accepted it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/healthz")
    response = connection.getresponse()
    assert response.status == 200
    response.read()
    return connection


def _wait_for_every_worker_to_serve(served: Served, workers: int) -> None:
    """Until each worker has accepted a connection: only then is every one in its accept loop."""
    seen: set[int] = set()
    deadline = time.monotonic() + 30
    while len(seen) < workers and time.monotonic() < deadline:
        connection = _open(served.port)
        seen |= {pid for pid, held in established_by_worker(served).items() if held}
        connection.close()
        time.sleep(0.05)
    assert len(seen) == workers, f"only {len(seen)} of {workers} workers served within 30 s"


def test_a_burst_of_keep_alive_connections_is_split_evenly_between_the_workers(tmp_path):
    with serve(tmp_path, workers=2) as served:
        _wait_for_every_worker_to_serve(served, 2)
        time.sleep(0.3)  # the probes' connections are closed and counted down
        opened: list[http.client.HTTPConnection] = []
        errors = run_together(lambda: opened.append(_open(served.port)), [()] * BURST)
        try:
            assert errors == []
            held = sorted(established_by_worker(served).values())
        finally:
            for connection in opened:
                connection.close()
    assert sum(held) == BURST
    assert held[1] - held[0] <= 2, f"connections per worker: {held}"


def test_a_stopped_worker_holds_new_connections_back_only_until_it_looks_stale(tmp_path):
    with serve(tmp_path, workers=2) as served:
        _wait_for_every_worker_to_serve(served, 2)
        stopped, running = worker_pids(served)
        os.kill(stopped, signal.SIGSTOP)
        opened = []
        try:
            started = time.monotonic()
            opened = [_open(served.port) for _ in range(6)]  # all kept open: the running worker holds more
            elapsed = time.monotonic() - started
            held = established_by_worker(served)
        finally:
            os.kill(stopped, signal.SIGCONT)
            for connection in opened:
                connection.close()
    assert held[running] == 6
    assert elapsed < STALE_SECONDS + 2.0, f"6 connections took {elapsed:.1f} s"


def test_the_board_counts_only_other_live_workers():
    board = ConnectionBoard(slots=4)
    now = time.monotonic()
    assert board.fewest_elsewhere(0, now) is None
    board.publish(0, 3, now)
    board.publish(1, 5, now)
    board.publish(2, 1, now - STALE_SECONDS - 0.5)  # has not published for too long
    assert board.fewest_elsewhere(0, now) == 5
    assert board.fewest_elsewhere(1, now) == 3
    assert board.fewest_elsewhere(3, now) == 3
    board.clear(0)
    assert board.fewest_elsewhere(1, now) is None


def test_the_master_gives_each_worker_a_free_slot_and_takes_it_back_when_it_exits():
    server = SimpleNamespace(WORKERS={})
    first, second, third = SimpleNamespace(), SimpleNamespace(), SimpleNamespace()
    for pid, worker in ((101, first), (102, second)):
        balanced_worker.assign_slot(server, worker)
        server.WORKERS[pid] = worker
    assert (first.board_slot, second.board_slot) == (0, 1)

    balanced_worker.BOARD.publish(0, 7, time.monotonic())
    balanced_worker.release_slot(server, first)
    del server.WORKERS[101]
    assert balanced_worker.BOARD.fewest_elsewhere(5, time.monotonic()) is None  # slot 0 no longer counts
    balanced_worker.assign_slot(server, third)
    assert third.board_slot == 0
