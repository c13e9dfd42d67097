"""Strict validators for what members type, and the money freshness rule (pure: standard library only).

Each `parse_*` returns the clean value or raises `InvalidInput` whose `reason` is a member-facing sentence
saying what to type instead (the constants below, shared with tests; `{first}`/`{last}` are filled in).
Nothing is silently stripped: a character the ledger would drop (an apostrophe, an accent) is refused with
a reason, so the member sees exactly what will be stored. The rules are the ledger's own (their patterns,
lengths and the due-date window live in `security.ledger_rules`), checked here so that a member gets a clear
answer before any ledger call:

- handle: lower-cased, ``^[a-z0-9_]{3,30}$`` (a member's handle is their phone digits with country code;
  a phone number typed with ``+``, spaces or as a local ``0…`` number is read as those digits);
- person name: 3–50 of ASCII letters, spaces, hyphens (runs of spaces collapse to one);
- account name: 3–50 of ASCII letters, digits, spaces, hyphens;
- WhatsApp id (`is_wa_id`, `WA_ID_PATTERN`): 6–15 ASCII digits, no leading 0 (E.164 without the "+"),
  the one rule for a member's number wherever it comes in: the webhook's `from` and contacts, the operator
  API's paths, `/bot/notify`, and every reply's recipient;
- business-scoped user id (`is_bsuid`, `BSUID_PATTERN`): "CC." then 1–128 ASCII letters or digits ("CC.ENT."
  for a parent BSUID); never normalised like a phone number;
- due date (unsecured credex): ``YYYY-MM-DD``, ``DD/MM/YYYY`` or ``21 Dec [2026]``, a real date,
  today+7 … today+34 inclusive (the ledger's
  ``today + 7 <= due < today + 35``), where *today* is the ledger's day (UTC) passed in by the caller.

`is_fresh` tells whether an inbound message is recent enough to trigger a money step (a stale or
replayed message never moves money).
Every check tests ASCII-ness *before* changing case: ``"\\u212a".lower()`` is the ASCII ``k``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from security.ledger_rules import (
    ACCOUNT_NAME,
    HANDLE,
    NAME_MAX_LENGTH,
    NAME_MIN_LENGTH,
    PERSON_NAME,
    due_date_window,
)
from security.parse_input import read_date, read_phone

QUICK_PICK_WEEKS = (1, 2, 4)
CLOCK_SKEW_SECONDS = 60  # a message stamped this far in the future still counts as fresh

HANDLE_EMPTY = (
    "Please type the handle of the account. A member's handle is their phone number, like 263771234567."
)
HANDLE_PHONE_FORMAT = (
    "Please type the phone number with its country code, like +263 77 123 4567 or 263771234567."
)
HANDLE_CHARACTERS = "A handle has only the letters a-z, the digits 0-9 and _ (like 263771234567 or my_shop)."
HANDLE_LENGTH = "A handle has 3 to 30 letters, digits or _ (like 263771234567 or my_shop)."

NAME_CHARACTERS = (
    "Please use only the letters A-Z, spaces or hyphens: the ledger cannot store other characters, "
    "so type O'Neil as ONeil or O-Neil, and José as Jose."
)
NAME_LENGTH = "A name needs 3–50 letters, spaces or hyphens."
NAME_NO_LETTERS = "Please type your name with letters, like Tendai."

ACCOUNT_NAME_CHARACTERS = "Please use only letters A-Z, digits 0-9, spaces or hyphens in the account name."
ACCOUNT_NAME_LENGTH = "An account name needs 3–50 letters, digits, spaces or hyphens, like Tendai Shop."
ACCOUNT_NAME_NO_LETTERS = "Please put at least one letter or digit in the account name, like Tendai Shop."

DUE_DATE_FORMAT = "Please type the due date like 21 Dec or 21/12/2026, between {first} and {last}."
DUE_DATE_NOT_REAL = (
    "That date does not exist. Please type a due date between {first} and {last}, like 21 Dec."
)
DUE_DATE_TOO_SOON = "The due date must be at least 7 days away. Please choose a date from {first} to {last}."
DUE_DATE_TOO_LATE = "The due date can be at most {last}. Please choose a date from {first} to {last}."

WA_ID_PATTERN = "[1-9][0-9]{5,14}"  # a regex fragment, for URL patterns; match it whole (`is_wa_id`)
_WA_ID = re.compile(WA_ID_PATTERN, re.ASCII)
# Meta's business-scoped user id: an ISO 3166 alpha-2 country code, a dot, up to 128 alphanumerics; a
# parent BSUID (linked portfolios) has "ENT." after the dot (developers.facebook.com/documentation/
# business-messaging/whatsapp/business-scoped-user-ids).
BSUID_PATTERN = "[A-Z]{2}\\.(?:ENT\\.)?[A-Za-z0-9]{1,128}"
_BSUID = re.compile(BSUID_PATTERN, re.ASCII)
_HANDLE_CHARS = re.compile(r"[a-z0-9_]+", re.ASCII)
_PHONE_LIKE = re.compile(r"\+?[0-9][0-9 ()\-]*[0-9]", re.ASCII)


class InvalidInput(ValueError):  # noqa: N818 - the name flows and tests use
    """Input a member typed that breaks a rule; `reason` is the sentence to show them (no internals)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_wa_id(value: object) -> bool:
    """True for a WhatsApp id: a str of 6–15 ASCII digits with no leading 0 ("0", "+263…", "٢٦٣…" are not)."""
    return isinstance(value, str) and _WA_ID.fullmatch(value) is not None


