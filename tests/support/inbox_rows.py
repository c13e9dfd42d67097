"""Column values of one inbox row as the webhook stores it, and `store_row`, which stores one as it does."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import IntegrityError, transaction

from bot.models import InboxMessage


def message_values(wamid: str, body: str = "hi") -> dict:
    """The columns the webhook's INSERT sets for a text message `body` with WhatsApp id `wamid`."""
    return {
        "wamid": wamid,
        "wa_id": "263771234567",
        "kind": "text",
        "message_ts": datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        "event": {"type": "text", "body": body},
        "correlation_id": "c0ffee",
    }


def store_row(wamid: str, body: str = "hi") -> int | None:
    """The new inbox row's id, or None when `wamid` is already stored (the unique key refuses it)."""
    try:
        with transaction.atomic():
            return InboxMessage.objects.create(**message_values(wamid, body)).pk
    except IntegrityError:
        return None
