"""Verified webhook JSON → typed events (`bot.events.ParsedBatch`). Pure: no Django, no I/O but logging.

Every `entry[] × changes[] × messages[] / statuses[] / errors[]` item is read (many SDKs read only the first).
Only `field == "messages"` changes addressed to our phone number id are used; others are counted as skipped.
An item that is malformed (missing or mistyped id, sender, timestamp; oversized fields) is logged with its
position and a reason, never its content, and skipped; its siblings are kept. Every string that reaches the
database is bounded to its column and cleaned of NUL and lone surrogates (PostgreSQL rejects both), so one
odd item can never fail the whole transaction and make Meta redeliver the batch for 7 days.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from bot.events import ParsedBatch, PlatformErrorItem, StatusUpdate
from flows.types import ChoiceMessage, InboundMessage, TextMessage, UnsupportedMessage

logger = logging.getLogger(__name__)

WHATSAPP_OBJECT = "whatsapp_business_account"
STATUS_VALUES = frozenset({"sent", "delivered", "read", "failed", "played"})
MAX_TEXT_CHARS = 4096 * 2  # WhatsApp's limit is 4096; twice that leaves room for counting differences
MAX_CHOICE_ID_CHARS = 1024  # reply ids ≤ 256, list ids ≤ 200, template payloads are ours too
MAX_TITLE_CHARS = 1024
MAX_NAME_CHARS = 256
MAX_RECIPIENT_CHARS = 32  # StatusEvent.recipient_id
MAX_KIND_CHARS = 40  # InboxMessage.kind
MAX_ERROR_TITLE_CHARS = 255  # PlatformError.title
MAX_CALLBACK_DATA_CHARS = 512
MAX_ERROR_DETAILS_CHARS = 4096
MAX_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime can hold
INT32 = range(-(2**31), 2**31)  # IntegerField on PostgreSQL

_ID = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces: wamids, context ids
_SENDER = re.compile(r"[0-9]{1,32}")  # ASCII digits only (str.isdigit would accept "١٢٣")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class Malformed(Exception):  # noqa: N818 (an item verdict, not an error of ours)
    """An item that cannot be used; `reason` is a short code, safe to log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Collector:
    """Accumulates the events and the skip count of one delivery."""

    def __init__(self) -> None:
        self.found: dict[str, list] = {"messages": [], "statuses": [], "errors": []}
        self.skipped = 0

    def skip(self, where: str, reason: str, count: int = 1) -> None:
        self.skipped += count
        logger.warning("webhook item skipped at %s: %s", where, reason)

    def batch(self) -> ParsedBatch:
        return ParsedBatch(**{key: tuple(items) for key, items in self.found.items()}, skipped=self.skipped)


def parse_webhook(payload: object, *, phone_number_id: str) -> ParsedBatch:
    """Every usable item of a verified delivery; an empty batch when it is not a WhatsApp Business payload."""
    if not isinstance(payload, dict) or payload.get("object") != WHATSAPP_OBJECT:
        return ParsedBatch()
    found = _Collector()
    entries = payload.get("entry")
    if not isinstance(entries, list):
        found.skip("entry", "entry is not a list")
        return found.batch()
    for e_index, entry in enumerate(entries):
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            found.skip(f"e{e_index}", "entry without a changes list")
            continue
        for c_index, change in enumerate(changes):
            _parse_change(change, where=f"e{e_index}.c{c_index}", ours=phone_number_id, found=found)
    return found.batch()


def _parse_change(change: object, *, where: str, ours: str, found: _Collector) -> None:
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
    names = _profile_names(value.get("contacts"))
    for key, parse_item in _ITEM_PARSERS.items():
        items = value.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            found.skip(f"{where}.{key}", f"{key} is not a list")
            continue
        for index, item in enumerate(items):
            try:
                found.found[key].append(parse_item(item, names))
            except Malformed as exc:
                found.skip(f"{where}.{key}[{index}]", exc.reason)


def _profile_names(contacts: object) -> dict[str, str]:
    """wa_id → profile name from `value.contacts` (matched by wa_id, never contacts[0] blindly)."""
    names: dict[str, str] = {}
    for contact in contacts if isinstance(contacts, list) else ():
        if not isinstance(contact, dict) or not isinstance(profile := contact.get("profile"), dict):
            continue
        wa_id, name = contact.get("wa_id"), profile.get("name")
        if isinstance(wa_id, str) and isinstance(name, str):
            names[wa_id] = clean_text(name)[:MAX_NAME_CHARS]
    return names


# --- messages[] -----------------------------------------------------------------------------------------