def is_bsuid(value: object) -> bool:
    """True for a business-scoped user id (`BSUID_PATTERN`), e.g. "ZW.1502576394655843"; never a phone."""
    return isinstance(value, str) and _BSUID.fullmatch(value) is not None


def parse_handle(text: str, *, own: str = "") -> str:
    """The account handle, lower-cased; a member's handle is their phone digits (``263771234567``).

    A typed phone number is read by `security.parse_input.read_phone`: ``+263 77 123 4567`` and, with the
    member's own number `own`, the local ``0771 234 567`` are the handle ``263771234567``.
    """
    cleaned = text.strip() if isinstance(text, str) else ""
    if not cleaned:
        raise InvalidInput(HANDLE_EMPTY)
    phone = read_phone(cleaned, own)
    if phone is not None:
        return phone
    if not cleaned.isascii():
        raise InvalidInput(HANDLE_CHARACTERS)
    handle = cleaned.lower()
    if HANDLE.fullmatch(handle):
        return handle
    if _PHONE_LIKE.fullmatch(handle) and not handle.isdigit():
        raise InvalidInput(HANDLE_PHONE_FORMAT)
    if not _HANDLE_CHARS.fullmatch(handle):
        raise InvalidInput(HANDLE_CHARACTERS)
    raise InvalidInput(HANDLE_LENGTH)


def parse_person_name(text: str) -> str:
    """A first or last name as the ledger stores it: 3–50 ASCII letters, spaces or hyphens."""
    return _parse_name(
        text,
        allowed=PERSON_NAME,
        reasons=(NAME_CHARACTERS, NAME_LENGTH, NAME_NO_LETTERS),
    )


def parse_account_name(text: str) -> str:
    """An account name as the ledger stores it: 3–50 ASCII letters, digits, spaces or hyphens."""
    return _parse_name(
        text,
        allowed=ACCOUNT_NAME,
        reasons=(ACCOUNT_NAME_CHARACTERS, ACCOUNT_NAME_LENGTH, ACCOUNT_NAME_NO_LETTERS),
    )


def _parse_name(text: str, *, allowed: re.Pattern[str], reasons: tuple[str, str, str]) -> str:
    """Collapse whitespace, then refuse (never strip) characters outside `allowed`; check 3–50 and content."""
    characters, length, no_letters = reasons
    name = " ".join(text.split()) if isinstance(text, str) else ""
    if name and not allowed.fullmatch(name):
        raise InvalidInput(characters)
    if not NAME_MIN_LENGTH <= len(name) <= NAME_MAX_LENGTH:
        raise InvalidInput(length)
    if not any(char.isalnum() for char in name):
        raise InvalidInput(no_letters)
    return name


def parse_due_date(text: str, *, today: date) -> date:
    """A typed due date (``2026-12-21``, ``21/12/2026``, ``21 Dec``: `security.parse_input.read_date`)
    inside the ledger's window for `today` (see `due_date_window`)."""
    first, last = due_date_window(today)
    bounds = {"first": first.isoformat(), "last": last.isoformat()}
    try:
        due = read_date(text, today=today)
    except ValueError:
        raise InvalidInput(DUE_DATE_NOT_REAL.format(**bounds)) from None
    if due is None:
        raise InvalidInput(DUE_DATE_FORMAT.format(**bounds))
    return check_due_date(due, today=today)


def check_due_date(due: date, *, today: date) -> date:
    """`due` if inside the window for `today` (re-check a stored date with this right before executing)."""
    first, last = due_date_window(today)
    bounds = {"first": first.isoformat(), "last": last.isoformat()}
    if due < first:
        raise InvalidInput(DUE_DATE_TOO_SOON.format(**bounds))
    if due > last:
        raise InvalidInput(DUE_DATE_TOO_LATE.format(**bounds))
    return due


def due_date_quick_pick(weeks: int, *, today: date) -> date:
    """The due date of a quick-pick button: 1, 2 or 4 weeks from `today` (all inside the window)."""
    if isinstance(weeks, bool) or weeks not in QUICK_PICK_WEEKS:
        raise ValueError(f"quick picks are {QUICK_PICK_WEEKS} weeks, not {weeks!r}")
    return today + timedelta(weeks=weeks)


def is_fresh(*, message_ts: int, now: int, window_seconds: int) -> bool:
    """True when a message sent at `message_ts` may still trigger a money step at `now` (unix seconds).

    Fresh means at most `window_seconds` old; a timestamp up to `CLOCK_SKEW_SECONDS` in the future (clock
    skew between Meta and us) counts as fresh, anything further ahead does not.
    """
    for label, value in (("message_ts", message_ts), ("now", now), ("window_seconds", window_seconds)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{label} must be whole unix seconds (int)")
    if window_seconds <= 0:
        raise ValueError("window_seconds must be positive")
    age = now - message_ts
    return -CLOCK_SKEW_SECONDS <= age <= window_seconds
