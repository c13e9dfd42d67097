"""`python manage.py run_worker`: serve queued members concurrently, reclaim a dead worker's entries, sweep.

The main thread reads the inbox stream through the consumer group (only as many entries as there are free
slots, `WORKER_CONCURRENCY`), takes the outbox retries that are due (`bot.outbox`), and hands each member to
the pool (`bot.worker_pool`): a job processes the member's pending rows under the member lock and
acknowledges the entry when it ends. An entry is acknowledged only after its member was processed, so a
worker killed mid-turn leaves it to be reclaimed after `WORKER_RECLAIM_IDLE_MS`.

Every `WORKER_SWEEP_EVERY_SECONDS` (every second for a few seconds after a failed cycle: `CATCH_UP_SECONDS`)
it re-queues stranded rows and lost retries, and (on its own thread, so a
slow ledger never holds the queue) settles `unknown` ledger instructions by reading the ledger
(`credex_api.reconcile`, the same as `manage.py reconcile_instructions`) and tells each member whose
uncertain action settled how it ended, once (`bot.settled`). Failures of Redis or the database
are logged and retried after a pause; nothing unacknowledged is lost.

Stops on SIGTERM/SIGINT: it reads nothing more, each job finishes only the turn (row) in progress and hands
its member's other pending rows back to the stream at once (`bot.processing`, `stop`), so another worker
picks them up without waiting for `WORKER_RECLAIM_IDLE_MS`; then the worker exits, one turn after the signal
rather than a backlog later (well within devrun's 15 s and compose's 30 s grace). Several workers
(processes, hosts) may run at once: the consumer group shares entries between them and the member lock keeps
each member's messages in order and one at a time.
"""

import logging
import os
import signal
import socket
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from bot import heartbeat, outbox, queue
from bot.processing import process_member
from bot.settled import tell_settled
from bot.worker_pool import MemberPool
from credex_api.reconcile import reconcile_unknown

logger = logging.getLogger("bot.worker")

POLL_MS = 250  # the longest a due retry or a freed slot waits for the main thread
RECLAIM_EVERY_SECONDS = 1.0
RETRY_PAUSE_SECONDS = 1.0
# After a failed cycle (Redis or the database away) the sweep runs every second on every unfinished row for a
# member lock's TTL and this much more: entries lost in the crash, and members whose dead turn's lock still
# held them, are queued again within seconds of the return, not a sweep age later.
CATCH_UP_SECONDS = 3.0


