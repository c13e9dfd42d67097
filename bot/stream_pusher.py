"""Queue mode's hand-off to the worker: members of committed inbox rows pushed to the stream off the ack path.

The webhook's 200 waits for the durable part only, the database row. The stream entry is the worker's
wake-up call, not the record, so a background thread per process pushes it: `submit` queues the members and
returns at once; the thread sends everything queued meanwhile as one pipeline (one Redis round trip for many
deliveries under load), repeats dropped. A push that fails, or never happens because the process dies first,
loses nothing: the rows stay `pending` and the worker's sweeper re-queues them after
`WORKER_SWEEP_AFTER_SECONDS` (`bot.queue.sweep`).

`flush(timeout)` waits until everything submitted so far has been pushed (tests, and process exit through
`atexit`). A forked child starts with an empty queue and its own thread.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable

import redis
from django_redis import get_redis_connection

from bot import queue

logger = logging.getLogger(__name__)

EXIT_FLUSH_SECONDS = 2.0


class StreamPusher:
    """One background thread pushing submitted members to the inbox stream, in pipelined batches."""

    def __init__(self, connect: Callable[[], redis.Redis] | None = None) -> None:
        self._connect = connect or (lambda: get_redis_connection("state"))
        self._condition = threading.Condition()
        self._pending: list[str] = []
        self._submitted = 0  # members submitted, ever
        self._settled = 0  # of those, pushed or given up on (a failed push)
        self._thread: threading.Thread | None = None
        self.batches = 0  # pipelines sent (figures for tests and benchmarks)
        self.failures = 0

    def submit(self, wa_ids: list[str]) -> None:
        """Queue members for the stream; returns without waiting for Redis."""
        if not wa_ids:
            return
        with self._condition:
            self._pending.extend(wa_ids)
            self._submitted += len(wa_ids)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="stream-pusher", daemon=True)
                self._thread.start()
            self._condition.notify_all()

    def flush(self, timeout: float) -> bool:
        """Wait until everything submitted so far is settled; False if `timeout` seconds pass first."""
        deadline = time.monotonic() + timeout
        with self._condition:
            target = self._submitted
            while self._settled < target:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._condition.wait(left)
        return True

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._pending:
                    self._condition.wait()
                batch, self._pending = self._pending, []
            self._push(batch)
            with self._condition:
                self._settled += len(batch)
                self._condition.notify_all()

    def _push(self, batch: list[str]) -> None:
        members = list(dict.fromkeys(batch))  # one entry per member drains all of its rows
        try:
            queue.enqueue_members(members, self._connect())
            self.batches += 1
        except Exception as exc:  # the rows stay pending: the sweeper re-queues them
            self.failures += 1
            logger.error(
                "stream push failed (%s): %d member(s) left to the sweeper", type(exc).__name__, len(members)
            )

    def reset_after_fork(self) -> None:
        """In a forked child: no thread yet, nothing inherited to push (the parent pushes its own)."""
        self._condition = threading.Condition()
        self._pending = []
        self._submitted = self._settled = 0
        self._thread = None


pusher = StreamPusher()
os.register_at_fork(after_in_child=pusher.reset_after_fork)
atexit.register(pusher.flush, EXIT_FLUSH_SECONDS)


def submit(wa_ids: list[str]) -> None:
    """Queue members of committed rows for the inbox stream (see the module docstring)."""
    pusher.submit(wa_ids)


def flush(timeout: float = 5.0) -> bool:
    """Wait until everything submitted so far is pushed (or given up on); False on timeout."""
    return pusher.flush(timeout)
