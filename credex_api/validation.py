"""Local validation with the ledger's own rules, before anything is sent (pure).

Each check returns the value as the ledger wants it (digits-only phone, lower-case handle, upper-case
denomination, ...) or raises `CredexInvalid(reason, code=..., field=...)` with a member-readable reason that
never echoes the input (so no phone number or name ends up in an error or a log line). Rules: phone 2–15
ASCII digits, no leading 0; names, handles, denominations and their decimals as `security.ledger_rules`
holds them (we refuse characters the ledger would silently drop); amounts exact (`Decimal` or `int`, never
float or bool), finite, > 0, below 10¹⁰; booleans real booleans; ids RFC-4122 UUIDs. The unsecured
due-date window depends on the ledger's own day, so `check_due_date_presence` checks only that an
unsecured credex has a due date and a secured one has none; the ledger judges the window.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from credex_api.errors import CredexInvalid
from security.ledger_rules import (
    ACCOUNT_NAME,
    DECIMAL_PLACES,
    DENOMINATIONS,
    HANDLE,
    NAME_MAX_LENGTH,
    NAME_MIN_LENGTH,
    PERSON_NAME,
)

MAX_AMOUNT = Decimal(10) ** 10
ACCOUNT_TYPES = ("PERSONAL", "BUSINESS", "CREDEX_FOUNDATION", "TRUST", "OPERATIONS")
MAX_BULK_IDS = 100
MAX_LEDGER_ROWS = 100

_PHONE = re.compile(r"[1-9][0-9]{1,14}", re.ASCII)
_PHONE_PUNCTUATION = re.compile(r"[\s+()\-.]")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", re.ASCII)

REASON_PHONE = "That phone number is not valid: use the country code and digits only, with no leading 0."
REASON_NAME = "Names must be 3 to 50 letters long (A–Z, spaces and hyphens only)."
REASON_ACCOUNT_NAME = "Account names must be 3 to 50 characters: letters, digits, spaces and hyphens."
REASON_HANDLE = "Handles must be 3 to 30 characters: lower-case letters, digits and underscores."
REASON_DENOMINATION = "That currency is not supported. Use one of: " + ", ".join(sorted(DENOMINATIONS)) + "."
REASON_AMOUNT = "The amount must be a positive number."
REASON_AMOUNT_EXACT = "The amount must be an exact number."
REASON_AMOUNT_LARGE = "That amount is too large."
REASON_AMOUNT_PLACES = "{denom} amounts can have at most {places} decimal places."
REASON_ID = "That reference is not valid."
REASON_BOOLEAN = "Please answer yes or no."
REASON_DUE_REQUIRED = "An unsecured credex needs a due date."
REASON_DUE_FORBIDDEN = "A secured credex cannot have a due date."
REASON_ACCOUNT_TYPE = "That account type is not supported."
REASON_IDS = f"Choose between 1 and {MAX_BULK_IDS} offers."
REASON_ROWS = f"Ask for 1 to {MAX_LEDGER_ROWS} rows from row 0 or later."


def _invalid(reason: str, code: str, field: str) -> CredexInvalid:
    return CredexInvalid(reason, code=code, field=field)


def check_phone(value: object, field: str = "phone") -> str:
    """Digits only (spaces, `+`, brackets, dots and dashes dropped); 2–15 digits, no leading 0."""
    if not isinstance(value, str):
        raise _invalid(REASON_PHONE, "INVALID_PHONE", field)
    digits = _PHONE_PUNCTUATION.sub("", value)
    if not _PHONE.fullmatch(digits):
        raise _invalid(REASON_PHONE, "INVALID_PHONE", field)
    return digits


def check_name(value: object, field: str) -> str:
    """A first or last name: trimmed, 3–50 of A–Z, a–z, space, hyphen."""
    text = value.strip() if isinstance(value, str) else ""
    if not PERSON_NAME.fullmatch(text) or not NAME_MIN_LENGTH <= len(text) <= NAME_MAX_LENGTH:
        raise _invalid(REASON_NAME, "INVALID_NAME", field)
    return text


def check_account_name(value: object, field: str = "accountName") -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not ACCOUNT_NAME.fullmatch(text) or not NAME_MIN_LENGTH <= len(text) <= NAME_MAX_LENGTH:
        raise _invalid(REASON_ACCOUNT_NAME, "INVALID_ACCOUNT_NAME", field)
    return text


def check_handle(value: object, field: str = "accountHandle") -> str:
    """Trimmed and lower-cased, then `^[a-z0-9_]{3,30}$`."""
    handle = value.strip().lower() if isinstance(value, str) else ""
    if not HANDLE.fullmatch(handle):
        raise _invalid(REASON_HANDLE, "INVALID_HANDLE", field)
    return handle


def check_denomination(value: object, field: str = "denomination") -> str:
    denom = value.strip().upper() if isinstance(value, str) else ""
    if denom not in DECIMAL_PLACES:
        raise _invalid(REASON_DENOMINATION, "INVALID_DENOMINATION", field)
    return denom


def check_amount(value: object, denom: str, field: str = "amount") -> Decimal:
    """An exact positive amount with at most the denomination's decimals (never float, never bool)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise _invalid(REASON_AMOUNT_EXACT, "INVALID_AMOUNT", field)
    amount = Decimal(value)
    if not amount.is_finite() or amount <= 0:
        raise _invalid(REASON_AMOUNT, "INVALID_AMOUNT", field)
    if amount >= MAX_AMOUNT:
        raise _invalid(REASON_AMOUNT_LARGE, "INVALID_AMOUNT", field)
    places = DECIMAL_PLACES[check_denomination(denom)]
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        reason = REASON_AMOUNT_PLACES.format(denom=denom, places=places)
        raise _invalid(reason, "INVALID_AMOUNT", field)
    return amount


