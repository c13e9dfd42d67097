"""Gunicorn's gthread worker with least-connections accept: new connections go to the worker holding fewest.

Every worker shares one listening socket, and a keep-alive connection stays with the worker that accepted
it. Plain gthread lets whichever worker wakes first accept, so a burst of connections can split unevenly
(measured on the 2-core VM: 35 and 15 of wrk's 50), and the connections on the busier worker wait about
twice as long for every request: p99 is set by that worker.

Here the workers share a `ConnectionBoard`, an anonymous shared memory map made in the Gunicorn master
before it forks: one record per worker slot with the worker's open connections and the time it last
published them. A worker that holds more connections than another live worker declines a pending
connection (it stops watching the listener for `DECLINE_SECONDS`), so a worker with fewer takes it.
A worker that has not published for `STALE_SECONDS` (stopped, or stuck holding the interpreter) no
longer counts, so new connections wait at most about that long. The master gives each worker its slot
(`pre_fork`) and clears it when the worker exits (`child_exit`): see `deploy/gunicorn.conf.py`. A worker
with no slot behaves as plain gthread.
"""

from __future__ import annotations

import mmap
import socket
import struct
import time

from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker
from gunicorn.workers.gthread import ThreadWorker

MAX_SLOTS = 64
STALE_SECONDS = 1.0
DECLINE_SECONDS = 0.005
# An idle worker wakes this often to publish, so a live one never looks stale.
PUBLISH_EVERY_SECONDS = 0.25
_RECORD = struct.Struct("=qd")  # open connections, monotonic time of publishing (0.0: slot empty)


class ConnectionBoard:
    """Per-slot connection counts shared by the forked workers (CLOCK_MONOTONIC is system-wide)."""

    def __init__(self, slots: int = MAX_SLOTS) -> None:
        self.slots = slots
        self._memory = mmap.mmap(-1, slots * _RECORD.size)  # MAP_SHARED: children see one another

    def publish(self, slot: int, connections: int, now: float) -> None:
        _RECORD.pack_into(self._memory, slot * _RECORD.size, connections, now)

    def clear(self, slot: int) -> None:
        _RECORD.pack_into(self._memory, slot * _RECORD.size, 0, 0.0)

    def fewest_elsewhere(self, slot: int, now: float) -> int | None:
        """The fewest connections any other live worker holds; None when no other worker is live."""
        fewest = None
        for other in range(self.slots):
            connections, published = _RECORD.unpack_from(self._memory, other * _RECORD.size)
            if other == slot or now - published > STALE_SECONDS:
                continue
            if fewest is None or connections < fewest:
                fewest = connections
        return fewest

    def free_slot(self, taken: set[int]) -> int | None:
        """The lowest slot no live worker holds, or None when all are taken."""
        return next((slot for slot in range(self.slots) if slot not in taken), None)


BOARD = ConnectionBoard()


def assign_slot(server: Arbiter, worker: Worker) -> None:
    """Gunicorn `pre_fork` hook (master): give the worker about to fork a slot of its own."""
    taken = {getattr(other, "board_slot", None) for other in server.WORKERS.values()}
    worker.board_slot = BOARD.free_slot(taken)
    if worker.board_slot is not None:
        BOARD.clear(worker.board_slot)


def release_slot(server: Arbiter, worker: Worker) -> None:
    """Gunicorn `child_exit` hook (master): a dead worker's slot no longer counts."""
    if getattr(worker, "board_slot", None) is not None:
        BOARD.clear(worker.board_slot)


class BalancedThreadWorker(ThreadWorker):
    """gthread, but a pending connection is left to a worker holding fewer connections."""

    board_slot: int | None = None
    _declined_until = 0.0
    _published = (-1, 0.0)

    def accept(self, listener: socket.socket) -> None:
        if self._holds_more_than_another():
            self._declined_until = time.monotonic() + DECLINE_SECONDS
            self.set_accept_enabled(False)
            return
        super().accept(listener)
        self._publish(time.monotonic(), force=True)

    def set_accept_enabled(self, enabled: bool) -> None:
        if enabled and self.alive and time.monotonic() < self._declined_until:
            return  # still leaving new connections to the others
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive and self.board_slot is not None:
            BOARD.clear(self.board_slot)  # stopping: the others must not wait for this one

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        now = time.monotonic()
        if self.alive:
            self._publish(now)
        timeout = min(timeout, PUBLISH_EVERY_SECONDS)
        if self._declined_until > now:
            timeout = min(timeout, self._declined_until - now)
        super().wait_for_and_dispatch_events(timeout)

    def _holds_more_than_another(self) -> bool:
        if self.board_slot is None:
            return False
        fewest = BOARD.fewest_elsewhere(self.board_slot, time.monotonic())
        return fewest is not None and self.nr_conns > fewest

    def _publish(self, now: float, *, force: bool = False) -> None:
        """Write this worker's count when it changed, or to show it is live; the board is cheap to write."""
        if self.board_slot is None:
            return
        connections, published = self._published
        if force or connections != self.nr_conns or now - published >= PUBLISH_EVERY_SECONDS:
            BOARD.publish(self.board_slot, self.nr_conns, now)
            self._published = (self.nr_conns, now)