def _parse_message(item: object, names: dict[str, str]) -> InboundMessage:
    if not isinstance(item, dict):
        raise Malformed("message is not an object")
    wa_id = _sender(item.get("from"))
    common = {
        "message_id": _identifier(item.get("id"), "message id"),
        "wa_id": wa_id,
        "timestamp": _timestamp(item.get("timestamp")),
        "profile_name": names.get(wa_id, ""),
        "context_id": _context_id(item.get("context")),
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
    return TextMessage(body=_bounded_text(body, MAX_TEXT_CHARS, "text body"), **common)


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
        choice_id=_bounded_text(reply.get("id"), MAX_CHOICE_ID_CHARS, "choice id", min_chars=1),
        title=_optional_text(reply.get("title"), MAX_TITLE_CHARS),
        source="button" if subtype == "button_reply" else "list",
        **common,
    )


def _template_button(item: dict, common: dict) -> InboundMessage:
    button = item.get("button")
    if not isinstance(button, dict):
        raise Malformed("button is not an object")
    return ChoiceMessage(
        choice_id=_bounded_text(button.get("payload"), MAX_CHOICE_ID_CHARS, "button payload", min_chars=1),
        title=_optional_text(button.get("text"), MAX_TITLE_CHARS),
        source="quick_reply",
        **common,
    )


_MESSAGE_BUILDERS: dict[str, Callable[[dict, dict], InboundMessage]] = {
    "text": _text,
    "interactive": _interactive,
    "button": _template_button,
}

# --- statuses[] and errors[] ------------------------------------------------------------------------------


def _parse_status(item: object, names: dict[str, str]) -> StatusUpdate:
    if not isinstance(item, dict):
        raise Malformed("status is not an object")
    status = item.get("status")
    if status not in STATUS_VALUES:
        raise Malformed("unknown status value")
    errors = item.get("errors")
    first_error = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return StatusUpdate(
        wamid=_identifier(item.get("id"), "status id"),
        status=status,
        timestamp=_timestamp(item.get("timestamp")),
        recipient_id=_short_identifier(item.get("recipient_id"), MAX_RECIPIENT_CHARS),
        error_code=_int32_or_none(first_error.get("code")),
        error_title=_optional_text(first_error.get("title"), MAX_ERROR_TITLE_CHARS, truncate=True),
        callback_data=_optional_text(item.get("biz_opaque_callback_data"), MAX_CALLBACK_DATA_CHARS),
    )


def _parse_error(item: object, names: dict[str, str]) -> PlatformErrorItem:
    if not isinstance(item, dict):
        raise Malformed("error is not an object")
    error_data = item.get("error_data")
    details = error_data.get("details") if isinstance(error_data, dict) else None
    canonical = json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return PlatformErrorItem(
        code=_int32_or_none(item.get("code")),
        title=_optional_text(item.get("title") or item.get("message"), MAX_ERROR_TITLE_CHARS, truncate=True),
        details=_optional_text(details, MAX_ERROR_DETAILS_CHARS, truncate=True),
        digest=hashlib.sha256(canonical.encode("ascii")).hexdigest(),
    )


_ITEM_PARSERS: dict[str, Callable[[object, dict[str, str]], Any]] = {
    "messages": _parse_message,
    "statuses": _parse_status,
    "errors": _parse_error,
}

# --- fields -----------------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """`text` with NUL and lone surrogates replaced by U+FFFD (neither can be stored in PostgreSQL)."""
    return _UNSTORABLE.sub("\ufffd", text)


def _identifier(value: object, what: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise Malformed(f"{what} missing, not printable ASCII or longer than 255")
    return value


def _short_identifier(value: object, max_chars: int) -> str:
    """An optional identifier: "" when absent, mistyped or longer than its column."""
    if isinstance(value, str) and len(value) <= max_chars and _ID.fullmatch(value):
        return value
    return ""


def _sender(value: object) -> str:
    if not isinstance(value, str) or not _SENDER.fullmatch(value):
        raise Malformed("sender missing or not 1-32 ASCII digits")
    return value


def _timestamp(value: object) -> int:
    if isinstance(value, str) and _TIMESTAMP.fullmatch(value):
        seconds = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    else:
        raise Malformed("timestamp missing or not a unix time")
    if not 0 <= seconds <= MAX_TIMESTAMP:
        raise Malformed("timestamp out of range")
    return seconds


def _context_id(context: object) -> str | None:
    """The message a tap or quoted reply refers to; None when absent or unusable (never trusted blindly)."""
    value = context.get("id") if isinstance(context, dict) else None
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def _bounded_text(value: object, max_chars: int, what: str, *, min_chars: int = 0) -> str:
    if not isinstance(value, str):
        raise Malformed(f"{what} missing or not a string")
    if not min_chars <= len(value) <= max_chars:
        raise Malformed(f"{what} length out of range")
    return clean_text(value)


def _optional_text(value: object, max_chars: int, *, truncate: bool = False) -> str:
    """A display string: "" when absent or mistyped; over-long → truncated or dropped."""
    if not isinstance(value, str):
        return ""
    if len(value) > max_chars:
        return clean_text(value[:max_chars]) if truncate else ""
    return clean_text(value)


def _int32_or_none(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value in INT32:
        return value
    return None
