"""Processing of stored inbox rows: one member at a time under the member's lock, in message order, fairly.

- `dispatch_committed(inbox_ids)`: called after the inbox transaction commits. Queue mode hands the affected
  members, each with one of its new rows, to the stream pusher (`bot.stream_pusher`: the Redis stream for
  `run_worker`, written off the ack path; the entry names the row, not the number); inline mode processes
  each affected member now.
- `process_capturing(inbox_ids)`: mock testing. Processes inline and returns the exact WhatsApp JSON payloads
  the bot would have sent, in order, instead of sending them.
- `process_member(wa_id)`: take the member's lock (state Redis), then process the member's pending rows in
  message-timestamp order; each turn's flush (`bot.outbox.flush`) first sends the member's replies whose
  retry fell due, and with no row to process the flush runs on its own. With `requeue` (the worker) a call
  takes only the rows pending when it starts — a member who keeps writing cannot hold a worker thread while
  others wait — and, after releasing the lock, hands a member who still has pending rows back to the end of
  the queue. Without it (inline mode) it drains them all. With `stop` (the worker's shutdown event) the call
  stops between rows once the event is set: the turn in progress ends, the rest stay pending and go back to
  the queue at once (the same hand-back), so a stopping worker exits after one turn, not a backlog. A turn
  that links a member's number (`bot.identity_link`) moves their waiting rows to the number: the call then
  goes on under the number (inline) or hands the number back to the queue (the worker).

A row's turn records all its replies (`bot.outbox.record`, one transaction) before sending any. Each row is
claimed by a conditional UPDATE (pending → processing), so a row is processed once even if two processors
race. A row a crashed worker left `processing` is taken again, before any later row, by the next holder of
the member lock (the sweeper, `bot.queue`, queues its member); when it runs again, its recorded replies are
sent (only those not yet sent) instead of asking the engine a second time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from django.conf import settings
from django.utils import timezone

from bot import identity, outbox, queue, stream_pusher
from bot.events import event_from_dict
from bot.identity_link import unlinked_turn
from bot.inbound_limits import SLOW_DOWN, Decision, inbound_decision
from bot.models import InboxMessage, OutboxMessage
from flows.services import run_turn
from flows.store import HeldLock, LockBusy, member_lock
from flows.types import IdentityChange, TextReply
from security import alerts, correlation, metrics
from security.redaction import mask_phone

logger = logging.getLogger(__name__)

Capture = Callable[[dict], None]
Requeue = Callable[[str, int], None]  # (wa_id, one of its pending row ids): back to the end of the queue


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


def process_member(
    wa_id: str,
    *,
    capture: Capture | None = None,
    requeue: Requeue | None = None,
    wait_seconds: float | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Process the member's pending rows under the member lock (see the module docstring); rows processed."""
    wait = settings.MEMBER_LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds
    try:
        with member_lock(wa_id, ttl_ms=settings.MEMBER_LOCK_TTL_MS, wait_seconds=wait) as held:
            processed, key = _take_turns(held, capture, drain=requeue is None, stop=stop)
            if capture is None and not processed:
                outbox.flush(wa_id)  # a retry that fell due (each turn's own flush sends it first)
    except LockBusy:
        # Another processor holds this member. It looks for pending rows after releasing the lock and
        # queues the member again if it finds any; the sweeper catches what is left after a crash.
        logger.info("member %s busy; left to the current holder", mask_phone(wa_id))
        return 0
    if key != wa_id and requeue is None:  # a linked number re-keyed the member: their rows moved there
        return processed + process_member(key, capture=capture, wait_seconds=wait, stop=stop)
    if requeue is not None:
        waiting = _pending(key).values_list("pk", flat=True).first()
        if waiting is not None:
            requeue(key, waiting)
    return processed


def _pending(wa_id: str):
    return InboxMessage.objects.filter(wa_id=wa_id, status=InboxMessage.Status.PENDING).order_by(
        "message_ts", "id"
    )


