"""Every error answer of the ledger → the right `CredexError` subclass, with status, code, reason, field
(pure, no I/O; contract §4.4 and the sandbox README's error table)."""

from __future__ import annotations

import json

import pytest

from credex_api.errors import (
    AlreadyProcessed,
    CredexBadResponse,
    CredexBusy,
    CredexForbidden,
    CredexInvalid,
    CredexNotFound,
    CredexRejected,
    CredexUnauthorized,
    CredexUnavailable,
    InsufficientSecuredBalance,
    TierLimitExceeded,
)
from credex_api.responses import bearer_token, read_answer, retry_after_seconds

JSON = {"Content-Type": "application/json"}


def body(value: object) -> bytes:
    return json.dumps(value).encode()


def envelope(action_type: str, details: dict) -> dict:
    action = {
        "id": None,
        "type": action_type,
        "actor": "system",
        "timestamp": "2025-01-01T00:00:00.000Z",
        "details": details,
    }
    return {"message": "refused", "data": {"action": action, "dashboard": {}}}


@pytest.mark.parametrize(
    ("status", "code", "klass"),
    [
        (400, "INSUFFICIENT_SECURED_BALANCE", InsufficientSecuredBalance),
        (403, "INSUFFICIENT_SECURED_BALANCE", InsufficientSecuredBalance),  # newest builds answer 403
        (403, "TIER_LIMIT_EXCEEDED", TierLimitExceeded),
        (409, "ALREADY_ACCEPTED", AlreadyProcessed),
        (409, "ALREADY_PROCESSED", AlreadyProcessed),
        (403, "FORBIDDEN", CredexForbidden),
        (404, "NOT_FOUND", CredexNotFound),
        (404, "ACCOUNT_NOT_FOUND", CredexNotFound),
        (400, "INVALID_DUE_DATE", CredexInvalid),
        (400, "CREATE_FAILED", CredexRejected),
    ],
)
def test_enveloped_business_errors_map_by_code(status, code, klass):
    details = {
        "code": code,
        "reason": "Your secured credex for 7.00 USD cannot be issued",
        "field": "dueDate",
    }
    with pytest.raises(klass) as caught:
        read_answer("createCredex", status, JSON, body(envelope("ERROR_VALIDATION", details)))
    error = caught.value
    assert (error.status, error.code, error.field) == (status, code, "dueDate")
    assert error.reason == "Your secured credex for 7.00 USD cannot be issued"


def test_bare_400_validation_message():
    with pytest.raises(CredexInvalid) as caught:
        read_answer("login", 400, JSON, body({"message": "Required field missing: phone"}))
    assert (caught.value.status, caught.value.code, caught.value.reason) == (
        400,
        "VALIDATION",
        "Required field missing: phone",
    )


def test_echoed_input_and_long_digit_runs_never_reach_the_error():
    text = (
        'Invalid handle: only lowercase letters, numbers and underscores are allowed. Received "26377123456X"'
    )
    with pytest.raises(CredexInvalid) as caught:
        read_answer("getAccountByHandle", 400, JSON, body({"message": text}))
    assert "26377123456" not in str(caught.value)
    with pytest.raises(CredexNotFound) as caught:
        read_answer("login", 404, JSON, body({"message": "Member 263771234567 not found"}))
    assert "263771234567" not in caught.value.reason


@pytest.mark.parametrize("message", ["Authentication required", "Invalid token", "Token expired"])
def test_bare_401(message):
    with pytest.raises(CredexUnauthorized) as caught:
        read_answer("getLedger", 401, JSON, body({"message": message}))
    assert caught.value.reason == message


def test_plain_text_429_with_retry_after():
    headers = {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "7"}
    with pytest.raises(CredexBusy) as caught:
        read_answer("login", 429, headers, b"Too many requests, please try again later")
    assert (caught.value.status, caught.value.retry_after) == (429, 7.0)
    assert retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 1.0
    assert retry_after_seconds({}) == 1.0


def test_html_502_from_a_proxy_is_unavailable_without_the_page():
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    with pytest.raises(CredexUnavailable) as caught:
        read_answer("login", 502, {"Content-Type": "text/html"}, page)
    assert caught.value.status == 502
    assert "nginx" not in str(caught.value)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"status":"error","statusCode":500,"message":"Internal Server Error"}',
        body(envelope("ERROR_INTERNAL", {"code": "INTERNAL_ERROR", "reason": "Internal error"})),
    ],
)
def test_every_500_shape_is_unavailable(content):
    with pytest.raises(CredexUnavailable) as caught:
        read_answer("getCredex", 500, JSON, content)
    assert caught.value.status == 500


def test_unknown_route_404_is_not_member_not_found():
    with pytest.raises(CredexBadResponse) as caught:
        read_answer("login", 404, JSON, body({"status": "error", "statusCode": 404, "message": "Not Found"}))
    assert caught.value.code == "ROUTE_NOT_FOUND"
    assert not isinstance(caught.value, CredexNotFound)


def test_v1_failure_shapes_are_rejections():
    with pytest.raises(CredexRejected) as caught:
        read_answer("createCredex", 400, JSON, body({"success": False, "error": "Insufficient balance"}))
    assert caught.value.reason == "Insufficient balance"
    with pytest.raises(CredexNotFound):
        read_answer("login", 404, JSON, body({"success": False, "message": "Member not found"}))


def test_redirects_are_bad_responses():
    with pytest.raises(CredexBadResponse):
        read_answer("login", 302, {"Location": "http://elsewhere/"}, b"")


def test_refreshed_token_comes_from_the_authorization_header():
    assert bearer_token({"Authorization": "Bearer abc.def.ghi"}) == "abc.def.ghi"
    assert bearer_token({"Authorization": "Basic Zm9v"}) is None
    assert bearer_token({}) is None
