"""Every HTTP answer of the ledger → one `Envelope` or one `CredexError` (pure).

Shapes handled, never assuming JSON:
- 2xx envelope `{message, data:{action:{id, type, details}, dashboard}}` → `Envelope`; a 2xx without it
  (empty body, HTML, truncated JSON, missing `action.type`) → `CredexBadResponse`;
- enveloped business errors (`details {code, reason, field?}`) → the code-mapped `CredexRejected` subclass;
- schema 400 `{"message"}` (only that key) → `CredexInvalid` code `VALIDATION`; any other unenveloped 4xx
  (v1 `{error}`, `{success:false, error|message}`, bare 404) → the status's class (`CredexInvalid`,
  `CredexNotFound`, `CredexForbidden`, else `CredexRejected`) with code `UNCODED`: credex-core answers such
  bodies both before and after writing, so `credex_api.refusals` never lists them;
- bare 401 → `CredexUnauthorized` (the client re-logs in once before a caller sees it);
- 429 (plain text) → `CredexBusy` with `Retry-After`;
- unknown route `{status:"error", statusCode:404}` → `CredexBadResponse(code="ROUTE_NOT_FOUND")` (our
  configuration is wrong; it must not look like "member not found");
- 5xx in any shape (enveloped, `{status, statusCode}`, a proxy's HTML page, empty) → `CredexUnavailable`;
- anything else (3xx: redirects are never followed) → `CredexBadResponse`.
JSON numbers are decoded as `Decimal`. Ledger texts are scrubbed (long digit runs masked, echoed input
dropped) before they become error reasons, so no phone number travels in an exception.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from credex_api.errors import (
    STATUS_ERRORS,
    CredexBadResponse,
    CredexBusy,
    CredexError,
    CredexRejected,
    CredexUnauthorized,
    CredexUnavailable,
    rejection_class,
)
from credex_api.normalise import Reader, ShapeError

MAX_REASON_CHARS = 300
UNCODED = "UNCODED"
_LONG_DIGITS = re.compile(r"\d{7,}")
_ECHOED_INPUT = re.compile(r'\s*Received\s+".*"\s*$', re.DOTALL)
_BEARER = re.compile(r"^\s*Bearer\s+(\S+)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Envelope:
    """A successful enveloped answer."""

    status: int
    message: str
    action_type: str
    action_id: str | None
    details: Reader
    dashboard: Any


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name}")


def decode_json(content: bytes) -> Any:
    """The JSON value of a body (numbers with decimals as Decimal), or None when it is not JSON."""
    if not content or not content.strip():
        return None
    try:
        return json.loads(content.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError):
        return None


def scrub(text: Any) -> str:
    """A ledger text safe to keep in an exception: echoed input dropped, long digit runs masked."""
    if not isinstance(text, str):
        return ""
    cleaned = _LONG_DIGITS.sub("•••", _ECHOED_INPUT.sub("", text)).strip()
    return cleaned[:MAX_REASON_CHARS]


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an `Authorization: Bearer <jwt>` response header (the ledger's refreshed token)."""
    match = _BEARER.match(headers.get("Authorization") or "")
    return match.group(1) if match else None


def retry_after_seconds(headers: Mapping[str, str], default: float = 1.0) -> float:
    """`Retry-After` in seconds (delta-seconds form; dates and garbage → `default`)."""
    value = (headers.get("Retry-After") or "").strip()
    if value.isascii() and value.isdigit():
        return float(value)
    return default


def read_answer(route: str, status: int, headers: Mapping[str, str], content: bytes) -> Envelope:
    """The envelope of a 2xx answer; raises the matching `CredexError` for everything else."""
    body = decode_json(content)
    if 200 <= status < 300:
        return _envelope(route, status, body)
    raise error_for(route, status, headers, body)


def _envelope(route: str, status: int, body: Any) -> Envelope:
    try:
        root = Reader(body)
        action = root.obj("data").obj("action")
        return Envelope(
            status=status,
            message=scrub(root.opt_text("message")),
            action_type=action.text("type"),
            action_id=action.opt_text("id"),
            details=action.obj("details"),
            dashboard=root.data["data"].get("dashboard"),
        )
    except ShapeError as exc:
        raise CredexBadResponse(f"unexpected answer shape ({exc})", status=status, route=route) from exc


def _message(body: Any) -> str:
    if isinstance(body, dict):
        return scrub(body.get("message") or body.get("error"))
    return ""


def _details(body: Any) -> dict | None:
    """`data.action.details` of an enveloped error, if that is the shape."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        return None
    action = body["data"].get("action")
    details = action.get("details") if isinstance(action, dict) else None
    return details if isinstance(details, dict) else None


def error_for(route: str, status: int, headers: Mapping[str, str], body: Any) -> CredexError:
    """The `CredexError` for a non-2xx answer (see the module docstring for the mapping)."""
    if status == 401:
        return CredexUnauthorized(_message(body) or "unauthorized", status=401, route=route)
    if status == 429:
        reason = "the ledger is rate limiting us"
        return CredexBusy(reason, retry_after=retry_after_seconds(headers), status=429, route=route)
    details = _details(body)
    code = details.get("code") if details and isinstance(details.get("code"), str) else None
    if status >= 500:
        reason = _message(body) or f"HTTP {status} from the ledger or a proxy"
        return CredexUnavailable(reason, status=status, code=code or "SERVER_ERROR", route=route)
    if not 400 <= status < 500:
        return CredexBadResponse(f"unexpected HTTP {status}", status=status, route=route)
    if details is None and isinstance(body, dict) and "statusCode" in body:
        return CredexBadResponse(
            "route not found on the ledger", status=status, code="ROUTE_NOT_FOUND", route=route
        )
    return _rejection(route, status, body, details, code)


def _schema_answer(status: int, body: Any) -> bool:
    """The schema layer's bare `{"message": "..."}` 400 (credex-core `validateRequest`, before handlers)."""
    return status == 400 and isinstance(body, dict) and set(body) == {"message"}


def _rejection(route: str, status: int, body: Any, details: dict | None, code: str | None) -> CredexError:
    reason = scrub(details.get("reason")) if details else ""
    reason = reason or _message(body) or f"HTTP {status}"
    field = details.get("field") if details and isinstance(details.get("field"), str) else None
    if details is None:  # not enveloped: the schema layer, or a bare controller answer that says no code
        klass = STATUS_ERRORS.get(status, CredexRejected)
        code = "VALIDATION" if _schema_answer(status, body) else UNCODED
        return klass(reason, status=status, code=code, route=route)
    klass = rejection_class(status, code)
    return klass(reason, status=status, code=code, field=field, route=route)
