"""HTTP wrapper of the sandbox-only `/devadmin/<action>` routes.

Guarded by the `x-dev-admin-key` header, compared in constant time with `SANDBOX_ADMIN_KEY` (401
`{"message":"Invalid dev admin key"}` without it; with no key configured the routes do not exist).
Answers are `{"message": ..., "data": {...}}`; admin errors are `{"message": ...}` with their status.
These routes are never rate limited, faulted or counted.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from sandbox.ledger.devadmin import ACTIONS, READ_ONLY, AdminError
from sandbox.ledger.envelope import ApiError, Reply
from sandbox.ledger.gateway import not_found, read_body, to_http

logger = logging.getLogger(__name__)


def _key_ok(request: HttpRequest) -> bool:
    presented = request.headers.get("x-dev-admin-key") or ""
    return hmac.compare_digest(presented.encode(), settings.SANDBOX_ADMIN_KEY.encode())


def _run(name: str, request: HttpRequest) -> Reply:
    try:
        body = read_body(request) if request.method == "POST" else {}
        data = ACTIONS[name](body)
    except ApiError as exc:
        return exc.reply
    except AdminError as exc:
        return Reply(exc.status, {"message": exc.message})
    return Reply(200, {"message": f"{name} done", "data": data})


def devadmin(request: HttpRequest, action: str) -> HttpResponse:
    """`/devadmin/<action>`: POST for every action, GET for the read-only ones."""
    if not settings.SANDBOX_ADMIN_KEY or action not in ACTIONS:
        return not_found(request)
    allowed = ("GET", "POST") if action in READ_ONLY else ("POST",)
    if request.method not in allowed:
        return not_found(request)
    if not _key_ok(request):
        return to_http(Reply(401, {"message": "Invalid dev admin key"}))
    try:
        return to_http(_run(action, request))
    except Exception:
        logger.exception("devadmin %s failed", action)
        return to_http(Reply(500, {"message": "devadmin action failed"}))
