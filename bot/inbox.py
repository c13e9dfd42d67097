"""The durable write of one webhook delivery: inbox rows, status events, outbox progress, platform errors.

`store_batch` runs in ONE transaction, so the webhook answers 200 only once everything is committed. Each
inbound message, status and platform error is an ORM `create()` in its own `atomic()` block (a savepoint
inside the batch's transaction; a transaction of its own for a lone message), and the unique key's
`IntegrityError` means "already stored". On PostgreSQL a concurrent insert of the same wamid waits for the
first transaction and then fails on the key; on SQLite (IMMEDIATE transactions) writers are serialised and
the second sees the committed row. Either way the same message delivered N times, sequentially or at once,
yields exactly one new row and therefore one dispatch. Each row is stored
under its sender's member key (`keyed`, `bot.identity`), never under the raw phone or BSUID.

Status webhooks move `OutboxMessage.status` with conditional UPDATEs (`WHERE status IN <lower ranks>`), so
concurrent or out-of-order statuses only ever move it forward: sent < delivered < read, and `failed` is
terminal with its error code. A status for a wamid we do not know is recorded unmatched, not an error.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from bot import identity
from bot.events import ParsedBatch, PlatformErrorItem, StatusUpdate, event_kind, event_to_dict
from bot.models import InboxMessage, OutboxMessage, PlatformError, StatusEvent
from flows.types import IdentityChange, InboundMessage

FAILED = OutboxMessage.Status.FAILED


@dataclass(frozen=True, slots=True)
class StoreResult:
    """What one delivery added: the new inbox row ids (to dispatch) and how many messages were repeats."""

    new_ids: list[int] = field(default_factory=list)
    duplicates: int = 0
    # (sender, the id of their first new row) per sender of the new rows, by message time
    new_members: list[tuple[str, int]] = field(default_factory=list)


def store_batch(batch: ParsedBatch, *, correlation_id: str) -> StoreResult:
    """Store every item of a parsed delivery in one transaction; redelivered items are skipped."""
    if len(batch.messages) == 1 and not batch.statuses and not batch.errors:
        return _store_lone_message(batch.messages[0], correlation_id)
    new_ids: list[int] = []
    new_rows: dict[str, int] = {}  # wamid → its new row id
    duplicates = 0
    with transaction.atomic():
        messages = [keyed(message) for message in batch.messages]
        # Sorted by id: concurrent deliveries then take row locks in the same order (no deadlocks).
        for message in sorted(messages, key=lambda event: event.message_id):
            row_id = _insert_message(message, correlation_id)
            if row_id is None:
                duplicates += 1
            else:
                new_ids.append(row_id)
                new_rows[message.message_id] = row_id
        for status in sorted(batch.statuses, key=lambda update: update.wamid):
            _record_status(status)
        for error in batch.errors:
            _record_platform_error(error)
    by_time = sorted((m for m in messages if m.message_id in new_rows), key=lambda m: m.timestamp)
    first_rows: dict[str, int] = {}
    for message in by_time:
        first_rows.setdefault(message.wa_id, new_rows[message.message_id])
    return StoreResult(new_ids=new_ids, duplicates=duplicates, new_members=list(first_rows.items()))


def _store_lone_message(message: InboundMessage, correlation_id: str) -> StoreResult:
    """The common delivery, one message: the sender's key, then the row, each atomic on its own (a key
    made for a message whose row then failed is harmless: the redelivery finds it)."""
    message = keyed(message)
    row_id = _insert_message(message, correlation_id)
    if row_id is None:
        return StoreResult(duplicates=1)
    return StoreResult(new_ids=[row_id], new_members=[(message.wa_id, row_id)])


def keyed(message: InboundMessage) -> InboundMessage:
    """`message` with `wa_id` set to its sender's member key (`bot.identity`); a number or BSUID change
    Meta reports is applied here, before the messages after it are keyed."""
    key = identity.resolve_sender(message)
    if isinstance(message, IdentityChange):
        identity.apply_change(key, message)
    return message if key == message.wa_id else replace(message, wa_id=key)


def _insert_message(message: InboundMessage, correlation_id: str) -> int | None:
    """The new row's id, or None when this wamid is already stored (another integrity error is raised)."""
    try:
        with transaction.atomic():
            row = InboxMessage.objects.create(
                wamid=message.message_id,
                wa_id=message.wa_id,
                kind=event_kind(message),
                message_ts=unix_to_datetime(message.timestamp),
                event=event_to_dict(message),
                correlation_id=correlation_id,
            )
    except IntegrityError:
        if InboxMessage.objects.filter(wamid=message.message_id).exists():
            return None
        raise
    return row.pk


def _record_status(status: StatusUpdate) -> None:
    """One StatusEvent per (wamid, status); the matching outbox row moved forward if this is progress."""
    matched = apply_status(status)
    try:
        with transaction.atomic():
            StatusEvent.objects.create(
                wamid=status.wamid,
                status=status.status,
                status_ts=unix_to_datetime(status.timestamp),
                recipient_id=status.recipient_id,
                recipient_user_id=status.recipient_user_id,
                error_code=status.error_code,
                matched=matched,
            )
    except IntegrityError:
        pass  # a redelivered status: already recorded (applying it again above changed nothing)


def apply_status(status: StatusUpdate) -> bool:
    """Move our outbox row for `status.wamid` forward (never back); True when we sent that message."""
    _adopt_wamid(status)
    rows = OutboxMessage.objects.filter(wamid=status.wamid)
    now = timezone.now()
    if status.status == "failed":
        rows.exclude(status=FAILED).update(status=FAILED, error_code=status.error_code, updated_at=now)
    elif status.status in OutboxMessage.RANK:
        rank = OutboxMessage.RANK[status.status]
        lower = [name for name, other in OutboxMessage.RANK.items() if other < rank]
        rows.filter(status__in=lower).update(status=status.status, updated_at=now)
    return rows.exists()


def _adopt_wamid(status: StatusUpdate) -> None:
    """A send whose outcome was unknown (no wamid kept) is matched by the outbox id sent as callback data."""
    try:
        outbox_id = uuid.UUID(status.callback_data)
    except ValueError:
        return
    OutboxMessage.objects.filter(pk=outbox_id, wamid__isnull=True).update(wamid=status.wamid)


def _record_platform_error(error: PlatformErrorItem) -> None:
    try:
        with transaction.atomic():
            PlatformError.objects.create(
                code=error.code, title=error.title, details=error.details, digest=error.digest
            )
    except IntegrityError:
        pass  # the same error item redelivered


def unix_to_datetime(seconds: int) -> datetime:
    """An aware UTC datetime from unix seconds."""
    return datetime.fromtimestamp(seconds, tz=UTC)
