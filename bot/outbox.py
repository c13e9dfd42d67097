"""The outbox: every reply is stored before it is sent, sent in its member's order, and a retry is scheduled,
never slept.

- `record(wa_id, replies, in_reply_to_id)`: render each reply (WhatsApp's limits checked first) and store them
  all as QUEUED rows in one transaction, in the turn's order — before any is sent, so a turn run again after a
  crash finds its replies and sends only what was not sent (`bot.processing`).
- `flush(wa_id)`: send the member's QUEUED rows, oldest first, one POST each (`bot.sender`). A row waiting
  for a retry that is not due yet stops the flush: the member's later replies stay behind it, in order. A row
  whose outcome is unknown (tried, no answer) is never sent again; the status webhooks resolve it.
- `send_row(row)`: claim one attempt by a conditional UPDATE (racing senders send an attempt once), POST, and
  record what became of it: ACCEPTED + wamid; a retryable error with attempts left → `retry_at` = now + the
  sender's delay (4^X s after Meta's pair rate limit, exponential with jitter after throttling or a transient
  error) and the row in the due set; unknown → stays QUEUED with `error_class=outcome_unknown`; else FAILED.
  A row a status webhook already moved is never downgraded.
- The due set: a sorted set on the state Redis (`<prefix>:outbox:due`), member = outbox row id (never a
  number), score = when the retry is due (Unix seconds). The worker takes what is due (`take_due`) and runs
  that member (flush under the member lock) like any other; `reschedule_lost()` (the sweeper) puts back a
  waiting row the set lost.
- `alert_unresolved()` (the worker's sweep): a row tried without any answer — a worker killed between the
  claim and Meta's answer, or a send whose answer was lost — that no status webhook has moved after
  `OUTBOX_UNRESOLVED_AFTER_SECONDS` is marked `error_class=unresolved` and ops are alerted once with the
  outbox ids (no number, no text): we cannot know whether Meta received it, and re-sending could duplicate it.
- `record_and_send(...)` (one reply outside a turn, `bot.notify`) and `record_captured(...)` (mock testing:
  stored as CAPTURED and returned, never sent).

Logs carry the outbox id, kind, masked recipient, attempts and error code/class — never the token, the payload
or a full phone number.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_redis import get_redis_connection

from bot import identity
from bot.models import OutboxMessage
from bot.rendering import InvalidRecipientError, render, render_kind
from bot.sender import GraphSender, SendResult, get_sender
from flows.types import Reply
from security import metrics
from security.alerts import raise_alert
from security.redaction import mask_phone

logger = logging.getLogger(__name__)
Status = OutboxMessage.Status

# KEYS: due set. ARGV: now (Unix seconds), limit. Pops the row ids that are due, oldest first.
_TAKE_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due
"""


def due_key() -> str:
    return f"{settings.REDIS_KEY_PREFIX}:outbox:due"


def record(wa_id: str, replies: Iterable[Reply], in_reply_to_id: int | None) -> list[OutboxMessage]:
    """Store the replies to member `wa_id` as QUEUED rows, all or none, in order (rendered first: nothing is
    stored if one breaks WhatsApp's limits). They go to the member's phone, or their BSUID when we do not
    know their number (`bot.identity.address_of`)."""
    replies = list(replies)
    if not replies:
        return []
    to = _address(wa_id)
    payloads = [(render_kind(reply), render(reply, to=to)) for reply in replies]
    create = OutboxMessage.objects.create
    if len(payloads) == 1:  # one INSERT is atomic by itself: no BEGIN/COMMIT round trips
        kind, body = payloads[0]
        return [create(wa_id=wa_id, in_reply_to_id=in_reply_to_id, kind=kind, payload=body)]
    with transaction.atomic():
        return [
            create(wa_id=wa_id, in_reply_to_id=in_reply_to_id, kind=kind, payload=body)
            for kind, body in payloads
        ]


def record_captured(*, wa_id: str, reply: Reply, in_reply_to_id: int | None) -> dict:
    """Mock testing: render, store a CAPTURED outbox row, return the payload. Nothing is sent."""
    payload = render(reply, to=_address(wa_id))
    OutboxMessage.objects.create(
        wa_id=wa_id,
        in_reply_to_id=in_reply_to_id,
        kind=render_kind(reply),
        payload=payload,
        status=Status.CAPTURED,
    )
    return payload


def _address(wa_id: str) -> str:
    to = identity.address_of(wa_id)
    if to is None:
        raise InvalidRecipientError("the member has neither a known number nor a business-scoped user id")
    return to


def record_and_send(
    *, wa_id: str, reply: Reply, in_reply_to_id: int | None, sender: GraphSender | None = None
) -> OutboxMessage:
    """Store one reply and send it now (one attempt; a retry is scheduled); returns the row as now stored."""
    (row,) = record(wa_id, [reply], in_reply_to_id)
    send_row(row, sender=sender)
    row.refresh_from_db()
    return row


def flush(wa_id: str, *, sender: GraphSender | None = None) -> None:
    """Send the member's queued replies in order until one has to wait (see the module docstring)."""
    queued = OutboxMessage.objects.filter(wa_id=wa_id, status=Status.QUEUED).order_by("created_at")
    now = timezone.now()
    for row in queued:
        if row.attempts and row.retry_at is None:
            continue  # tried without an answer: never sent twice
        if row.retry_at is not None and row.retry_at > now:
            schedule(row)  # idempotent; keeps the row in the set if a take raced us
            return
        send_row(row, sender=sender)
        if row.retry_at is not None:
            return  # its retry is scheduled: later replies stay behind it


