"""Alerts over real HTTP to local fake receivers: the webhook gets a payload that an independent Standard
Webhooks implementation verifies; a Telegram API that hangs 10 s delays neither the webhook nor the caller
beyond the channel timeout; one key is sent once per window, even from 20 threads at once; bursts of
forged webhook deliveries, an open breaker, a ledger that refuses our key and repeated processing failures
each raise exactly one alert; no secret or phone number reaches any payload or log line."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from django.core import mail
from django.db import connection
from django.test import Client
from redis.backoff import NoBackoff
from redis.retry import Retry
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from bot.models import InboxMessage
from credex_api.breaker import FAILURE, CircuitBreaker
from credex_api.client import reset_client
from credex_api.conf import BreakerPolicy, cache_redis
from credex_api.errors import CircuitOpen
from deploy.localredis import free_port
from devtools import payloads as p
from flows import texts
from security import alerts
from security.models import AuditEvent
from tests.support.concurrency import run_together
from tests.support.signing import post_signed

pytestmark = pytest.mark.django_db
TIMEOUT = 1.0
PHONE = "263771234567"
TELEGRAM_TOKEN = "123456:telegram-canary-token"


@dataclass(frozen=True)
class Received:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.received.append(Received(time.monotonic(), self.path, headers, body))
        if self.server.delay:
            self.server.released.wait(self.server.delay)
        answer = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


class Receiver(ThreadingHTTPServer):
    """A loopback HTTP server recording every POST; `delay` seconds before it answers (a hung channel)."""

    daemon_threads = True

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay, self.received, self.released = delay, [], threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.released.set()
        self.shutdown()
        self.server_close()

    def payloads(self) -> list[dict]:
        return [json.loads(item.body) for item in self.received]


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(delay: float = 0.0) -> Receiver:
        made.append(Receiver(delay))
        return made[-1]

    yield make
    for receiver in made:
        receiver.stop()


@pytest.fixture
def webhook(settings, receivers) -> Receiver:
    """The webhook channel configured against a local receiver; no other channel; a 1 s timeout."""
    receiver = receivers()
    settings.ALERT_WEBHOOK_URL = receiver.url + "/alerts"
    settings.ALERT_WEBHOOK_SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    settings.ALERT_EMAIL_TO = []
    settings.ALERT_TELEGRAM_BOT_TOKEN = ""
    settings.ALERT_CHANNEL_TIMEOUT_SECONDS = TIMEOUT
    settings.ALERT_DEDUPE_SECONDS = 300
    settings.ALERT_MAX_PER_HOUR = 10
    return receiver


def test_the_webhook_gets_a_payload_that_standard_webhooks_verifies(settings, webhook, caplog):
    settings.CLIENT_API_KEY = "canary-client-api-key-91"
    outcome = alerts.raise_alert(
        "test.signed",
        f"member {PHONE} hit token=abc123 with canary-client-api-key-91",
        severity="critical",
        details={"token": "t-0k3n", "phone": PHONE, "failures": 7},
    )
    assert outcome == alerts.SENT
    [received] = webhook.received
    verified = Webhook(settings.ALERT_WEBHOOK_SECRET).verify(received.body, received.headers)
    assert verified["key"] == "test.signed" and verified["severity"] == "critical"
    assert verified["details"] == {"token": "[redacted]", "phone": "•••••••4567", "failures": 7}
    assert abs(int(received.headers["webhook-timestamp"]) - time.time()) < 60
    assert received.headers["webhook-id"] == f"msg_{verified['id']}"
    for leaked in (PHONE, "abc123", "t-0k3n", "canary-client-api-key-91", settings.ALERT_WEBHOOK_SECRET):
        assert leaked not in received.body.decode() and leaked not in caplog.text
    altered = received.body.replace(b"critical", b"info")
    with pytest.raises(WebhookVerificationError):  # an altered body does not verify
        Webhook(settings.ALERT_WEBHOOK_SECRET).verify(altered, received.headers)
    assert "alert test.signed" in caplog.text  # and it is always logged


def test_a_hung_telegram_delays_neither_the_webhook_nor_the_caller(settings, webhook, receivers, caplog):
    telegram = receivers(delay=10.0)
    settings.ALERT_TELEGRAM_API_URL = telegram.url
    settings.ALERT_TELEGRAM_BOT_TOKEN = TELEGRAM_TOKEN
    settings.ALERT_TELEGRAM_CHAT_ID = "-1001234"

    started = time.monotonic()
    assert alerts.raise_alert("test.isolation", "one channel hangs") == alerts.SENT
    elapsed = time.monotonic() - started

    assert elapsed < TIMEOUT + 0.5, elapsed
    [to_webhook] = webhook.received
    assert to_webhook.at - started < 0.5  # not held back by the hung channel
    [to_telegram] = telegram.received  # the hung one was tried, in parallel
    assert to_telegram.path == f"/bot{TELEGRAM_TOKEN}/sendMessage"
    assert json.loads(to_telegram.body)["chat_id"] == "-1001234"
    assert "telegram" in caplog.text and TELEGRAM_TOKEN not in caplog.text


def test_an_unreachable_channel_is_logged_without_its_url(settings, webhook, caplog):
    settings.ALERT_TELEGRAM_API_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings.ALERT_TELEGRAM_BOT_TOKEN = TELEGRAM_TOKEN
    settings.ALERT_TELEGRAM_CHAT_ID = "-1001234"
    alerts.raise_alert("test.refused", "telegram is down")
    assert "channel telegram failed (ConnectionError)" in caplog.text
    assert TELEGRAM_TOKEN not in caplog.text and len(webhook.received) == 1


def test_the_same_key_twice_in_the_window_is_sent_once(webhook):
    assert alerts.raise_alert("test.dedupe", "first") == alerts.SENT
    assert alerts.raise_alert("test.dedupe", "second") == alerts.DUPLICATE
    assert alerts.raise_alert("test.other", "another key") == alerts.SENT
    assert [payload["key"] for payload in webhook.payloads()] == ["test.dedupe", "test.other"]


def test_twenty_threads_raising_one_key_send_it_once(webhook):
    outcomes: list[str] = []

    def raise_it() -> None:
        outcomes.append(alerts.raise_alert("test.concurrent", "everyone at once"))

    errors = run_together(raise_it, [()] * 20, timeout=15)  # each thread joined for up to 30 s, as before
    assert errors == []
    assert sorted(outcomes) == [alerts.DUPLICATE] * 19 + [alerts.SENT]
    assert len(webhook.received) == 1


def test_at_most_max_per_hour_without_dedupe(settings, webhook):
    settings.ALERT_DEDUPE_SECONDS = 0
    settings.ALERT_MAX_PER_HOUR = 3
    outcomes = [alerts.raise_alert("test.hourly", f"number {n}") for n in range(5)]
    assert outcomes == [alerts.SENT] * 3 + [alerts.RATE_LIMITED] * 2
    assert len(webhook.received) == 3


def test_email_channel_sends_one_redacted_mail(settings, webhook):
    settings.ALERT_EMAIL_TO = ["ops@example.com"]
    alerts.raise_alert("test.email", f"about {PHONE}", details={"password": "hunter2hunter2"})
    [message] = mail.outbox
    assert message.to == ["ops@example.com"] and "test.email" in message.subject
    assert PHONE not in message.body and "hunter2hunter2" not in message.body
    assert "•••••••4567" in message.body


def test_alerts_are_still_sent_when_the_cache_redis_is_down(monkeypatch, webhook, caplog):
    dead = redis.Redis(port=free_port(), socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    monkeypatch.setattr(alerts, "_redis", lambda: dead)  # a real connection failure, not a fake answer
    assert alerts.raise_alert("test.no_redis", "first") == alerts.SENT
    assert alerts.raise_alert("test.no_redis", "second") == alerts.SENT  # no dedupe: better twice than never
    assert len(webhook.received) == 2 and "deduplication unavailable" in caplog.text


def test_twenty_one_forged_deliveries_in_a_minute_raise_one_alert_and_one_audit_row(settings, webhook):
    client = Client()
    statuses = [
        post_signed(client, p.text_payload(f"forged {n}"), secret=b"not-the-app-secret").status_code
        for n in range(21)
    ]
    assert statuses == [403] * 21
    assert [payload["key"] for payload in webhook.payloads()] == ["webhook.signature_failure_burst"]
    rows = AuditEvent.objects.filter(action="webhook.signature_failure_burst")
    assert rows.count() == 1
    assert (rows.get().actor, rows.get().client_ip) == ("system", "127.0.0.1")
    assert rows.get().new_values == {"failures": 20, "window_seconds": 60}


def test_nineteen_forged_deliveries_raise_nothing(webhook):
    for n in range(19):
        post_signed(Client(), p.text_payload(f"forged {n}"), signature="sha256=" + "0" * 64)
    assert webhook.received == [] and not AuditEvent.objects.exists()


def test_an_opening_breaker_raises_one_alert(settings, webhook):
    breaker = CircuitBreaker(cache_redis(), BreakerPolicy(), key_prefix=settings.REDIS_KEY_PREFIX)
    for _ in range(5):
        breaker.record(breaker.acquire(), FAILURE)
    with pytest.raises(CircuitOpen):
        breaker.acquire()
    [payload] = webhook.payloads()
    assert payload["key"] == "credex.breaker_open" and payload["details"]["transition"] == "closed->open"


def test_a_ledger_refusing_our_client_key_raises_an_alert(sandbox, settings, webhook):
    settings.MYCREDEX_APP_URL = sandbox.url
    settings.CLIENT_API_KEY = "a-wrong-client-key-4242"
    reset_client()
    try:
        response = post_signed(Client(), p.text_payload("hi"), headers={"X-Mock-Testing": "true"})
    finally:
        reset_client()
    assert response.json()["replies"][0]["text"]["body"] == texts.LEDGER_BUSY  # the member is told politely
    [payload] = webhook.payloads()
    assert payload["key"] == "credex.unauthorized" and payload["severity"] == "critical"
    assert "a-wrong-client-key-4242" not in json.dumps(payload)


@pytest.mark.django_db(transaction=True)
def test_five_failed_inbox_rows_raise_one_alert(webhook):
    rename = "ALTER TABLE {} RENAME TO {}"
    with connection.cursor() as cursor:  # a real failure: the replies cannot be stored
        cursor.execute(rename.format("bot_outboxmessage", "bot_outboxmessage_away"))
    try:
        for n in range(6):
            response = post_signed(Client(), p.text_payload("help"), headers={"X-Mock-Testing": "true"})
            assert response.status_code == 200 and response.json()["replies"] == []
            assert len(webhook.received) == (1 if n >= 4 else 0)  # at the 5th failure, and only then
    finally:
        with connection.cursor() as cursor:
            cursor.execute(rename.format("bot_outboxmessage_away", "bot_outboxmessage"))
    assert webhook.payloads()[0]["key"] == "processing.failures"
    assert InboxMessage.objects.filter(status=InboxMessage.Status.FAILED).count() == 6
