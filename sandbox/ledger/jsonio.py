"""Exact JSON in and out: request numbers become Decimal, Decimal answers are written as JSON numbers.

The standard encoder can only write Decimal through float, so `dumps` writes the (small) response trees
itself and delegates strings to `json`. Floats are refused outright so none can slip into a money answer.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


class MalformedJSONError(ValueError):
    """The request body is not JSON (or uses NaN/Infinity)."""


def _refuse_constant(name: str) -> Any:
    raise MalformedJSONError(f"{name} is not valid JSON")


def loads(raw: bytes) -> Any:
    """Parse a request body; every non-integer number becomes a Decimal."""
    try:
        text = raw.decode("utf-8")
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedJSONError(str(exc)) from exc


def _number(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError("non-finite Decimal cannot be written as JSON")
    return format(value, "f")


def dumps(value: Any) -> str:
    """Serialise dict/list/str/int/bool/None/Decimal; anything else (float included) is a bug."""
    if value is None or isinstance(value, bool | str):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, dict):
        items = (f"{json.dumps(str(key))}:{dumps(item)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as exact JSON")
