"""The exact JSON encoding of ledger request bodies (pure).

`encode_json` writes `Decimal` amounts as JSON numbers with their exact digits ("10.50") and refuses floats
outright: no binary rounding can reach the ledger.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def encode_json(value: Any) -> bytes:
    """Compact JSON with exact `Decimal` numbers; floats and non-finite numbers are refused."""
    return _encode(value).encode()


def _encode(value: Any) -> str:
    if isinstance(value, float):
        raise TypeError("floats are never sent to the ledger; use Decimal")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("non-finite amount")
        return format(value, "f")
    if value is None or isinstance(value, bool | int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        items = (f"{json.dumps(str(key), ensure_ascii=False)}:{_encode(item)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__} for the ledger")
