"""Many members served at once by one worker process: a thread pool that runs one job per member at a time.

Why threads: a turn spends most of its time waiting — on the ledger over HTTP, on the Graph API, on Redis and
the database — and Django's ORM (a connection per thread), `requests` (a pooled session) and redis-py (a
connection pool) are all made for threads. A plain `ThreadPoolExecutor` therefore overlaps those waits without
changing a line of the code a turn runs. gevent would monkey-patch every library underneath us (psycopg's C
driver included); asyncio would need an async rewrite of the ledger client, the ORM calls and the flows. Past
a few threads the process is CPU-bound (its GIL): more turns/s come from more worker processes, not more
threads. The default of 16 (`WORKER_CONCURRENCY`) covers a ledger answering in up to ~200 ms at the CPU's rate
while keeping each process's database connections few.

`MemberPool` keeps a member's jobs apart: a member already in flight here is not started twice; the entry
that asked for it is noted (`again`) and, when the running job ends, the member goes back to the end of the
queue (`requeue`) rather than straight on — the holder took only the rows pending when it started. Across
processes the member lock does the same (`bot.processing`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections

logger = logging.getLogger(__name__)

Job = Callable[[str], None]  # process one member (by wa_id)
Done = Callable[[], None]  # after the job: acknowledge what asked for it


class MemberPool:
    """At most `concurrency` jobs at once, at most one per member; `submit` never blocks."""

    def __init__(self, concurrency: int, job: Job, requeue: Callable[[str, int], None]) -> None:
        self.concurrency = max(1, concurrency)
        self._job = job
        self._requeue = requeue
        self._executor = ThreadPoolExecutor(self.concurrency, thread_name_prefix="turn")
        self._changed = threading.Condition()
        self._running: dict[str, int | None] = {}  # wa_id → a row id asked for meanwhile (or None)

    def free_slots(self) -> int:
        with self._changed:
            return self.concurrency - len(self._running)

    def wait_for_slot(self, timeout: float) -> int:
        """Free slots, after waiting up to `timeout` seconds for one when all are taken."""
        with self._changed:
            if len(self._running) >= self.concurrency:
                self._changed.wait(timeout)
            return self.concurrency - len(self._running)

    def submit(self, wa_id: str, row_id: int | None, done: Done) -> bool:
        """Start the member's job; False when it is already running here (it is noted to run again)."""
        with self._changed:
            if wa_id in self._running:
                if row_id is not None:
                    self._running[wa_id] = row_id
                return False
            self._running[wa_id] = None
        self._executor.submit(self._run, wa_id, done)
        return True

    def _run(self, wa_id: str, done: Done) -> None:
        close_old_connections()  # a connection the database dropped meanwhile is replaced, not reused
        try:
            self._job(wa_id)
        except Exception:  # the job logs its own failures; this keeps the thread and the slot alive
            logger.exception("member job failed")
        finally:
            self._finish(wa_id, done)
            close_old_connections()

    def _finish(self, wa_id: str, done: Done) -> None:
        with self._changed:
            asked_again = self._running.pop(wa_id, None)
            self._changed.notify_all()
        try:
            if asked_again is not None:
                self._requeue(wa_id, asked_again)
            done()
        except Exception:  # Redis is down: the entry stays unacknowledged and is reclaimed later
            logger.exception("could not acknowledge or re-queue a member")

    def shutdown(self) -> None:
        """Wait for the jobs in flight to end; start no more. Each job ends after its turn in progress when
        the worker's stop event is set (`run_worker` passes it to `bot.processing.process_member`), and its
        member, if rows are left, is handed back to the queue (`requeue`) before the entry is acknowledged."""
        self._executor.shutdown(wait=True)
