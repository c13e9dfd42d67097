"""Signed webhook requests for tests: serialise ONCE, sign those exact bytes, post those exact bytes.

`meta_json` renders a payload the way Meta signs it: escaped unicode (`ensure_ascii`), and `/`, `@`, `<`, `%`
escaped as well, so a server that re-serialised the JSON before hashing would fail these tests.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.test import Client
from django.urls import reverse

from security.signatures import sign_body

_META_ESCAPES = {"/": "\\/", "@": "\\u0040", "<": "\\u003C", "%": "\\u0025"}


def webhook_url() -> str:
    return reverse("bot:webhook")


def meta_json(payload: object) -> bytes:
    """Compact JSON with Meta's escaping. The escaped characters only ever occur inside JSON strings."""
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    for char, escaped in _META_ESCAPES.items():
        text = text.replace(char, escaped)
    return text.encode("ascii")


def current_secret() -> bytes:
    return settings.WHATSAPP_APP_SECRET.encode("utf-8")


def signature_for(body: bytes, secret: bytes | None = None) -> str:
    return sign_body(body, current_secret() if secret is None else secret)


def post_signed(
    client: Client,
    payload_or_bytes: object,
    *,
    secret: bytes | None = None,
    signature: str | None = None,
    headers: dict[str, str] | None = None,
):
    """POST to the webhook with `X-Hub-Signature-256` over the exact bytes sent.

    `secret` defaults to settings.WHATSAPP_APP_SECRET; `signature` overrides the computed header value (to
    forge). Extra `headers` (e.g. {"X-Mock-Testing": "true"}) are added as given.
    """
    body = payload_or_bytes if isinstance(payload_or_bytes, bytes) else meta_json(payload_or_bytes)
    all_headers = {"X-Hub-Signature-256": signature if signature is not None else signature_for(body, secret)}
    all_headers.update(headers or {})
    return client.post(webhook_url(), data=body, content_type="application/json", headers=all_headers)


def post_unsigned(client: Client, body: bytes, *, headers: dict[str, str] | None = None):
    """POST raw bytes with exactly the given headers (no signature unless you pass one)."""
    return client.post(webhook_url(), data=body, content_type="application/json", headers=headers or {})
