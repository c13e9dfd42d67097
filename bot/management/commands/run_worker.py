"""`python manage.py run_worker`: consume the inbox stream, reclaim a crashed worker's entries, sweep.

At start and with every sweep it also settles `unknown` ledger instructions by reading the ledger
(`credex_api.reconcile`, the same as `manage.py reconcile_instructions`); a failure there is logged and the
worker goes on (the instructions stay `unknown`, nothing is re-sent).

Stops cleanly on SIGTERM/SIGINT after the member it is processing. Several workers may run at once: the
consumer group shares entries between them and the per-member lock keeps each member's messages in order.
"""

import logging
import os
import signal
import socket
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from bot import queue
from bot.processing import process_member
from credex_api.reconcile import reconcile_unknown

logger = logging.getLogger("bot.worker")

BLOCK_MS = 2000
BATCH = 16
RETRY_PAUSE_SECONDS = 1.0


class Command(BaseCommand):
    help = "Process queued inbound WhatsApp messages (queue mode)."

    def add_arguments(self, parser):
        parser.add_argument("--consumer", default=f"{socket.gethostname()}-{os.getpid()}")
        parser.add_argument("--once", action="store_true", help="Drain what is queued now, then exit.")

    def handle(self, *args, consumer: str, once: bool, **options):
        self._stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        conn = queue.worker_connection(BLOCK_MS)
        queue.ensure_group(conn)
        _housekeeping(conn)
        logger.info("worker %s started", consumer)
        last_sweep = time.monotonic()
        while not self._stopping:
            try:
                handled = self._cycle(conn, consumer)
            except Exception:
                # Redis or the database is unavailable: nothing was acknowledged, so nothing is lost.
                logger.exception("worker cycle failed; retrying in %.0f s", RETRY_PAUSE_SECONDS)
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            if time.monotonic() - last_sweep > settings.WORKER_SWEEP_EVERY_SECONDS:
                _housekeeping(conn)
                last_sweep = time.monotonic()
            if once and not handled:
                break
        logger.info("worker %s stopped", consumer)

    def _cycle(self, conn, consumer: str) -> int:
        handled = self._process(conn, queue.reclaim_stale(conn, consumer, count=BATCH))
        return handled + self._process(conn, queue.read_new(conn, consumer, count=BATCH, block_ms=BLOCK_MS))

    def _process(self, conn, entries) -> int:
        for entry_id, row_id in entries:
            close_old_connections()
            wa_id = queue.member_of_row(row_id)  # the entry holds a row id and a hash, never the number
            if wa_id is not None:
                process_member(wa_id)
            queue.acknowledge(conn, entry_id)
        return len(entries)

    def _stop(self, signum, frame):
        self._stopping = True


def _housekeeping(conn) -> None:
    """Re-queue stranded inbox rows, then settle instructions whose ledger outcome is unknown."""
    queue.sweep(conn)
    try:
        report = reconcile_unknown()
    except Exception as exc:  # the database is failing; the next sweep tries again
        logger.warning("reconciliation skipped: %s", type(exc).__name__)
        return
    if report.examined:
        logger.info(
            "reconciled %d instruction(s): done=%d failed=%d still_unknown=%d errors=%d",
            report.examined, report.done, report.failed, report.still_unknown, report.errors,
        )  # fmt: skip
