"""Admin actions ops need on the outbox (issue 24): retry a failed send.

"Retry failed send" (on the outbox list) takes FAILED rows only: for each it stores a NEW queued outbox row
with the same recipient, kind and payload, sends it through `bot.outbox.send_row` (one attempt now; a
retryable error schedules the next, as for any reply), and writes an `admin.retry_send` audit row naming
the old and the new outbox ids (never the number or the text). The failed row is never sent again and is
left as it was, failure reason included. A row is retried once: the first retry claims it on the state Redis
(`SET NX`, kept `RETRY_CLAIM_SECONDS`), so two operators clicking at once send one new message, not two;
a row not failed, or already retried, is refused with a message naming it. It needs the dedicated
`bot.retry_outboxmessage` permission (the action is not even offered without it).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django_redis import get_redis_connection

from bot import outbox
from bot.models import OutboxMessage
from security import audit

RETRY_PERMISSION = "bot.retry_outboxmessage"
RETRY_CLAIM_SECONDS = 90 * 24 * 3600


def retry_claim_key(row_id: object) -> str:
    """The state Redis key marking outbox row `row_id` as retried (the row id only: no number)."""
    return f"{settings.REDIS_KEY_PREFIX}:outbox:retried:{row_id}"


def claim_retry(row: OutboxMessage) -> bool:
    """Whether this caller is the first to retry `row` (atomic: one winner among racing operators)."""
    connection = get_redis_connection("state")
    return bool(connection.set(retry_claim_key(row.pk), "1", nx=True, ex=RETRY_CLAIM_SECONDS))


def retry_one(request: HttpRequest, row: OutboxMessage) -> OutboxMessage:
    """A new queued row with `row`'s payload, sent now, and its audit row; returns the new row as stored."""
    new = OutboxMessage.objects.create(
        wa_id=row.wa_id, in_reply_to_id=row.in_reply_to_id, kind=row.kind, payload=row.payload
    )
    outbox.send_row(new)
    new.refresh_from_db()
    audit.record(
        "admin.retry_send",
        actor=audit.staff(request.user.get_username()),
        obj=f"outbox {row.pk}",
        old={"outbox": str(row.pk), "status": row.status},
        new={"outbox": str(new.pk), "status": new.status},
        request=request,
    )
    return new


@admin.action(description="Retry failed send (as a new message)", permissions=["retry"])
def retry_failed_sends(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    """Retry each selected FAILED row once (see the module docstring); refuse the others with a message."""
    refused, retried = [], []
    for row in queryset.order_by("created_at"):
        if row.status != OutboxMessage.Status.FAILED:
            refused.append(f"{row.pk} ({row.status}: only a failed send can be retried)")
        elif not claim_retry(row):
            refused.append(f"{row.pk} (already retried)")
        else:
            new = retry_one(request, row)
            retried.append(f"{row.pk} → {new.pk} ({new.status})")
    if retried:
        messages.success(request, "Retried as new messages: " + "; ".join(retried))
    if refused:
        messages.error(request, "Not retried: " + "; ".join(refused))
