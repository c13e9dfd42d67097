"""Processing of stored inbox rows: one member at a time, in message order, under the member's lock.

- `dispatch_committed(inbox_ids)`: called after the inbox transaction commits. Queue mode hands the affected
  members, each with one of its new rows, to the stream pusher (`bot.stream_pusher`: the Redis stream for
  `run_worker`, written off the ack path; the entry names the row, not the number); inline mode processes
  each affected member now.
- `process_capturing(inbox_ids)`: mock testing. Processes inline and returns the exact WhatsApp JSON payloads
  the bot would have sent, in order, instead of sending them.
- `process_member(wa_id)`: take the member's lock (state Redis), then process ALL of that member's pending
  rows in message-timestamp order, re-checking before release so a row committed meanwhile is not stranded.

Each row is claimed by a conditional UPDATE (pending → processing), so a row is processed once even if two
processors race; a row left `processing` by a crashed worker is re-queued by the sweeper (`bot.queue`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from bot import queue, stream_pusher
from bot.events import event_from_dict
from bot.inbound_limits import SLOW_DOWN, Decision, inbound_decision
from bot.models import InboxMessage
from bot.sender import record_and_send, record_captured
from flows.services import run_turn
from flows.store import LockBusy, member_lock
from flows.types import TextReply
from security import alerts, correlation
from security.redaction import mask_phone

logger = logging.getLogger(__name__)

Capture = Callable[[dict], None]


def dispatch_committed(inbox_ids: list[int], *, members: list[queue.Member] | None = None) -> None:
    """Hand committed inbox rows to processing (queue or inline, per settings.PROCESSING_MODE).

    `members` ((sender, first new row id) in message order, as `inbox.store_batch` returns them) saves a
    query when the caller already knows them.
    """
    if members is None:
        members = queue.first_rows(_senders(inbox_ids))
    if settings.PROCESSING_MODE == "queue":
        stream_pusher.submit(members)
        return
    for wa_id, _row in members:
        process_member(wa_id)


def process_capturing(inbox_ids: list[int]) -> list[dict]:
    """Process inline and return the outgoing WhatsApp payloads instead of sending them."""
    payloads: list[dict] = []
    for wa_id in members_of(inbox_ids):
        process_member(wa_id, capture=payloads.append)
    return payloads


def members_of(inbox_ids: list[int]) -> list[str]:
    """The distinct senders of the given rows, in order of their first message."""
    return list(dict.fromkeys(wa_id for wa_id, _row in _senders(inbox_ids)))


def _senders(inbox_ids: list[int]) -> list[tuple[str, int]]:
    """(wa_id, row id) of the given rows, in message order."""
    rows = InboxMessage.objects.filter(pk__in=inbox_ids).order_by("message_ts", "id")
    return list(rows.values_list("wa_id", "pk"))


def process_member(wa_id: str, *, capture: Capture | None = None) -> int:
    """Process every pending row of one member, in order, under the member lock. Returns rows processed."""
    try:
        with member_lock(
            wa_id, ttl_ms=settings.MEMBER_LOCK_TTL_MS, wait_seconds=settings.MEMBER_LOCK_WAIT_SECONDS
        ):
            return _drain_member(wa_id, capture)
    except LockBusy:
        # Another processor holds this member; it re-checks for pending rows before releasing, and the
        # sweeper re-queues anything still pending after WORKER_SWEEP_AFTER_SECONDS.
        logger.info("member %s busy; left to the current holder", mask_phone(wa_id))
        return 0


def _drain_member(wa_id: str, capture: Capture | None) -> int:
    processed = 0
    while True:
        pending = list(
            InboxMessage.objects.filter(wa_id=wa_id, status=InboxMessage.Status.PENDING).order_by(
                "message_ts", "id"
            )
        )
        if not pending:
            return processed
        for row in pending:
            if _claim(row):
                with correlation.bound(row.correlation_id):  # the delivery's id on every line of this row
                    _process_row(row, capture)
                processed += 1


def _claim(row: InboxMessage) -> bool:
    claimed = InboxMessage.objects.filter(pk=row.pk, status=InboxMessage.Status.PENDING).update(
        status=InboxMessage.Status.PROCESSING, claimed_at=timezone.now(), attempts=row.attempts + 1
    )
    return claimed == 1


def _process_row(row: InboxMessage, capture: Capture | None) -> None:
    """One inbound message: rate limit, engine turn, then every reply recorded and sent (or captured)."""
    try:
        replies = _replies_for(row)
        for reply in replies:
            if capture is not None:
                capture(record_captured(wa_id=row.wa_id, reply=reply, in_reply_to_id=row.pk))
            else:
                record_and_send(wa_id=row.wa_id, reply=reply, in_reply_to_id=row.pk)
    except Exception:
        logger.exception("processing failed for inbox row %s", row.pk)
        _finish(row, InboxMessage.Status.FAILED)
        alerts.note_processing_failure()  # repeated failures raise an alert
        return
    _finish(row, InboxMessage.Status.DONE)


def _replies_for(row: InboxMessage) -> list:
    """The turn's replies; over the inbound limit, one notice and then none (`bot.inbound_limits`)."""
    decision = inbound_decision(row.wa_id)
    if decision is Decision.NOTICE:
        return [TextReply(body=SLOW_DOWN)]
    if decision is Decision.SILENT:
        return []
    return run_turn(event_from_dict(row.event), now=int(time.time()))


def _finish(row: InboxMessage, status: str) -> None:
    InboxMessage.objects.filter(pk=row.pk, status=InboxMessage.Status.PROCESSING).update(
        status=status, processed_at=timezone.now()
    )
