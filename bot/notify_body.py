"""The body of `POST /bot/notify` (`bot.notify`): JSON bytes → a checked `Notification`, or why not.

Pure. Rules (the contract in `bot.notify`'s docstring and the README):
- the body is a UTF-8 JSON object; fields other than those below are ignored;
- `phone`: the member's wa_id, a string of 6–15 ASCII digits with no leading 0 and no "+"
  (`security.validation.is_wa_id`, the rule `bot.rendering` applies to every recipient);
- `memberName`: 1–60 characters; `message`: 1–300 characters;
- `notificationID` (optional): 1–100 characters of letters, digits, `:`, `-`, `_`, `.`; the same ID again is
  the same notification, sent once (`bot.notify_window`);
- every field is a string and is stripped of leading and trailing white space before it is checked;
- the two texts become template parameters, which WhatsApp refuses with new lines, tabs or more than 4
  consecutive spaces: those, other control characters, line/paragraph separators and lone surrogates
  (which cannot be encoded) are refused here with a 400 rather than failing at Meta.

Reasons name the field and the rule, never the value.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from security.validation import is_wa_id

PHONE_FIELD = "phone"
NAME_FIELD = "memberName"
MESSAGE_FIELD = "message"
ID_FIELD = "notificationID"
_ID_RULE = re.compile(r"[A-Za-z0-9:._-]{1,100}")
NAME_MAX = 60
MESSAGE_MAX = 300

_SPACE_RUN = re.compile(r" {5,}")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})  # controls, surrogates, line/paragraph separators


@dataclass(frozen=True, slots=True)
class Notification:
    """A checked notification: recipient wa_id digits, the name shown, the short message, its optional ID."""

    phone: str
    member_name: str
    message: str
    notification_id: str | None = None


class InvalidNotification(ValueError):  # noqa: N818 (a verdict, like SignatureRejected)
    """The body breaks the contract; `reason` is safe to show the caller and to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_notification(body: bytes) -> Notification:
    """The notification in `body`, or `InvalidNotification` saying which rule it breaks."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # includes bytes that are not UTF-8
        raise InvalidNotification("body is not JSON") from None
    if not isinstance(payload, dict):
        raise InvalidNotification("body is not a JSON object")
    phone = _field(payload, PHONE_FIELD)
    if not is_wa_id(phone):
        raise InvalidNotification(f"{PHONE_FIELD} must be 6-15 ASCII digits with no leading 0")
    return Notification(
        phone=phone,
        member_name=_text(payload, NAME_FIELD, NAME_MAX),
        message=_text(payload, MESSAGE_FIELD, MESSAGE_MAX),
        notification_id=_notification_id(payload),
    )


def _notification_id(payload: dict) -> str | None:
    if ID_FIELD not in payload:
        return None
    value = _field(payload, ID_FIELD)
    if not _ID_RULE.fullmatch(value):
        raise InvalidNotification(f"{ID_FIELD} must be 1-100 letters, digits or :._-")
    return value


def _field(payload: dict, name: str) -> str:
    if name not in payload:
        raise InvalidNotification(f"{name} is required")
    value = payload[name]
    if not isinstance(value, str):
        raise InvalidNotification(f"{name} must be a string")
    return value.strip()


def _text(payload: dict, name: str, high: int) -> str:
    value = _field(payload, name)
    if not 1 <= len(value) <= high:
        raise InvalidNotification(f"{name} must be 1-{high} characters")
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in value):
        raise InvalidNotification(f"{name} must not contain new lines, tabs or control characters")
    if _SPACE_RUN.search(value):
        raise InvalidNotification(f"{name} must not contain more than 4 consecutive spaces")
    return value
