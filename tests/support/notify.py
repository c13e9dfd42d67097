"""Helpers for the `POST /bot/notify` tests: the test key and member, a request helper, the expected payload.

Import `notify_settings_fixture` into a test module to register the autouse fixture that sets the key,
the rate limit and fast, bounded Graph sends for each test.
"""

from __future__ import annotations

import json

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from bot.models import OutboxMessage

KEY = "test-notify-key-0123456789"
WA_ID = "263771234567"
PHONE_ID = "109876543210"
NAME = "Rudo Moyo"
MESSAGE = "Tendai Moyo offered you 12.50 USD"
GOOD = {"phone": WA_ID, "memberName": NAME, "message": MESSAGE}


@pytest.fixture(autouse=True, name="_notify_settings")
def notify_settings_fixture(settings) -> None:
    """The notify key and limit of the tests, and Graph sends that never wait."""
    settings.NOTIFY_API_KEY = KEY
    settings.NOTIFY_RATE_PER_MINUTE = 120
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_ID
    settings.WHATSAPP_SEND_MAX_ATTEMPTS = 4
    settings.WHATSAPP_BACKOFF_BASE_SECONDS = 0.0
    settings.WHATSAPP_CONNECT_TIMEOUT = 1.0
    settings.WHATSAPP_READ_TIMEOUT = 2.0


def notify(
    client: Client, body: dict | bytes = GOOD, *, key: str | None = KEY, method: str = "post", **extra: object
) -> HttpResponse:
    """Send `body` (a dict is JSON-encoded, bytes go as they are) with `key` (None: no header)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {} if key is None else {"X-Notify-Key": key}
    if method == "get":  # the test client would turn a GET's data into a query string
        return client.get(reverse("bot:notify"), headers=headers, **extra)
    send = getattr(client, method)
    return send(reverse("bot:notify"), data=data, content_type="application/json", headers=headers, **extra)


def expected_payload(name: str = NAME, message: str = MESSAGE) -> dict:
    """The Graph JSON of the notification (without the `biz_opaque_callback_data` the sender adds)."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+" + WA_ID,
        "type": "template",
        "template": {
            "name": "incoming_notification",
            "language": {"code": "en_US"},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": name}, {"type": "text", "text": message}],
                },
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "0",
                    "parameters": [{"type": "payload", "payload": "v1:incoming:entry:open"}],
                },
            ],
        },
    }


def assert_nothing_sent(fake_graph) -> None:
    """No request reached the fake Graph API and no outbox row was stored."""
    assert fake_graph.requests == []
    assert OutboxMessage.objects.count() == 0
