"""The fields of webhook items (`bot.parsing`): each checker returns the clean value or raises `Malformed`,
whose `reason` is a short fixed text, safe to log (never the value). Pure: no Django, no I/O.

Required fields (ids, the sender, the timestamp, message texts) make the item malformed when wrong; optional
ones (context ids, titles, error details) become "" or None. Text is cleaned of NUL and lone surrogates, which
PostgreSQL cannot store (`clean_text`). Senders are checked in `bot.parse_senders`.
"""

from __future__ import annotations

import re

MAX_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime can hold
INT32 = range(-(2**31), 2**31)  # IntegerField on PostgreSQL

_ID = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces: wamids, context ids
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class Malformed(Exception):  # noqa: N818 (an item verdict, not an error of ours)
    """An item that cannot be used; `reason` is a short code, safe to log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def clean_text(text: str) -> str:
    """`text` with NUL and lone surrogates replaced by U+FFFD (neither can be stored in PostgreSQL)."""
    return _UNSTORABLE.sub("\ufffd", text)


def identifier(value: object, what: str) -> str:
    """A required id (wamid): 1–255 printable ASCII characters, no spaces."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise Malformed(f"{what} missing, not printable ASCII or longer than 255")
    return value


def short_identifier(value: object, max_chars: int) -> str:
    """An optional identifier: "" when absent, mistyped or longer than its column."""
    if isinstance(value, str) and len(value) <= max_chars and _ID.fullmatch(value):
        return value
    return ""


def timestamp(value: object) -> int:
    """A required unix time in seconds (a digit string or an int), within what a datetime can hold."""
    if isinstance(value, str) and _TIMESTAMP.fullmatch(value):
        seconds = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    else:
        raise Malformed("timestamp missing or not a unix time")
    if not 0 <= seconds <= MAX_TIMESTAMP:
        raise Malformed("timestamp out of range")
    return seconds


def context_id(context: object) -> str | None:
    """The message a tap or quoted reply refers to; None when absent or unusable (never trusted blindly)."""
    value = context.get("id") if isinstance(context, dict) else None
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def bounded_text(value: object, max_chars: int, what: str, *, min_chars: int = 0) -> str:
    """A required string of `min_chars`–`max_chars` characters, cleaned."""
    if not isinstance(value, str):
        raise Malformed(f"{what} missing or not a string")
    if not min_chars <= len(value) <= max_chars:
        raise Malformed(f"{what} length out of range")
    return clean_text(value)


def optional_text(value: object, max_chars: int, *, truncate: bool = False) -> str:
    """A display string: "" when absent or mistyped; over-long → truncated or dropped."""
    if not isinstance(value, str):
        return ""
    if len(value) > max_chars:
        return clean_text(value[:max_chars]) if truncate else ""
    return clean_text(value)


def int32_or_none(value: object) -> int | None:
    """An optional int that fits PostgreSQL's IntegerField; None otherwise."""
    if isinstance(value, int) and not isinstance(value, bool) and value in INT32:
        return value
    return None
