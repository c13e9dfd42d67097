"""`POST /bot/notify` through the real view, the real cache Redis and the fake Graph API over real HTTP.

What the ledger and the member would notice: the exact template WhatsApp receives, the outbox row, the
answers to bad keys and floods (nothing sent each time), and failing closed without Redis. The body rules
and the size cap are in test_notify_body.py.
"""

import logging
import time

import pytest
from django.test import Client
from django.urls import resolve
from django.utils import timezone
from django_redis import get_redis_connection
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.views import APIView

from bot import outbox
from bot.models import OutboxMessage
from bot.notify import NotifyView
from deploy.localredis import free_port
from flows import ids
from tests.support.concurrency import run_together
from tests.support.notify import (  # noqa: F401 - the import registers the autouse fixture
    KEY,
    MESSAGE,
    NAME,
    PHONE_ID,
    WA_ID,
    assert_nothing_sent,
    expected_payload,
    notify,
    notify_settings_fixture,
)

pytestmark = pytest.mark.django_db


# --- success ------------------------------------------------------------------------------------------


def test_a_notification_sends_the_template_with_the_view_offers_quick_reply(client, fake_graph):
    response = notify(client)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    row = OutboxMessage.objects.get()
    assert response.json() == {"sent": True, "outbox_id": str(row.pk)}
    assert len(fake_graph.requests) == 1
    request = fake_graph.requests[0]
    assert request.path == f"/v25.0/{PHONE_ID}/messages"
    sent = request.json
    assert sent["to"] == "+263771234567"
    assert sent["type"] == "template"
    template = sent["template"]
    assert template["name"] == "incoming_notification"
    assert template["language"] == {"code": "en_US"}
    body, button = template["components"]
    assert body == {
        "type": "body",
        "parameters": [{"type": "text", "text": NAME}, {"type": "text", "text": MESSAGE}],
    }
    assert (button["type"], button["sub_type"], button["index"]) == ("button", "quick_reply", "0")
    assert button["parameters"] == [{"type": "payload", "payload": ids.entry("incoming")}]
    assert ids.entry("incoming") == "v1:incoming:entry:open"
    assert sent == {**expected_payload(), "biz_opaque_callback_data": str(row.pk)}
    assert (row.status, row.kind, row.wa_id) == (OutboxMessage.Status.ACCEPTED, "template", WA_ID)
    assert row.wamid == fake_graph.issued_wamids[0]
    assert row.payload == expected_payload()


def test_whatsapp_refusing_it_answers_502_and_the_outbox_row_records_why(client, fake_graph):
    fake_graph.respond_error(131026)  # undeliverable: terminal, not retried
    response = notify(client)
    assert response.status_code == 502
    assert response.json() == {"error": "could not reach WhatsApp"}
    assert len(fake_graph.requests) == 1
    row = OutboxMessage.objects.get()
    assert (row.status, row.error_code) == (OutboxMessage.Status.FAILED, 131026)


def test_whatsapp_asking_us_to_wait_answers_202_at_once_with_the_retry_scheduled(
    client, fake_graph, settings
):
    settings.WHATSAPP_BACKOFF_BASE_SECONDS = 30.0  # a long wait: the answer must not sit through it
    fake_graph.respond_error(131056)  # pair rate limit: retry after 4^0 × 30 s
    started = time.monotonic()
    response = notify(client)
    assert time.monotonic() - started < 5
    row = OutboxMessage.objects.get()
    assert response.status_code == 202
    assert response.json() == {"sent": False, "scheduled": True, "outbox_id": str(row.pk)}
    assert len(fake_graph.requests) == 1
    assert (row.status, row.error_code, row.attempts) == (OutboxMessage.Status.QUEUED, 131056, 1)
    due = get_redis_connection("state").zscore(outbox.due_key(), str(row.pk))
    assert due == pytest.approx(row.retry_at.timestamp()) and row.retry_at > timezone.now()


def test_logs_keep_the_number_the_name_the_message_and_the_key_out(client, fake_graph, caplog):
    fake_graph.respond_error(131026)
    with caplog.at_level(logging.DEBUG):
        notify(client)
        notify(client)
        notify(client, key="wrong-" + KEY)
    assert "•••••••4567" in caplog.text
    for secret in (WA_ID, NAME, MESSAGE, KEY):
        assert secret not in caplog.text


