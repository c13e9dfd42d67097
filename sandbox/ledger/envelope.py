"""Response shapes of the real service: the `{message, data:{action, dashboard}}` envelope and the others.

`Reply` is what a route answers; `ApiError` carries a non-success reply up through the handlers (raising it
inside the request transaction rolls the transaction back). Shapes:
- enveloped success and business errors:
  `{message, data:{action:{id,type,timestamp,actor,details}, dashboard}}`
- schema validation and auth failures: bare `{"message": ...}`
- unknown routes and thrown errors: `{"status":"error","statusCode":N,"message":...}`
- rate limiting: plain text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.ledger import jsonio

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
TOO_MANY_REQUESTS = "Too many requests, please try again later"


@dataclass
class Reply:
    """A finished answer: status, body (JSON tree or plain text) and extra headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    plain_text: bool = False

    def content(self) -> bytes:
        """The body as bytes."""
        text = self.body if self.plain_text else jsonio.dumps(self.body)
        return text.encode("utf-8")

    @property
    def content_type(self) -> str:
        return TEXT_TYPE if self.plain_text else JSON_TYPE


class ApiError(Exception):
    """A non-success answer raised from inside a handler."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(f"HTTP {reply.status}")
        self.reply = reply


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC with milliseconds and `Z`, like JavaScript's `toISOString()`."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def action(
    action_type: str, *, action_id: Any, actor: Any, details: dict, timestamp: datetime | None = None
) -> dict:
    """One `data.action` object."""
    return {
        "id": None if action_id is None else str(action_id),
        "type": action_type,
        "timestamp": iso(timestamp or datetime.now(UTC)),
        "actor": str(actor),
        "details": details,
    }


def success(status: int, message: str, action_body: dict, dashboard: Any) -> Reply:
    """An enveloped success."""
    return Reply(status, {"message": message, "data": {"action": action_body, "dashboard": dashboard}})


def business_error(
    status: int,
    action_type: str,
    code: str,
    message: str,
    *,
    actor: Any = "system",
    reason: str | None = None,
    field_name: str | None = None,
) -> ApiError:
    """An enveloped business error (`details {code, reason, field?}`, empty dashboard)."""
    details: dict[str, Any] = {"code": code, "reason": reason or message}
    if field_name:
        details["field"] = field_name
    body = action(action_type, action_id=None, actor=actor, details=details)
    return ApiError(success(status, message, body, {}))


def bare(status: int, message: str) -> ApiError:
    """A bare `{"message": ...}` error (schema validation, client key, JWT)."""
    return ApiError(Reply(status, {"message": message}))


def status_reply(status: int, message: str) -> Reply:
    """The `{status:"error", statusCode, message}` shape of unknown routes and thrown errors."""
    return Reply(status, {"status": "error", "statusCode": status, "message": message})


def too_many_requests(retry_after_seconds: int) -> Reply:
    """The limiter's plain-text 429."""
    headers = {"Retry-After": str(max(1, retry_after_seconds))}
    return Reply(429, TOO_MANY_REQUESTS, headers=headers, plain_text=True)


def internal_error() -> Reply:
    """An unexpected failure inside a handler (no detail leaks out)."""
    details = {"code": "INTERNAL_ERROR", "reason": "Internal error"}
    body = action("ERROR_INTERNAL", action_id=None, actor="system", details=details)
    return success(500, "An unexpected error occurred", body, {})
