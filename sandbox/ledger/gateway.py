"""The request pipeline of contract routes, `/health` and unknown paths.

Order, as in the real service: faults (latency) → per-client rate limit (429 plain text) → fault bursts
→ JSON body (400 when malformed, 413 over 100 kB) → client key on keyholes / JWT elsewhere (bare 401s) →
schema (bare 400) → handler. Authentication, validation and the handler share one IMMEDIATE transaction,
so every mutation commits whole or not at all; after it, the faults that act on committed work (hold the
answer past the client's read timeout, 500 after commit, an error answer after a committed success
(`commitThenError`), malformed JSON). Every authenticated answer
carries the refreshed token in its `Authorization` header.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from sandbox.ledger import auth, faults, jsonio, ratelimit, stats
from sandbox.ledger.calls import Call, Route
from sandbox.ledger.envelope import (
    JSON_TYPE,
    ApiError,
    Reply,
    internal_error,
    status_reply,
    too_many_requests,
)
from sandbox.ledger.validation import validate

logger = logging.getLogger(__name__)
NOT_FOUND_ROUTE = "notFound"


def _response(reply: Reply, content: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(content, status=reply.status, content_type=content_type)
    response["Content-Length"] = str(len(content))
    for name, value in reply.headers.items():
        response[name] = value
    return response


def to_http(reply: Reply) -> HttpResponse:
    """A Django response from a Reply."""
    return _response(reply, reply.content(), reply.content_type)


def _malformed(reply: Reply) -> HttpResponse:
    """The reply's JSON cut in half (still labelled JSON): the client cannot parse it."""
    content = reply.content()
    return _response(reply, content[: max(1, len(content) // 2)], JSON_TYPE)


def client_key(request: HttpRequest) -> str:
    """Who the rate limiter counts: the client's address."""
    return request.META.get("REMOTE_ADDR", "unknown")


def read_body(request: HttpRequest) -> dict:
    """The JSON body as a dict (an empty dict for no body, a non-JSON content type, or a JSON array)."""
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        raise ApiError(status_reply(413, "request entity too large")) from exc
    if not raw.strip() or "json" not in (request.content_type or ""):
        return {}
    try:
        data = jsonio.loads(raw)
    except jsonio.MalformedJSONError as exc:
        raise ApiError(status_reply(400, "Malformed JSON in request body")) from exc
    if isinstance(data, list):
        return {}
    if not isinstance(data, dict):
        raise ApiError(status_reply(400, "Malformed JSON in request body"))
    return data


def _authenticated_run(request: HttpRequest, route: Route, body: dict) -> Reply:
    caller = None
    try:
        with transaction.atomic():
            if route.keyhole:
                auth.check_client_key(request.headers.get("x-client-api-key"))
            else:
                caller = auth.authenticate(request.headers.get("Authorization"))
            clean = validate(body, route.schema)
            reply = route.handler(Call(clean, caller.member if caller else None))
    except ApiError as exc:
        reply = exc.reply
    if caller is not None:
        reply.headers["Authorization"] = f"Bearer {caller.refreshed_token}"
    return reply


def run_route(request: HttpRequest, route: Route) -> Reply:
    """Body, auth, schema and handler; any unexpected failure is a 500 without details."""
    try:
        return _authenticated_run(request, route, read_body(request))
    except ApiError as exc:
        return exc.reply
    except Exception:
        logger.exception("sandbox route %s failed", route.name)
        return internal_error()


def _serve(request: HttpRequest, route: Route) -> HttpResponse:
    plan = faults.take(route.name)
    if plan.latency_ms:
        time.sleep(plan.latency_ms / 1000)
    wait = ratelimit.hit(client_key(request))
    if wait is not None:
        return to_http(too_many_requests(wait))
    if plan.burst429 is not None:
        return to_http(too_many_requests(plan.burst429.retry_after))
    if plan.error500 is not None and plan.error500.phase == "before":
        return to_http(status_reply(500, "Internal Server Error"))
    reply = run_route(request, route)
    if plan.error500 is not None:
        reply = status_reply(500, "Internal Server Error")
    elif plan.commit_then_error is not None and 200 <= reply.status < 300:
        rule = plan.commit_then_error
        reply = Reply(rule.status, rule.body, headers=reply.headers)
    if plan.hold_seconds:
        time.sleep(float(plan.hold_seconds))
    return _malformed(reply) if plan.malformed else to_http(reply)


def contract_view(route: Route) -> Callable[[HttpRequest], HttpResponse]:
    """The Django view of one contract route (POST only; other methods are unknown routes)."""

    def view(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return not_found(request)
        stats.count_request(route.name)
        response = _serve(request, route)
        stats.count_response(route.name, response.status_code)
        return response

    view.__name__ = f"sandbox_{route.name}"
    return view


def health(request: HttpRequest) -> HttpResponse:
    """`GET /health` → `{"status":"healthy"}` (no auth, no limiter, no faults)."""
    if request.method not in ("GET", "HEAD"):
        return not_found(request)
    return to_http(Reply(200, {"status": "healthy"}))


def not_found(request: HttpRequest) -> HttpResponse:
    """Unknown route: 404 `{status, statusCode, message}` (still counted by the rate limiter)."""
    stats.count_request(NOT_FOUND_ROUTE)
    wait = ratelimit.hit(client_key(request))
    reply = too_many_requests(wait) if wait is not None else status_reply(404, "Not Found")
    stats.count_response(NOT_FOUND_ROUTE, reply.status)
    return to_http(reply)