# --- the key ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "status"),
    [
        (None, 401),
        ("", 401),
        ("wrong-key", 403),
        (KEY + " ", 403),
        (KEY.upper(), 403),
        ("ключ-✓-" + KEY, 403),  # not ASCII: compared as bytes, refused, never a 500
        ("dev-notify-key", 403),  # the development default is not this deployment's key
    ],
)
def test_a_missing_or_wrong_key_is_refused_and_nothing_is_sent(client, fake_graph, caplog, key, status):
    with caplog.at_level(logging.WARNING, logger="security.notify"):
        response = notify(client, key=key, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == status
    assert response["Cache-Control"] == "no-store"
    assert "error" in response.json()
    if status == 401:
        assert response["WWW-Authenticate"] == 'X-Notify-Key realm="notify"'
        assert response.json() == {"error": "missing X-Notify-Key header"}
    else:
        assert response.json() == {"error": "invalid notify key"}
    assert_nothing_sent(fake_graph)
    assert "notify rejected" in caplog.text and "remote=203.0.113.9" in caplog.text
    if key:
        assert key not in caplog.text
    assert KEY not in caplog.text


def test_with_no_key_configured_every_key_is_refused(client, fake_graph, settings):
    settings.NOTIFY_API_KEY = ""
    assert notify(client, key=KEY).status_code == 403
    assert notify(client, key="").status_code == 401
    assert_nothing_sent(fake_graph)


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch", "options"])
def test_other_methods_are_405_with_or_without_the_key(client, fake_graph, method):
    assert notify(client, method=method).status_code == 405
    assert notify(client, method=method, key=None).status_code == 405
    assert_nothing_sent(fake_graph)


def test_csrf_does_not_apply_and_no_cookie_can_stand_in_for_the_key(fake_graph):
    view = resolve("/bot/notify").func
    assert issubclass(view.cls, APIView)  # exempt through DRF, not through a @csrf_exempt of ours
    for auth in NotifyView.authentication_classes:
        assert not issubclass(auth, SessionAuthentication | BasicAuthentication)
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["sessionid"] = "a-stolen-looking-session"
    assert notify(browser, key=None).status_code == 401
    assert len(fake_graph.requests) == 0
    assert notify(browser).status_code == 200  # the key alone authenticates: no CSRF token involved
    assert len(fake_graph.requests) == 1


# --- the rate limit -----------------------------------------------------------------------------------


def test_over_the_limit_is_429_with_retry_after_and_nothing_more_is_sent(client, fake_graph, settings):
    settings.NOTIFY_RATE_PER_MINUTE = 3
    assert [notify(client).status_code for _ in range(3)] == [200] * 3
    refused = notify(client)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["error"].startswith("too many notifications.")
    assert refused["Cache-Control"] == "no-store"
    assert len(fake_graph.requests) == 3
    (counter,) = get_redis_connection("default").keys("vp:ratelimit:notify:*")
    assert KEY.encode() not in counter  # the key is named by its HMAC, never stored
    assert 0 < get_redis_connection("default").pttl(counter) <= 60_000
    # Wrong keys neither count nor get through; a rotated key has its own budget.
    assert notify(client, key="wrong").status_code == 403
    settings.NOTIFY_API_KEY = "rotated-" + KEY
    assert notify(client, key="rotated-" + KEY).status_code == 200
    assert len(fake_graph.requests) == 4


@pytest.mark.db_both
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_requests_against_five_a_minute_send_exactly_five(fake_graph, settings):
    settings.NOTIFY_RATE_PER_MINUTE = 5
    statuses = []

    def deliver():
        statuses.append(notify(Client()).status_code)

    errors = run_together(deliver, [()] * 50)
    assert errors == []
    assert sorted(statuses) == [200] * 5 + [429] * 45
    assert len(fake_graph.requests) == 5
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.ACCEPTED).count() == 5


def test_without_the_cache_redis_it_fails_closed_with_503(client, fake_graph, settings, caplog):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": dead}}
    with caplog.at_level(logging.ERROR, logger="bot.notify_guard"):
        response = notify(client)
    assert response.status_code == 503
    assert response["Cache-Control"] == "no-store"
    assert "error" in response.json()
    assert_nothing_sent(fake_graph)
    assert "cache Redis unavailable" in caplog.text
