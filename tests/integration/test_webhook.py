"""The webhook view end to end (Django test client, real DB and Redis): handshake, size cap, JSON, mock mode,
failure answers, CSRF exemption (signatures: test_webhook_signature.py). Processing is recorded."""

import json
import logging

import pytest
from django.db import OperationalError
from django.urls import URLPattern, URLResolver, get_resolver

from bot import inbox, processing
from bot.models import InboxMessage
from devtools import payloads as p
from tests.support.signing import meta_json, post_signed, post_unsigned, signature_for, webhook_url
from tests.support.webhook import NOTHING_STORED, fake_reply, record_processing, row_counts

pytestmark = pytest.mark.django_db
THREE_MB = 3 * 1024 * 1024


@pytest.fixture
def calls(monkeypatch):
    return record_processing(monkeypatch)


# --- GET handshake -------------------------------------------------------------------------------------


def handshake(client, **params):
    return client.get(webhook_url(), {f"hub.{key}": value for key, value in params.items()})


def test_handshake_echoes_the_raw_challenge(client):
    response = handshake(client, mode="subscribe", verify_token="test-verify-token", challenge="1158201444")
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_handshake_with_a_non_ascii_token_configured(client, settings):
    settings.WHATSAPP_VERIFY_TOKEN = "tökén-✓"
    assert handshake(client, mode="subscribe", verify_token="tökén-✓", challenge="42").content == b"42"
    assert handshake(client, mode="subscribe", verify_token="token-✓", challenge="42").status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"mode": "subscribe", "verify_token": "wrong-token", "challenge": "1"},
        {"mode": "subscribe", "verify_token": "test-verify-token ", "challenge": "1"},
        {"mode": "subscribe", "verify_token": "tëst-verify-token", "challenge": "1"},
        {"mode": "unsubscribe", "verify_token": "test-verify-token", "challenge": "1"},
        {"verify_token": "test-verify-token", "challenge": "1"},
        {"mode": "subscribe", "challenge": "1"},
        {"mode": "subscribe", "verify_token": "", "challenge": "1"},
        {"mode": "subscribe", "verify_token": "test-verify-token"},
        {},
    ],
)
def test_handshake_refused(client, params, caplog):
    with caplog.at_level(logging.WARNING, logger="security.webhook"):
        response = handshake(client, **params)
    assert response.status_code == 403
    assert response.content == b""
    assert "handshake refused" in caplog.text
    assert "test-verify-token" not in caplog.text and "tëst" not in caplog.text


# --- body size cap -------------------------------------------------------------------------------------


def padded_payload_bytes(size: int) -> bytes:
    """A valid text delivery of exactly `size` bytes (padding in an extra envelope field)."""
    payload = p.text_payload("big batch")
    payload["padding"] = ""
    base = len(meta_json(payload))
    payload["padding"] = "x" * (size - base)
    body = meta_json(payload)
    assert len(body) == size
    return body


def test_three_megabyte_delivery_is_accepted(client, calls):
    response = post_signed(client, padded_payload_bytes(THREE_MB))
    assert response.status_code == 200
    assert response.json()["received"] == 1
    assert InboxMessage.objects.count() == 1


