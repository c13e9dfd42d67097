"""Queue mode's hand-off to the worker: members of committed inbox rows pushed to the stream off the ack path.

The webhook's 200 waits for the durable part only, the database row. The stream entry is the worker's
wake-up call, not the record, so a background thread per process pushes it: `submit` queues the members
(each as its wa_id and one of its row ids; the entry itself holds the row id and the member's keyed hash,
never the number: `bot.queue.xadd_command`) and returns at once; the thread sends everything queued
meanwhile as one pipeline (one Redis round trip for many deliveries under load), repeats dropped. A push
that fails is tried again on a fresh connection after a backoff (`RETRY_FIRST_SECONDS` doubling up to
`RETRY_MAX_SECONDS`), with whatever was submitted meanwhile, so the members queued while the state Redis was
down reach the stream within a second or so of its return (the first push after a restart always fails on
the dead connection). It gives up after `WORKER_SWEEP_AFTER_SECONDS` (or `RETRY_MAX_MEMBERS` waiting): a push
given up on, or one that never happens because the process dies first, loses nothing: the rows stay `pending`
and the worker's sweeper re-queues them (`bot.queue.sweep`). `submit` never waits for any of this.

The thread owns one connection to the state Redis, used at redis-py's `Connection` level (pack, send, read),
below the client's pool, retry and instrumentation layers, which cost several times the command itself. Any
error drops the connection; the next push opens a new one.

`flush(timeout)` waits until everything submitted so far has been pushed (tests, and process exit through
`atexit`). A forked child starts with an empty queue and its own thread and connection.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

import redis
from django.conf import settings

from bot import queue

logger = logging.getLogger(__name__)

EXIT_FLUSH_SECONDS = 2.0
# At most one push per interval: what arrives meanwhile goes in the next pipeline. A first delivery after a
# quiet spell is pushed at once; under load each push carries several, for at most this much more latency
# before a worker sees the entry (a reply takes about a second anyway). Each push costs a wake-up, a handover
# of the interpreter lock and a round trip to another process, so fewer, fuller pushes cost Redis less CPU.
PUSH_INTERVAL_SECONDS = 0.025
RETRY_FIRST_SECONDS = 0.1  # a failed push is tried again after this, doubling up to RETRY_MAX_SECONDS
RETRY_MAX_SECONDS = 1.0
RETRY_MAX_MEMBERS = 10_000  # more waiting than this while Redis is down: left to the sweeper (memory bound)


class StreamPusher:
    """One background thread pushing submitted members to the inbox stream, in pipelined batches."""

    def __init__(self, url: str | None = None) -> None:
        self._url = url  # None: settings.REDIS_STATE_URL, read when the first push connects
        self._connection: redis.Connection | None = None
        self._condition = threading.Condition()
        self._pending: list[queue.Member] = []
        self._submitted = 0  # members submitted, ever
        self._settled = 0  # of those, pushed or given up on (a failed push)
        self._thread: threading.Thread | None = None
        self.batches = 0  # pipelines sent (figures for tests and benchmarks)
        self.failures = 0

    def submit(self, members: list[queue.Member]) -> None:
        """Queue (wa_id, row id) pairs for the stream; returns without waiting for Redis."""
        if not members:
            return
        with self._condition:
            self._pending.extend(members)
            self._submitted += len(members)
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
        retry: list[queue.Member] = []  # a failed batch, pushed again with what arrived meanwhile
        failing_since, delay = 0.0, RETRY_FIRST_SECONDS
        while True:
            with self._condition:
                while not self._pending and not retry:
                    self._condition.wait()
                batch, self._pending = retry + self._pending, []
            started = time.monotonic()
            retry = []
            if self._push(batch):
                failing_since, delay = 0.0, RETRY_FIRST_SECONDS
            else:
                failing_since = failing_since or started
                if not self._give_up(batch, started - failing_since):
                    retry = batch
                    time.sleep(delay)
                    delay = min(delay * 2, RETRY_MAX_SECONDS)
                    continue
                failing_since, delay = 0.0, RETRY_FIRST_SECONDS
            with self._condition:
                self._settled += len(batch)
                self._condition.notify_all()
            time.sleep(max(0.0, started + PUSH_INTERVAL_SECONDS - time.monotonic()))

    def _give_up(self, batch: list[queue.Member], failing_for: float) -> bool:
        """True (and logged) when a failing push is left to the sweeper: too long or too many waiting."""
        if failing_for < settings.WORKER_SWEEP_AFTER_SECONDS and len(batch) <= RETRY_MAX_MEMBERS:
            return False
        logger.error("push failing for %.0f s: %d member(s) left to the sweeper", failing_for, len(batch))
        return True

    def _push(self, batch: list[queue.Member]) -> bool:
        """One attempt at pushing the batch; False (logged, the connection dropped) when it failed."""
        members = queue.first_rows(batch)  # one entry per member drains all of its rows
        try:
            self._send(members)
            self.batches += 1
            return True
        except Exception as exc:
            self.failures += 1
            logger.warning("stream push failed (%s): %d member(s) to retry", type(exc).__name__, len(members))
            return False

    def _send(self, members: list[queue.Member]) -> None:
        """One XADD per member in one pipelined write, then every reply read (an error reply raises)."""
        connection = self._connection or self._connect()
        try:
            commands = [queue.xadd_command(wa_id, row_id) for wa_id, row_id in members]
            connection.send_packed_command(connection.pack_commands(commands))
            for _ in commands:
                connection.read_response()
        except Exception:
            connection.disconnect()
            self._connection = None
            raise

    def _connect(self) -> redis.Connection:
        timeout = settings.REDIS_SOCKET_TIMEOUT
        pool = redis.ConnectionPool.from_url(
            self._url or settings.REDIS_STATE_URL, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._connection = pool.make_connection()  # this thread's own; the pool only built it
        return self._connection

    def reset_after_fork(self) -> None:
        """In a forked child: no thread yet, nothing inherited to push (the parent pushes its own)."""
        self._connection = None  # the parent's socket stays the parent's
        self._condition = threading.Condition()
        self._pending = []
        self._submitted = self._settled = 0
        self._thread = None


pusher = StreamPusher()
os.register_at_fork(after_in_child=pusher.reset_after_fork)
atexit.register(pusher.flush, EXIT_FLUSH_SECONDS)


def submit(members: list[queue.Member]) -> None:
    """Queue members of committed rows, as (wa_id, row id), for the inbox stream (see the module doc)."""
    pusher.submit(members)


def flush(timeout: float = 5.0) -> bool:
    """Wait until everything submitted so far is pushed (or given up on); False on timeout."""
    return pusher.flush(timeout)
