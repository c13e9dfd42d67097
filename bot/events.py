"""Typed events of one verified webhook delivery, and the inbox's JSON form of message events.

Message events are the channel-neutral `flows.types` messages (TextMessage, ChoiceMessage,
UnsupportedMessage). The WhatsApp-only items of a delivery are typed here: `StatusUpdate` (what became of a
message we sent) and `PlatformErrorItem` (a `value.errors[]` problem Meta reports). `ParsedBatch` is what
`bot.parsing.parse_webhook` returns for one POST.

`event_to_dict` / `event_from_dict` are the stored form of a message event (`InboxMessage.event`): the
dataclass fields plus a `"type"` discriminator ("text", "choice", "unsupported", "contact", "system").
Pure: no Django imports.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from flows.types import (
    ChoiceMessage,
    ContactMessage,
    IdentityChange,
    InboundMessage,
    TextMessage,
    UnsupportedMessage,
)

EVENT_TYPES: dict[str, type] = {
    "text": TextMessage,
    "choice": ChoiceMessage,
    "unsupported": UnsupportedMessage,
    "contact": ContactMessage,
    "system": IdentityChange,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusUpdate:
    """A `statuses[]` item: sent / delivered / read / failed / played for one of our outgoing messages."""

    wamid: str
    status: str
    timestamp: int  # unix seconds, Meta's clock
    recipient_id: str = ""
    recipient_user_id: str = ""  # the recipient's BSUID (Meta omits it on failures of sends to a phone)
    error_code: int | None = None  # statuses[].errors[0].code (failed)
    error_title: str = ""
    callback_data: str = ""  # biz_opaque_callback_data: our outbox row id, echoed back by Meta


@dataclass(frozen=True, slots=True, kw_only=True)
class PlatformErrorItem:
    """A `value.errors[]` item; `digest` (sha256 of the item's canonical JSON) dedupes redeliveries."""

    code: int | None
    title: str
    details: str
    digest: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedBatch:
    """Every usable item of one delivery; `skipped` counts items and changes that were not usable, and
    `cut_at` is the position where the read stopped at the item cap ("" when the whole delivery was read)."""

    messages: tuple[InboundMessage, ...] = ()
    statuses: tuple[StatusUpdate, ...] = ()
    errors: tuple[PlatformErrorItem, ...] = ()
    skipped: int = 0
    cut_at: str = ""


def event_type(event: InboundMessage) -> str:
    """The discriminator of a message event: "text", "choice" or "unsupported"."""
    for name, cls in EVENT_TYPES.items():
        if type(event) is cls:
            return name
    raise TypeError(f"not an inbound message event: {type(event).__name__}")


def event_kind(event: InboundMessage) -> str:
    """A short label for `InboxMessage.kind` (≤ 40 chars): text, choice:<source> or the unsupported type
    (contacts and system messages included)."""
    if isinstance(event, ChoiceMessage):
        return f"choice:{event.source}"
    if isinstance(event, UnsupportedMessage):
        return event.kind[:40]
    return event_type(event)


def event_to_dict(event: InboundMessage) -> dict[str, Any]:
    """The JSON-serialisable stored form: the dataclass fields plus `"type"`."""
    # The fields are flat strings, ints and tuples of strings: a shallow read, not `asdict`'s recursive deep
    # copy (hot path). Tuples become JSON lists and come back as tuples (`event_from_dict`).
    return {"type": event_type(event), **{item.name: getattr(event, item.name) for item in fields(event)}}


def event_from_dict(data: dict[str, Any]) -> InboundMessage:
    """Rebuild a message event from its stored form; ValueError when the type is unknown."""
    cls = EVENT_TYPES.get(data.get("type", ""))
    if cls is None:
        raise ValueError("unknown stored event type")
    names = {field.name for field in fields(cls)}
    values = {key: tuple(value) if isinstance(value, list) else value for key, value in data.items()}
    return cls(**{key: value for key, value in values.items() if key in names})