def _unfinished(wa_id: str):
    """Pending rows, and rows a dead processor left `processing` (under the member lock nobody else is
    processing this member), in message order: an interrupted row goes again before the ones after it."""
    unfinished = (InboxMessage.Status.PENDING, InboxMessage.Status.PROCESSING)
    return InboxMessage.objects.filter(wa_id=wa_id, status__in=unfinished).order_by("message_ts", "id")


def _take_turns(
    held: HeldLock, capture: Capture | None, *, drain: bool, stop: threading.Event | None = None
) -> tuple[int, str]:
    """Process the rows unfinished now, in order; with `drain`, again until none is left; none more once
    `stop` is set (the rows not yet claimed stay pending). Returns the rows processed and the member's key,
    which is new when a turn linked their number (`bot.identity.rekey` moved their pending rows to it)."""
    processed, wa_id = 0, held.wa_id
    while True:
        pending = list(_unfinished(wa_id))
        for row in pending:
            if stop is not None and stop.is_set():
                return processed, wa_id
            if _claim(row):
                with correlation.bound(row.correlation_id):  # the delivery's id on every line of this row
                    key = _process_row(row, capture, held)
                processed += 1
                if key != wa_id:
                    return processed, key
        if not pending or not drain:
            return processed, wa_id


def _claim(row: InboxMessage) -> bool:
    """Take the row as it was read (pending, or left processing by a dead processor), once."""
    unchanged = InboxMessage.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts)
    claimed = unchanged.update(
        status=InboxMessage.Status.PROCESSING, claimed_at=timezone.now(), attempts=row.attempts + 1
    )
    return claimed == 1


def _process_row(row: InboxMessage, capture: Capture | None, held: HeldLock) -> str:
    """One inbound message: rate limit, the engine's turn, its replies recorded then sent (or captured).
    Returns the member key the turn answered under."""
    key, started = row.wa_id, time.monotonic()
    try:
        if capture is not None:
            key, replies = _turn(row, held)
            for reply in replies:
                capture(outbox.record_captured(wa_id=key, reply=reply, in_reply_to_id=row.pk))
        else:
            if not (row.attempts and OutboxMessage.objects.filter(in_reply_to_id=row.pk).exists()):
                key, replies = _turn(row, held)
                outbox.record(key, replies, row.pk)  # a re-run keeps the replies it had
            outbox.flush(key)
    except Exception:
        logger.exception("processing failed for inbox row %s", row.pk)
        _finish(row, InboxMessage.Status.FAILED)
        alerts.note_processing_failure()  # repeated failures raise an alert
        metrics.TURN_SECONDS.labels(result="failed").observe(time.monotonic() - started)
        return key
    _finish(row, InboxMessage.Status.DONE)
    metrics.TURN_SECONDS.labels(result="done").observe(time.monotonic() - started)
    return key


def _turn(row: InboxMessage, held: HeldLock) -> tuple[str, list]:
    """The member key to answer under and the turn's replies; over the inbound limit, one notice and then
    none (`bot.inbound_limits`). A member known only by BSUID gets `bot.identity_link`'s turn instead of
    the engine's (a shared number re-keys them); Meta's system messages get no answer."""
    decision = inbound_decision(row.wa_id)
    if decision is Decision.NOTICE:
        return row.wa_id, [TextReply(body=SLOW_DOWN)]
    if decision is Decision.SILENT:
        return row.wa_id, []
    # The row's key, not the one stored in the event: a linked number moves waiting rows (`identity.rekey`).
    event = replace(event_from_dict(row.event), wa_id=row.wa_id)
    if isinstance(event, IdentityChange):
        return row.wa_id, []
    if not identity.is_linked(row.wa_id):
        return unlinked_turn(row.wa_id, event, now=int(time.time()))
    return row.wa_id, run_turn(event, now=int(time.time()), held=held)


def _finish(row: InboxMessage, status: str) -> None:
    InboxMessage.objects.filter(pk=row.pk, status=InboxMessage.Status.PROCESSING).update(
        status=status, processed_at=timezone.now()
    )
