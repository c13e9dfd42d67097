"""Column values of one inbox row as the webhook stores it, for tests that call `bot.dbinsert.insert_new`."""

from __future__ import annotations

from datetime import UTC, datetime


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
