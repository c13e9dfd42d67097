"""Shared helpers of the webhook tests: processing recorders and a count of every table a delivery touches."""

from __future__ import annotations

from bot import processing
from bot.models import InboxMessage, OutboxMessage, PlatformError, StatusEvent
from devtools import payloads as p

NOTHING_STORED = {"InboxMessage": 0, "StatusEvent": 0, "OutboxMessage": 0, "PlatformError": 0}


def row_counts() -> dict[str, int]:
    """Rows in each table the webhook may write (forged requests must leave every one at zero)."""
    return {m.__name__: m.objects.count() for m in (InboxMessage, StatusEvent, OutboxMessage, PlatformError)}


def fake_reply(inbox_id: int) -> dict:
    """The payload the recorder's process_capturing "captures" for one inbox row."""
    return {
        "messaging_product": "whatsapp",
        "to": p.SENDER,
        "type": "text",
        "text": {"body": f"re {inbox_id}"},
    }


def record_processing(monkeypatch) -> dict[str, list[list[int]]]:
    """Replace bot.processing's entry points with recorders; returns {"dispatch": [...], "capture": [...]}.

    Processing itself is tested on its own; here only what the view hands over, and when, matters.
    list.append is atomic, so the recorders are safe under the concurrency tests.
    """
    recorded: dict[str, list[list[int]]] = {"dispatch": [], "capture": []}

    def dispatch_committed(ids: list[int], *, members: list[str] | None = None) -> None:
        recorded["dispatch"].append(list(ids))

    def process_capturing(ids: list[int]) -> list[dict]:
        recorded["capture"].append(list(ids))
        return [fake_reply(inbox_id) for inbox_id in ids]

    monkeypatch.setattr(processing, "dispatch_committed", dispatch_committed)
    monkeypatch.setattr(processing, "process_capturing", process_capturing)
    return recorded