def send_row(row: OutboxMessage, *, sender: GraphSender | None = None) -> SendResult:
    """One attempt at a QUEUED row (a first attempt, or a retry that is due) and its recorded outcome."""
    if not _claim(row):
        logger.info("outbox %s not sent: already claimed, not queued or not due", row.pk)
        return SendResult(False, None, None, row.attempts, skipped=True)
    sender = sender or get_sender()
    result = sender.send({**row.payload, "biz_opaque_callback_data": str(row.pk)}, attempt=row.attempts)
    status = _record_outcome(row, result, sender)
    code = result.error.code if result.error else None
    metrics.OUTBOX_SENDS.labels(result=str(status), error_code="" if code is None else str(code)).inc()
    _log_outcome(row, result, status)
    return result


def _claim(row: OutboxMessage) -> bool:
    claimable = OutboxMessage.objects.filter(pk=row.pk, status=Status.QUEUED, attempts=row.attempts)
    if row.attempts:
        claimable = claimable.filter(retry_at__lte=timezone.now())  # only a scheduled retry that is due
    if claimable.update(attempts=F("attempts") + 1, retry_at=None) != 1:
        return False
    if row.retry_at is not None:  # a retry sent before the worker took it from the due set
        get_redis_connection("state").zrem(due_key(), str(row.pk))
    row.attempts, row.retry_at = row.attempts + 1, None
    return True


def _record_outcome(row: OutboxMessage, result: SendResult, sender: GraphSender) -> str:
    queued = OutboxMessage.objects.filter(pk=row.pk, status=Status.QUEUED)
    now = timezone.now()
    if result.ok:
        if not queued.update(status=Status.ACCEPTED, wamid=result.wamid, accepted_at=now, updated_at=now):
            # a status webhook got there first: keep its status, fill in what it lacks
            OutboxMessage.objects.filter(pk=row.pk).update(
                wamid=Coalesce(F("wamid"), Value(result.wamid)),
                accepted_at=Coalesce(F("accepted_at"), Value(now)),
            )
        return Status.ACCEPTED
    error = result.error
    fields = {
        "error_code": error.code if error else None,
        "error_class": error.klass.value if error else "",
        "updated_at": now,
    }
    if result.retryable and result.attempts < max(1, int(settings.WHATSAPP_SEND_MAX_ATTEMPTS)):
        row.retry_at = now + timedelta(seconds=sender.delay(error.klass, retry_index=result.attempts - 1))
        queued.update(retry_at=row.retry_at, **fields)
        schedule(row)
        return "retry"
    if result.outcome_unknown:
        queued.update(**fields)
        return Status.QUEUED
    queued.update(status=Status.FAILED, **fields)
    return Status.FAILED


def schedule(row: OutboxMessage) -> None:
    """Put the row's retry in the due set (at `row.retry_at`)."""
    schedule_id(str(row.pk), row.retry_at.timestamp())


def schedule_id(row_id: str, due: float) -> None:
    """Put an outbox row id in the due set, due at `due` (Unix seconds)."""
    get_redis_connection("state").zadd(due_key(), {row_id: due})


def take_due(connection, limit: int) -> list[str]:
    """Pop up to `limit` outbox row ids whose retry is due (atomic: two workers never take the same one)."""
    if limit <= 0:
        return []
    due = connection.eval(_TAKE_DUE, 1, due_key(), time.time(), limit)
    return [item.decode() if isinstance(item, bytes) else item for item in due]


def member_of(row_id: str) -> str | None:
    """The recipient of an outbox row still waiting to be sent, or None."""
    rows = OutboxMessage.objects.filter(pk=row_id, status=Status.QUEUED)
    return rows.values_list("wa_id", flat=True).first()


def reschedule_lost() -> int:
    """Re-add the rows whose retry is overdue (the set lost them, e.g. a state-Redis restore); rows still
    waiting for their time are in the set already."""
    overdue = timezone.now() - timedelta(seconds=LOST_AFTER_SECONDS)
    lost = list(OutboxMessage.objects.filter(status=Status.QUEUED, retry_at__lt=overdue))
    for row in lost:
        schedule(row)
    return len(lost)


LOST_AFTER_SECONDS = 5  # well past the worker's 0.25 s poll: a due retry still unsent by then was lost


UNRESOLVED = "unresolved"


def alert_unresolved(limit: int = 100) -> int:
    """Mark and report rows tried long ago with no answer and no status webhook (see the module docstring)."""
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_UNRESOLVED_AFTER_SECONDS)
    tried = OutboxMessage.objects.filter(status=Status.QUEUED, attempts__gte=1, retry_at__isnull=True)
    silent = tried.filter(wamid__isnull=True, created_at__lt=cutoff).exclude(error_class=UNRESOLVED)
    ids = [str(pk) for pk in silent.values_list("pk", flat=True)[:limit]]
    if not ids:
        return 0
    OutboxMessage.objects.filter(pk__in=ids, status=Status.QUEUED).update(error_class=UNRESOLVED)
    message = f"{len(ids)} outgoing message(s) tried without an answer or a status from WhatsApp"
    raise_alert("outbox.unresolved", message, severity="warning", details={"outbox_ids": ids})
    return len(ids)


def _log_outcome(row: OutboxMessage, result: SendResult, status: str) -> None:
    to = mask_phone(row.wa_id)
    if result.ok:
        logger.info("outbox %s %s to %s accepted after %s attempt(s)", row.pk, row.kind, to, result.attempts)
        return
    error = result.error
    logger.warning(
        "outbox %s %s to %s not accepted after %s attempt(s): code=%s class=%s status=%s",
        row.pk, row.kind, to, result.attempts,
        error.code if error else None, error.klass.value if error else None, status,
    )  # fmt: skip
