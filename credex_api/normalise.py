"""Value-level normalisation of ledger JSON (pure): strict readers that turn shapes into Python values.

The ledger's answers vary by build (v1 and envelope-era credex-core), and every variant is accepted here:
- integers as JSON numbers or Neo4j `{low, high}` objects (`memberTier` in v1);
- empty lists as `[]` or v1's `{}` (and a missing/null list as empty);
- amounts as formatted strings with thousands separators ("1,234.56 USD", "-10.00 USD", "0.0312 XAU"),
  bare number strings ("10.00") or JSON numbers — always parsed exactly into `Decimal` (the JSON body is
  decoded with `parse_float=Decimal`, so no float ever appears);
- dates as `YYYY-MM-DD`, ISO-8601 timestamps with `Z`, or Neo4j date objects `{year, month, day}`.
Anything else raises `ShapeError`, whose message names the JSON path but never a value (no PII in logs);
callers turn it into `CredexBadResponse` (reads) or `CredexOutcomeUnknown` (mutations).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from security.ledger_rules import Money

_FORMATTED = re.compile(r"(-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?) ([A-Z]{3})", re.ASCII)
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
_MISSING = object()


class ShapeError(ValueError):
    """A successful answer does not have the shape we rely on (the message names the path only)."""


def to_int(value: Any, path: str) -> int:
    """An integer from a JSON integer, an integral Decimal, or a Neo4j `{low, high}` object."""
    if isinstance(value, bool):
        raise ShapeError(f"{path}: expected an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    if isinstance(value, dict) and set(value) >= {"low", "high"}:
        low, high = value["low"], value["high"]
        if isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool):
            return (high << 32) + (low & 0xFFFFFFFF)
    raise ShapeError(f"{path}: expected an integer")


def to_decimal(value: Any, path: str) -> Decimal:
    """An exact number from a JSON number or a plain numeric string ("10.00", "-5.5", "1,234.50")."""
    if isinstance(value, bool):
        raise ShapeError(f"{path}: expected a number")
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str) and _NUMBER.fullmatch(value.replace(",", "")):
        number = Decimal(value.replace(",", ""))
    else:
        raise ShapeError(f"{path}: expected a number")
    if not number.is_finite():
        raise ShapeError(f"{path}: expected a finite number")
    return number


def exact_money(amount: Decimal, denom: str, path: str) -> Money:
    """`Money(amount, denom)`; a denomination the bot does not know, or more decimals than it has, is a
    ShapeError (a ledger change we must not round away)."""
    try:
        return Money(amount, denom)
    except (TypeError, ValueError) as exc:
        raise ShapeError(f"{path}: expected an amount in a known denomination") from exc


def to_money(value: Any, path: str) -> Money:
    """`"1,234.56 USD"` → `Money(Decimal("1234.56"), "USD")`."""
    match = _FORMATTED.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ShapeError(f"{path}: expected a formatted amount")
    try:
        number = Decimal(match.group(1).replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern only admits valid numbers
        raise ShapeError(f"{path}: expected a formatted amount") from exc
    return exact_money(number, match.group(2), path)


def to_list(value: Any, path: str) -> list:
    """A list; v1's `{}` and a null both mean "none"."""
    if value is None or value == {}:
        return []
    if isinstance(value, list):
        return value
    raise ShapeError(f"{path}: expected a list")


def to_date(value: Any, path: str) -> date | None:
    """`YYYY-MM-DD` (or the date part of a timestamp), a Neo4j date object, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, dict) and {"year", "month", "day"} <= set(value):
        try:
            parts = [to_int(value[key], path) for key in ("year", "month", "day")]
            return date(*parts)
        except ValueError as exc:
            raise ShapeError(f"{path}: expected a date") from exc
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError as exc:
            raise ShapeError(f"{path}: expected a date") from exc
    raise ShapeError(f"{path}: expected a date")


def to_datetime(value: Any, path: str) -> datetime | None:
    """An ISO-8601 timestamp (`Z` accepted) or None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ShapeError(f"{path}: expected a timestamp") from exc
    raise ShapeError(f"{path}: expected a timestamp")


class Reader:
    """Strict access to one JSON object: `reader.text("memberID")` or a ShapeError naming the path."""

    __slots__ = ("data", "path")

    def __init__(self, data: Any, path: str = "$") -> None:
        if not isinstance(data, dict):
            raise ShapeError(f"{path}: expected an object")
        self.data = data
        self.path = path

    def _get(self, key: str, *, required: bool = True) -> Any:
        value = self.data.get(key, _MISSING)
        if value is _MISSING or (required and value is None):
            if required:
                raise ShapeError(f"{self.path}.{key}: missing")
            return None
        return value

    def where(self, key: str) -> str:
        return f"{self.path}.{key}"

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def obj(self, key: str) -> Reader:
        return Reader(self._get(key), self.where(key))

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value:
            raise ShapeError(f"{self.where(key)}: expected a non-empty string")
        return value

    def opt_text(self, key: str) -> str | None:
        value = self._get(key, required=False)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ShapeError(f"{self.where(key)}: expected a string")
        return value

    def integer(self, key: str) -> int:
        return to_int(self._get(key), self.where(key))

    def opt_integer(self, key: str) -> int | None:
        value = self._get(key, required=False)
        return None if value is None else to_int(value, self.where(key))

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self._get(key, required=default is None)
        if value is None:
            return bool(default)
        if not isinstance(value, bool):
            raise ShapeError(f"{self.where(key)}: expected a boolean")
        return value

    def decimal(self, key: str) -> Decimal:
        return to_decimal(self._get(key), self.where(key))

    def opt_decimal(self, key: str) -> Decimal | None:
        value = self._get(key, required=False)
        return None if value is None else to_decimal(value, self.where(key))

    def money(self, key: str) -> Money:
        return to_money(self._get(key), self.where(key))

    def amount(self, amount_key: str, denom_key: str) -> Money:
        """Money from a JSON number (or numeric string) and a denomination held in two fields."""
        return exact_money(self.decimal(amount_key), self.text(denom_key), self.where(amount_key))

    def opt_money(self, key: str) -> Money | None:
        value = self._get(key, required=False)
        return None if value is None else to_money(value, self.where(key))

    def items(self, key: str) -> list[Reader]:
        """A list of objects (v1 `{}` and null are empty)."""
        values = to_list(self._get(key, required=False), self.where(key))
        return [Reader(item, f"{self.where(key)}[{index}]") for index, item in enumerate(values)]

    def strings(self, key: str) -> list[str]:
        values = to_list(self._get(key, required=False), self.where(key))
        if not all(isinstance(value, str) for value in values):
            raise ShapeError(f"{self.where(key)}: expected a list of strings")
        return values

    def opt_date(self, key: str) -> date | None:
        return to_date(self._get(key, required=False), self.where(key))

    def opt_datetime(self, key: str) -> datetime | None:
        return to_datetime(self._get(key, required=False), self.where(key))