class Command(BaseCommand):
    help = "Process queued inbound WhatsApp messages (queue mode)."

    def add_arguments(self, parser):
        parser.add_argument("--consumer", default=f"{socket.gethostname()}-{os.getpid()}")
        parser.add_argument("--once", action="store_true", help="Drain what is queued now, then exit.")
        parser.add_argument("--concurrency", type=int, default=None, help="Default: WORKER_CONCURRENCY.")

    def handle(self, *args, consumer: str, once: bool, concurrency: int | None, **options):
        self.stopping = threading.Event()  # set by SIGTERM/SIGINT; running jobs stop between rows
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self.conn = queue.worker_connection(POLL_MS)
        self.consumer = consumer
        queue.ensure_group(self.conn)
        self.pool = MemberPool(concurrency or settings.WORKER_CONCURRENCY, self._serve_member, _requeue)
        self._reconciler: threading.Thread | None = None
        logger.info("worker %s started, %d member(s) at once", consumer, self.pool.concurrency)
        try:
            self._loop(once)
        finally:
            self.pool.shutdown()
        logger.info("worker %s stopped", consumer)

    def _loop(self, once: bool) -> None:
        last_sweep = last_reclaim = catch_up_until = float("-inf")
        while not self.stopping.is_set():
            try:
                catch_up = time.monotonic() < catch_up_until  # after an outage: sweep all, each second
                if time.monotonic() - last_sweep > (1.0 if catch_up else settings.WORKER_SWEEP_EVERY_SECONDS):
                    self._housekeeping(catch_up)
                    last_sweep = time.monotonic()
                reclaim = time.monotonic() - last_reclaim > RECLAIM_EVERY_SECONDS
                last_reclaim = time.monotonic() if reclaim else last_reclaim
                started = self._cycle(reclaim)
                heartbeat.beat(self.conn, self.consumer)  # after a cycle got through: readiness sees it
            except Exception:
                # Redis or the database is unavailable: nothing was acknowledged, so nothing is lost.
                logger.exception("worker cycle failed; retrying in %.0f s", RETRY_PAUSE_SECONDS)
                catch_up_until = time.monotonic() + settings.MEMBER_LOCK_TTL_MS / 1000 + CATCH_UP_SECONDS
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            if once and not started and self.pool.free_slots() == self.pool.concurrency:
                break

    def _cycle(self, reclaim: bool) -> int:
        """Hand due retries, then stream entries, to free slots; the number of entries and retries taken."""
        free = self.pool.wait_for_slot(POLL_MS / 1000)
        close_old_connections()
        taken = self._start_due(free)
        free -= taken
        if free <= 0:
            return taken
        entries = queue.reclaim_stale(self.conn, self.consumer, count=free) if reclaim else []
        if len(entries) < free:
            entries += queue.read_new(self.conn, self.consumer, count=free - len(entries), block_ms=POLL_MS)
        for entry_id, row_id in entries:
            self._start_entry(entry_id, row_id)
        return taken + len(entries)

    def _start_due(self, free: int) -> int:
        row_ids = outbox.take_due(self.conn, free)
        for row_id in row_ids:
            wa_id = outbox.member_of(row_id)
            if wa_id is not None and not self.pool.submit(wa_id, None, lambda: None):
                outbox.schedule_id(row_id, time.time() + POLL_MS / 1000)  # running here: again shortly
        return len(row_ids)

    def _start_entry(self, entry_id: str, row_id: int | None) -> None:
        wa_id = queue.member_of_row(row_id)  # the entry holds a row id and a hash, never the number
        ack = lambda: queue.acknowledge(self.conn, entry_id)  # noqa: E731
        if wa_id is None or not self.pool.submit(wa_id, row_id, ack):
            ack()  # nothing to do, or the member is running here and goes round again when it ends

    def _housekeeping(self, catch_up: bool = False) -> None:
        """Re-queue stranded rows (all of them when catching up) and lost retries; settle unknown
        instructions on a thread of their own."""
        queue.sweep(self.conn, after_seconds=0 if catch_up else None)
        outbox.reschedule_lost()
        outbox.alert_unresolved()
        if self._reconciler is None or not self._reconciler.is_alive():
            self._reconciler = threading.Thread(target=_reconcile, name="reconcile", daemon=True)
            self._reconciler.start()

    def _serve_member(self, wa_id: str) -> None:
        process_member(wa_id, requeue=_requeue, wait_seconds=0, stop=self.stopping)

    def _stop(self, signum, frame):
        self.stopping.set()


def _requeue(wa_id: str, row_id: int) -> None:
    queue.enqueue_members([(wa_id, row_id)], source="again")


def _reconcile() -> None:
    """Settle instructions whose ledger outcome is unknown, then tell their members the result (a failure
    is logged; the next sweep retries)."""
    try:
        report = reconcile_unknown()
        told = tell_settled()
    except Exception as exc:
        logger.warning("reconciliation skipped: %s", type(exc).__name__)
        return
    finally:
        close_old_connections()
    if told:
        logger.info("told %d member(s) how an uncertain action ended", told)
    if report.examined:
        logger.info(
            "reconciled %d instruction(s): done=%d failed=%d still_unknown=%d errors=%d",
            report.examined, report.done, report.failed, report.still_unknown, report.errors,
        )  # fmt: skip
