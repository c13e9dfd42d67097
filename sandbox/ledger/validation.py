"""Schema validation as the real `validateRequest` middleware: sanitise, validate, drop unknown fields.

Each check takes the raw JSON value and returns the sanitised value or raises `InvalidValueError` with the
real validator's text; `validate` turns that into a bare 400 `{"message": ...}`. A listed field that is absent
gives "Required field missing: <field>". Texts follow credex-core's `utils/validators.ts`.
Deliberate tightenings (documented in the README): amounts must be JSON numbers or numeric strings (a
boolean is not `1`), at most 8 decimal places and below 10^10; booleans must be real booleans.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.ledger.envelope import bare
from sandbox.ledger.units import DENOMINATIONS, MAX_AMOUNT, PLACES

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.I)
PHONE_RE = re.compile(r"^\+?[1-9]\d{1,14}$")
HANDLE_RE = re.compile(r"^[a-z0-9_]{3,30}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
CREDEX_TYPES = ("PURCHASE", "GIFT", "DCO_GIVE", "DCO_RECEIVE")
ACCOUNT_TYPES = ("PERSONAL", "BUSINESS", "CREDEX_FOUNDATION", "TRUST", "OPERATIONS")
FIRST_DUE_DAYS, CREDSPAN_DAYS = 7, 35  # constants/credspan.ts checkDueDate: day + 7 <= due < day + credspan


class InvalidValueError(ValueError):
    """A value failed its schema check; the message is the API-visible text."""


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise InvalidValueError(f"Sanitization error for {key}")
    return value.strip()


def check_uuid(value: Any, key: str) -> str:
    cleaned = re.sub(r"[^a-fA-F0-9-]", "", value) if isinstance(value, str) else ""
    if not UUID_RE.match(cleaned):
        raise InvalidValueError("Invalid UUID format")
    return cleaned.lower()


def check_phone(value: Any, key: str) -> str:
    digits = re.sub(r"\D", "", _text(value, key))
    if not PHONE_RE.match(digits):
        raise InvalidValueError("Invalid phone number: must be a valid international phone number")
    return digits


def check_name(value: Any, key: str) -> str:
    cleaned = re.sub(r"[^a-zA-Z -]", "", _text(value, key))
    if not 3 <= len(cleaned) <= 50:
        raise InvalidValueError(
            f"Invalid name: must be between 3 and 50 characters long. Received length: {len(cleaned)}"
        )
    return cleaned


def check_account_name(value: Any, key: str) -> str:
    cleaned = re.sub(r"[^a-zA-Z0-9 -]", "", _text(value, key))
    if not 3 <= len(cleaned) <= 50:
        raise InvalidValueError(
            f"Invalid account name: must be between 3 and 50 characters long. Received length: {len(cleaned)}"
        )
    return cleaned


def check_handle(value: Any, key: str) -> str:
    handle = value.strip().lower() if isinstance(value, str) else ""
    if not 3 <= len(handle) <= 30:
        raise InvalidValueError("Invalid handle: must be between 3 and 30 characters long")
    if not HANDLE_RE.match(handle):
        allowed = "only lowercase letters, numbers, and underscores are allowed"
        raise InvalidValueError(f'Invalid handle: {allowed}. Received "{handle}"')
    return handle


def check_denomination(value: Any, key: str) -> str:
    denom = _text(value, key).upper()
    if denom not in DENOMINATIONS:
        raise InvalidValueError(f"Invalid denomination: {denom} is not a recognized denomination")
    return denom


def parse_number(value: Any) -> Decimal | None:
    """A JSON number or numeric string as Decimal (None when it is neither); booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str) and NUMBER_RE.match(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def check_amount(value: Any, key: str) -> Decimal:
    amount = parse_number(value)
    if amount is None or not amount.is_finite() or amount <= 0:
        raise InvalidValueError("Invalid amount: must be a positive finite number")
    if amount >= MAX_AMOUNT:
        raise InvalidValueError("Invalid amount: must be less than 10,000,000,000")
    if amount != amount.quantize(Decimal(1).scaleb(-PLACES)):
        raise InvalidValueError(f"Invalid amount: at most {PLACES} decimal places are supported")
    return amount


def check_boolean(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidValueError("Invalid value: must be a boolean (true or false)")
    return value


def check_optional_date(value: Any, key: str) -> str | None:
    """`YYYY-MM-DD`; empty or null means absent (the real validator lets falsy values through)."""
    if value is None or value == "":
        return None
    text = _text(value, key)
    if not DATE_RE.match(text):
        raise InvalidValueError(f"{key} must be in YYYY-MM-DD format")
    return text


def check_credex_type(value: Any, key: str) -> str:
    kind = _text(value, key)
    if kind not in CREDEX_TYPES:
        raise InvalidValueError(f"Invalid credex type: {kind} is not a recognized credex type")
    return kind


def check_offers_or_requests(value: Any, key: str) -> str:
    kind = _text(value, key)
    if kind not in ("OFFERS", "REQUESTS"):
        raise InvalidValueError("OFFERSorREQUESTS must be either 'OFFERS' or 'REQUESTS'")
    return kind


def check_account_type(value: Any, key: str) -> str:
    kind = value.strip().upper() if isinstance(value, str) else ""
    if kind not in ACCOUNT_TYPES:
        raise InvalidValueError(f"Invalid account type. Must be one of: {', '.join(ACCOUNT_TYPES)}")
    return kind


def check_credex_ids(value: Any, key: str) -> list[str]:
    if not isinstance(value, list):
        raise InvalidValueError("credexIDs must be an array")
    try:
        return [check_uuid(item, key) for item in value]
    except InvalidValueError as exc:
        raise InvalidValueError(f"Invalid credexID in array: {exc}") from exc


def check_start_row(value: Any, key: str) -> int:
    """credex-core's getLedgerSchema (src/api/Account/accountValidationSchemas.ts) checks startRow with
    `validatePositiveInteger` (src/utils/validators.ts): 0 is refused; an absent startRow means row 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError("Invalid value: must be a positive integer")
    return value


def check_num_rows(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise InvalidValueError("Invalid value: numRows must be an integer from 1 to 100")
    return value


def check_text(value: Any, key: str) -> str:
    return _text(value, key)


def passthrough(value: Any, key: str) -> Any:
    """Controller-checked fields: kept as sent, checked by the route with enveloped errors."""
    return value


@dataclass(frozen=True)
class Field:
    """One schema entry: JSON key, check, whether required, and accepted alternative keys."""

    name: str
    check: Callable[[Any, str], Any]
    required: bool = True
    aliases: tuple[str, ...] = ()


def validate(body: dict, fields: tuple[Field, ...]) -> dict:
    """The sanitised body (listed fields only) or a bare 400 with the first failure's text."""
    clean: dict[str, Any] = {}
    for spec in fields:
        key = next((name for name in (spec.name, *spec.aliases) if name in body), None)
        if key is None:
            if spec.required:
                raise bare(400, f"Required field missing: {spec.name}")
            continue
        try:
            clean[spec.name] = spec.check(body[key], spec.name)
        except InvalidValueError as exc:
            raise bare(400, str(exc)) from exc
    return clean


def parse_date(text: str) -> date | None:
    """A `YYYY-MM-DD` string as a date, or None when it names no calendar day."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
