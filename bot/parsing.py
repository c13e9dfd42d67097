"""Verified webhook JSON → typed events (`bot.events.ParsedBatch`). Pure: no Django, no I/O but logging.

Every `entry[] × changes[] × messages[] / statuses[] / errors[]` item is read (many SDKs read only the first).
Only `field == "messages"` changes addressed to our phone number id are used; others are counted as skipped.
An item that is malformed (missing or mistyped id, timestamp; a sender named by neither a WhatsApp id nor a
business-scoped user id; oversized fields) is skipped and counted, its siblings kept; a contact naming its
user by neither is skipped too (its name is never shown). Senders, contact cards and system messages are
read in `bot.parse_senders`. The delivery then logs ONE warning with the count per reason and the first
position of each, never an item's content: a delivery of a million broken items is one line, not a million.
Every string that reaches the database is bounded to its column and cleaned of NUL and lone surrogates
(PostgreSQL rejects both), so one odd item can never fail the whole transaction and make Meta redeliver the
batch for 7 days. The fields are checked in `bot.parse_fields`; the counts, the cap and the one warning line
are kept in `bot.parse_tally`.

The read of one delivery is bounded: at most `max_items` items (each entry, change, contact and
message/status/error counts one; `DEFAULT_MAX_ITEMS`, settings.WEBHOOK_MAX_ITEMS) are read, in order, and
the rest is left unread: `ParsedBatch.cut_at` says where the read stopped. Meta batches at most 1000 updates
(≤ 4 items each when every update has its own entry, change and contact), so only a forged or broken
delivery reaches the cap; what was read before it is kept (the view stores it, answers 200 and alerts).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from typing import Any

from bot.events import ParsedBatch, PlatformErrorItem, StatusUpdate
from bot.parse_fields import (
    Malformed,
    bounded_text,
    clean_text,
    context_id,
    identifier,
    int32_or_none,
    optional_text,
    short_identifier,
    timestamp,
)
from bot.parse_senders import Senders, contact_cards, identity_change
from bot.parse_tally import CapReached, Tally
from flows.types import (
    ChoiceMessage,
    ContactMessage,
    IdentityChange,
    InboundMessage,
    TextMessage,
    UnsupportedMessage,
)
from security.validation import is_bsuid

WHATSAPP_OBJECT = "whatsapp_business_account"
DEFAULT_MAX_ITEMS = 20_000  # 5× the largest batch Meta sends: 1000 updates × (entry, change, contact, item)
STATUS_VALUES = frozenset({"sent", "delivered", "read", "failed", "played"})
MAX_TEXT_CHARS = 4096 * 2  # WhatsApp's limit is 4096; twice that leaves room for counting differences
MAX_CHOICE_ID_CHARS = 1024  # reply ids ≤ 256, list ids ≤ 200, template payloads are ours too
MAX_TITLE_CHARS = 1024
MAX_RECIPIENT_CHARS = 32  # StatusEvent.recipient_id
MAX_KIND_CHARS = 40  # InboxMessage.kind
MAX_ERROR_TITLE_CHARS = 255  # PlatformError.title
MAX_CALLBACK_DATA_CHARS = 512
MAX_ERROR_DETAILS_CHARS = 4096


def parse_webhook(
    payload: object, *, phone_number_id: str, max_items: int = DEFAULT_MAX_ITEMS
) -> ParsedBatch:
    """Every usable item among the first `max_items` of a verified delivery (see the module docstring); an
    empty batch when it is not a WhatsApp Business payload."""
    if not isinstance(payload, dict) or payload.get("object") != WHATSAPP_OBJECT:
        return ParsedBatch()
    found = Tally(max_items)
    entries = payload.get("entry")
    if not isinstance(entries, list):
        found.skip("entry", "entry is not a list")
    else:
        with contextlib.suppress(CapReached):  # found.cut_at says where the read stopped
            _parse_entries(entries, ours=phone_number_id, found=found)
    found.log_summary(len(entries) if isinstance(entries, list) else 0)
    return found.batch()


def _parse_entries(entries: list, *, ours: str, found: Tally) -> None:
    for e_index, entry in enumerate(entries):
        found.take(f"e{e_index}")
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            found.skip(f"e{e_index}", "entry without a changes list")
            continue
        for c_index, change in enumerate(changes):
            where = f"e{e_index}.c{c_index}"
            found.take(where)
            _parse_change(change, where=where, ours=ours, found=found)


def _parse_change(change: object, *, where: str, ours: str, found: Tally) -> None:
    value = change.get("value") if isinstance(change, dict) else None
    if not isinstance(value, dict):
        found.skip(where, "change without a value object")
        return
    if change.get("field") != "messages":
        found.skip(where, "change of another webhook field")
        return
    metadata = value.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("phone_number_id") != ours:
        items = sum(len(v) for k in _ITEM_PARSERS if isinstance(v := value.get(k), list))
        found.skip(where, "change for another phone number id", count=max(items, 1))
        return
    senders = _senders(value.get("contacts"), where=where, found=found)
    for key, parse_item in _ITEM_PARSERS.items():
        items = value.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            found.skip(f"{where}.{key}", f"{key} is not a list")
            continue
        for index, item in enumerate(items):
            found.take(f"{where}.{key}[{index}]")
            try:
                found.found[key].append(parse_item(item, senders))
            except Malformed as exc:
                found.skip(f"{where}.{key}[{index}]", exc.reason)


def _senders(contacts: object, *, where: str, found: Tally) -> Senders:
    """The change's `value.contacts`, by phone and by BSUID (`bot.parse_senders`): matched to messages by
    either, never contacts[0] blindly. A contact naming its user by neither is malformed."""
    senders = Senders()
    for index, contact in enumerate(contacts if isinstance(contacts, list) else ()):
        position = f"{where}.contacts[{index}]"
        found.take(position)
        if not isinstance(contact, dict) or not senders.add(contact):
            found.skip(position, "contact without a WhatsApp id or user id")
    return senders


# --- messages[] -----------------------------------------------------------------------------------------


def _parse_message(item: object, senders: Senders) -> InboundMessage:
    if not isinstance(item, dict):
        raise Malformed("message is not an object")
    common = {
        "message_id": identifier(item.get("id"), "message id"),
        "timestamp": timestamp(item.get("timestamp")),
        "context_id": context_id(item.get("context")),
        **senders.common_fields(item),
    }
    message_type = item.get("type")
    if not isinstance(message_type, str) or not message_type:
        raise Malformed("message type missing or not a string")
    build = _MESSAGE_BUILDERS.get(message_type)
    if build is None:
        return UnsupportedMessage(kind=clean_text(message_type)[:MAX_KIND_CHARS], **common)
    return build(item, common)


def _text(item: dict, common: dict) -> InboundMessage:
    text = item.get("text")
    body = text.get("body") if isinstance(text, dict) else None
    return TextMessage(body=bounded_text(body, MAX_TEXT_CHARS, "text body"), **common)


def _interactive(item: dict, common: dict) -> InboundMessage:
    interactive = item.get("interactive")
    subtype = interactive.get("type") if isinstance(interactive, dict) else None
    if subtype not in ("button_reply", "list_reply"):
        label = f"interactive:{subtype}" if isinstance(subtype, str) else "interactive"
        return UnsupportedMessage(kind=clean_text(label)[:MAX_KIND_CHARS], **common)
    reply = interactive.get(subtype)
    if not isinstance(reply, dict):
        raise Malformed(f"{subtype} is not an object")
    return ChoiceMessage(
        choice_id=bounded_text(reply.get("id"), MAX_CHOICE_ID_CHARS, "choice id", min_chars=1),
        title=optional_text(reply.get("title"), MAX_TITLE_CHARS),
        source="button" if subtype == "button_reply" else "list",
        **common,
    )


def _template_button(item: dict, common: dict) -> InboundMessage:
    button = item.get("button")
    if not isinstance(button, dict):
        raise Malformed("button is not an object")
    return ChoiceMessage(
        choice_id=bounded_text(button.get("payload"), MAX_CHOICE_ID_CHARS, "button payload", min_chars=1),
        title=optional_text(button.get("text"), MAX_TITLE_CHARS),
        source="quick_reply",
        **common,
    )


_MESSAGE_BUILDERS: dict[str, Callable[[dict, dict], InboundMessage]] = {
    "text": _text,
    "interactive": _interactive,
    "button": _template_button,
    "contacts": lambda item, common: ContactMessage(**contact_cards(item), **common),
    "system": lambda item, common: IdentityChange(**identity_change(item), **common),
}

# --- statuses[] and errors[] ------------------------------------------------------------------------------


def _parse_status(item: object, senders: Senders) -> StatusUpdate:
    if not isinstance(item, dict):
        raise Malformed("status is not an object")
    status = item.get("status")
    if status not in STATUS_VALUES:
        raise Malformed("unknown status value")
    errors = item.get("errors")
    first_error = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return StatusUpdate(
        wamid=identifier(item.get("id"), "status id"),
        status=status,
        timestamp=timestamp(item.get("timestamp")),
        recipient_id=short_identifier(item.get("recipient_id"), MAX_RECIPIENT_CHARS),
        recipient_user_id=recipient if is_bsuid(recipient := item.get("recipient_user_id")) else "",
        error_code=int32_or_none(first_error.get("code")),
        error_title=optional_text(first_error.get("title"), MAX_ERROR_TITLE_CHARS, truncate=True),
        callback_data=optional_text(item.get("biz_opaque_callback_data"), MAX_CALLBACK_DATA_CHARS),
    )


def _parse_error(item: object, senders: Senders) -> PlatformErrorItem:
    if not isinstance(item, dict):
        raise Malformed("error is not an object")
    error_data = item.get("error_data")
    details = error_data.get("details") if isinstance(error_data, dict) else None
    canonical = json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return PlatformErrorItem(
        code=int32_or_none(item.get("code")),
        title=optional_text(item.get("title") or item.get("message"), MAX_ERROR_TITLE_CHARS, truncate=True),
        details=optional_text(details, MAX_ERROR_DETAILS_CHARS, truncate=True),
        digest=hashlib.sha256(canonical.encode("ascii")).hexdigest(),
    )


_ITEM_PARSERS: dict[str, Callable[[object, Senders], Any]] = {
    "messages": _parse_message,
    "statuses": _parse_status,
    "errors": _parse_error,
}