def check_uuid(value: object, field: str) -> str:
    """A canonical RFC-4122 (v1–5) id, lower-cased."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if not _UUID.fullmatch(text):
        raise _invalid(REASON_ID, "INVALID_ID", field)
    return text


def check_boolean(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise _invalid(REASON_BOOLEAN, "INVALID_BOOLEAN", field)
    return value


def check_due_date_presence(value: object, *, secured: bool, field: str = "dueDate") -> str | None:
    """`YYYY-MM-DD` for unsecured credex (required), None for secured (forbidden)."""
    if secured:
        if value is not None:
            raise _invalid(REASON_DUE_FORBIDDEN, "INVALID_DUE_DATE", field)
        return None
    if not isinstance(value, date):
        raise _invalid(REASON_DUE_REQUIRED, "MISSING_DUE_DATE", field)
    return value.isoformat()


def check_account_type(value: object, field: str = "accountType") -> str:
    kind = value.strip().upper() if isinstance(value, str) else ""
    if kind not in ACCOUNT_TYPES:
        raise _invalid(REASON_ACCOUNT_TYPE, "INVALID_ACCOUNT_TYPE", field)
    return kind


def check_credex_ids(values: object, field: str = "credexIDs") -> list[str]:
    """1–100 credex ids, duplicates dropped (order kept)."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
        raise _invalid(REASON_IDS, "INVALID_IDS", field)
    ids = list(dict.fromkeys(check_uuid(value, field) for value in values))
    if len(ids) > MAX_BULK_IDS:
        raise _invalid(REASON_IDS, "INVALID_IDS", field)
    return ids


def check_page(start_row: object, num_rows: object) -> tuple[int, int]:
    """`startRow` ≥ 0 and 1 ≤ `numRows` ≤ 100, both real integers."""
    for value in (start_row, num_rows):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(REASON_ROWS, "INVALID_PAGE", "numRows")
    if start_row < 0 or not 1 <= num_rows <= MAX_LEDGER_ROWS:
        raise _invalid(REASON_ROWS, "INVALID_PAGE", "numRows")
    return start_row, num_rows