def test_over_the_cap_is_413_before_any_hashing(client, calls, settings, caplog):
    body = b"x" * (settings.WEBHOOK_MAX_BODY_BYTES + 1)
    # Deliberately wrong signature: a 413 (not 403) proves the size check ran before the HMAC.
    with caplog.at_level(logging.WARNING, logger="security.webhook"):
        response = post_unsigned(client, body, headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert response.status_code == 413
    assert "body too large" in caplog.text
    valid = padded_payload_bytes(settings.WEBHOOK_MAX_BODY_BYTES + 1)
    assert post_signed(client, valid).status_code == 413
    assert row_counts() == NOTHING_STORED


def test_cap_boundary_and_declared_length(client, calls, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 4096
    assert post_signed(client, padded_payload_bytes(4096)).status_code == 200
    assert post_signed(client, padded_payload_bytes(4097)).status_code == 413
    # A declared Content-Length over the cap is refused without reading the (short) body at all.
    small = meta_json(p.text_payload("short"))
    response = client.post(
        webhook_url(), data=small, content_type="application/json", CONTENT_LENGTH="4097",
        headers={"X-Hub-Signature-256": signature_for(small)},
    )  # fmt: skip
    assert response.status_code == 413
    assert InboxMessage.objects.count() == 1


# --- JSON and payload shape ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"not json", b"", b"[1, 2]", b'"text"', b"null", b"\xff\xfe{}", b"[" * 100_000 + b"]" * 100_000],
)
def test_signed_but_not_a_json_object_is_400(client, calls, body):
    response = post_signed(client, body)
    assert response.status_code == 400
    assert row_counts() == NOTHING_STORED


def test_signed_json_of_another_object_is_200_with_nothing_stored(client, calls):
    response = post_signed(client, {"object": "page", "entry": [{"messaging": []}]})
    assert response.status_code == 200
    assert response.json() == {"received": 0, "duplicates": 0}
    assert row_counts() == NOTHING_STORED


def test_unicode_emoji_at_and_slash_bodies_survive_meta_escaping(client, calls):
    body_text = 'Mhoro 👋🏾 äöå <b> 50% a@b.co/x \\ " ✓'
    response = post_signed(client, p.text_payload(body_text))
    assert response.status_code == 200
    assert InboxMessage.objects.get().event["body"] == body_text


# --- mock testing --------------------------------------------------------------------------------------


def test_mock_header_refused_when_mock_testing_is_disabled(client, calls, settings, caplog):
    settings.MOCK_TESTING_ENABLED = False
    with caplog.at_level(logging.WARNING, logger="security.webhook"):
        response = post_signed(client, p.text_payload("hi"), headers={"X-Mock-Testing": "true"})
    assert response.status_code == 403
    assert "mock testing disabled" in caplog.text
    assert row_counts() == NOTHING_STORED
    assert calls == {"dispatch": [], "capture": []}


def test_mock_mode_returns_the_captured_replies(client, calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(client, p.text_payload("hi"), headers={"X-Mock-Testing": "true"})
    row = InboxMessage.objects.get()
    assert response.status_code == 200
    assert response.json() == {"received": 1, "duplicates": 0, "replies": [fake_reply(row.pk)]}
    assert calls == {"dispatch": [], "capture": [[row.pk]]}


def test_mock_mode_still_requires_the_signature(client, calls):
    body = meta_json(p.text_payload("hi"))
    assert post_unsigned(client, body, headers={"X-Mock-Testing": "true"}).status_code == 401
    assert row_counts() == NOTHING_STORED


def test_mock_mode_redelivery_replies_nothing(client, calls):
    body = meta_json(p.text_payload("hi"))
    post_signed(client, body, headers={"X-Mock-Testing": "true"})
    again = post_signed(client, body, headers={"X-Mock-Testing": "true"})
    assert again.json() == {"received": 0, "duplicates": 1, "replies": []}
    assert len(calls["capture"]) == 1


# --- failures ------------------------------------------------------------------------------------------


def test_store_failure_is_a_generic_500_and_nothing_is_dispatched(
    client, calls, monkeypatch, django_capture_on_commit_callbacks
):
    def broken_store(batch, *, correlation_id):
        raise OperationalError("disk I/O error at /var/secret/path")

    monkeypatch.setattr(inbox, "store_batch", broken_store)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_signed(client, p.text_payload("hi"))
    assert response.status_code == 500
    assert b"secret" not in response.content and b"OperationalError" not in response.content
    assert json.loads(response.content) == {"error": "temporary failure, please retry"}
    assert callbacks == [] and calls["dispatch"] == []
    assert row_counts() == NOTHING_STORED


def test_dispatch_failure_after_commit_still_acknowledges(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    def failing_dispatch(ids):
        raise ConnectionError("redis down")

    monkeypatch.setattr(processing, "dispatch_committed", failing_dispatch)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(client, p.text_payload("hi"))
    assert response.status_code == 200
    assert InboxMessage.objects.get().status == InboxMessage.Status.PENDING  # the sweeper re-queues it


def test_other_methods_are_refused(client):
    assert client.put(webhook_url(), data=b"{}").status_code == 405
    assert client.delete(webhook_url()).status_code == 405


def test_the_webhook_is_the_only_csrf_exempt_view():
    """WH-8. DRF API views are csrf_exempt at the Django level by design (DRF enforces CSRF itself for
    session auth; token/JWT auth needs none), so they are not counted."""
    exempt = [name for name, view in _all_views(get_resolver()) if getattr(view, "csrf_exempt", False)
              and not _is_drf_view(view)]  # fmt: skip
    assert exempt == ["bot:webhook"]


def _all_views(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _all_views(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or pattern.pattern}", pattern.callback


def _is_drf_view(view) -> bool:
    try:
        from rest_framework.views import APIView
    except ImportError:
        return False
    return isinstance(getattr(view, "cls", None), type) and issubclass(view.cls, APIView)
