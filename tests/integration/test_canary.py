"""The canary test (LG-2, §2.6): every secret setting and a member's phone number get unique canary values;
with ALL logging captured at DEBUG, we drive the webhook (a signed "help" from the canary phone, a forged
delivery, handshakes with the right and a wrong token), the notify endpoint (a wrong key, then a real
send through a fake Graph API) and a flow that crashes with the secrets in its exception message. Then 0
occurrences of any canary in the log text pytest captured, in the JSON lines production would write, in
what the code logged before redaction, and in every response body. The phone may appear only masked.

The same holds for what a real process writes, with DEBUG on (`make run`) and off (issue 18, hole 7): every
handler on every logger after Django's setup carries the redaction filter, Django's defaults and a library's
own handler included, and a real Gunicorn's log of an operator API request naming a member (Django's
"Unauthorized: /api/members/<phone>/export/" line) shows the phone only masked."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

import pytest
from django.test import Client
from django.urls import reverse

from devtools import payloads as p
from flows.definitions.help import Help
from security.redaction import mask_phone
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401  (fixture)
from tests.support.gunicorn import ROOT, get, serve
from tests.support.logs import emitted_logs
from tests.support.signing import post_signed, webhook_url

pytestmark = pytest.mark.django_db
MOCK = {"X-Mock-Testing": "true"}
PHONE = "263778642097"
CANARIES = {
    "WHATSAPP_APP_SECRET": "cnry-app-secret-5b1e07",
    "WHATSAPP_ACCESS_TOKEN": "cnry-access-token-9c44d2",
    "WHATSAPP_VERIFY_TOKEN": "cnry-verify-token-2f8a61",
    "CLIENT_API_KEY": "cnry-client-api-key-7d03b9",
    "NOTIFY_API_KEY": "cnry-notify-key-e41c58",
    "SECRET_KEY": "cnry-django-secret-key-6a92f0-abcdefghijklmnopqrstuvwxyz-0123456789",
}


@pytest.fixture
def canaries(settings):
    for name, value in CANARIES.items():
        setattr(settings, name, value)
    settings.WHATSAPP_APP_SECRET_PREVIOUS = ""
    return settings


def drive(client: Client, fake_graph, monkeypatch) -> list:
    """Every kind of request the canaries could leak through; returns the responses."""
    help_text = p.text_message("help", sender=PHONE)
    delivery = p.envelope(p.entry(p.change(messages=[help_text], contacts=[p.contact(PHONE)])))
    responses = [post_signed(client, delivery, headers=MOCK)]
    forged = p.envelope(p.entry(p.change(messages=[p.text_message("hi", sender=PHONE)])))
    responses.append(post_signed(client, forged, secret=b"not-the-app-secret", headers=MOCK))
    for token in ("wrong-token", CANARIES["WHATSAPP_VERIFY_TOKEN"]):
        query = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"}
        responses.append(client.get(webhook_url(), query))
    notify_body = json.dumps(
        {"phone": PHONE, "memberName": "Rudo Moyo", "message": "Tendai offered you 5 USD"}
    )
    for key in ("a-wrong-notify-key", CANARIES["NOTIFY_API_KEY"]):
        responses.append(
            client.post(
                reverse("bot:notify"),
                notify_body,
                content_type="application/json",
                headers={"X-Notify-Key": key},
            )
        )

    def crash(self, turn, session, arg):
        raise RuntimeError(
            f"flow crashed for {PHONE} with {CANARIES['CLIENT_API_KEY']} and {CANARIES['SECRET_KEY']}"
        )

    monkeypatch.setattr(Help, "start", crash)
    crashing = p.envelope(p.entry(p.change(messages=[p.text_message("help", sender=PHONE)])))
    responses.append(post_signed(client, crashing, headers=MOCK))
    return responses


def body_without_recipients(response) -> str:
    """The body, minus the `to` of mock-testing replies: the Graph payload's recipient is the member's own
    number by definition (the signed caller gets back exactly what would be sent to Meta, never in
    production). Every other place in the body is checked."""
    text = response.content.decode("utf-8", "replace")
    if not text.startswith("{") or "replies" not in text:
        return text
    answer = json.loads(text)
    for reply in answer["replies"]:
        assert reply.pop("to").lstrip("+") == PHONE
    return json.dumps(answer, ensure_ascii=False)


def test_no_canary_in_any_log_line_or_response(canaries, caplog, fake_graph, monkeypatch):
    caplog.set_level(logging.DEBUG)
    with emitted_logs() as logs:
        responses = drive(Client(), fake_graph, monkeypatch)

    statuses = [response.status_code for response in responses]
    assert statuses == [200, 403, 403, 200, 403, 200, 200], statuses
    assert responses[0].json()["replies"] and "ref" in json.dumps(responses[-1].json()).lower()
    assert fake_graph.requests, "the notification really went to the (fake) Graph API"
    assert fake_graph.requests[0].headers["authorization"] == f"Bearer {CANARIES['WHATSAPP_ACCESS_TOKEN']}"

    captured = {
        "caplog": caplog.text + "\n".join(repr(vars(record)) for record in caplog.records),
        "emitted JSON lines": logs.text,
        "logged before redaction": logs.raw,
        "response bodies": "\n".join(body_without_recipients(response) for response in responses),
    }
    assert len(caplog.records) >= 10 and len(logs.lines()) == len(caplog.records)
    for where, text in captured.items():
        for name, value in {**CANARIES, "phone": PHONE}.items():
            assert text.count(value) == 0, f"{name} found in {where}"
    assert mask_phone(PHONE) in json.dumps(logs.lines(), ensure_ascii=False)  # the masked form is used


SETTINGS_MODULES = {"debug on": "tests.support.debug_settings", "debug off": "config.settings"}


@pytest.mark.slow
@pytest.mark.parametrize("settings_module", SETTINGS_MODULES.values(), ids=SETTINGS_MODULES.keys())
def test_every_handler_of_a_started_process_redacts(settings_module):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
    probe = subprocess.run(
        [sys.executable, "-m", "tests.support.logging_probe", PHONE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    handlers = json.loads(probe.stdout.splitlines()[0])
    assert {handler["logger"] for handler in handlers} >= {"root", "probe.library"}
    assert [handler for handler in handlers if not handler["redacts"]] == []
    assert PHONE not in probe.stderr
    masked = mask_phone(PHONE)
    assert probe.stderr.count(f"Unauthorized: /api/members/{masked}/export/") == 1  # Django's copy is gone
    assert f'"GET /api/members/{masked}/export/ HTTP/1.1" 401' in probe.stderr  # runserver's line
    assert f"library line about {masked}" in probe.stderr  # the library's own handler, redacted too


@pytest.mark.slow
@pytest.mark.parametrize("settings_module", SETTINGS_MODULES.values(), ids=SETTINGS_MODULES.keys())
def test_a_real_servers_log_shows_a_member_in_a_refused_path_only_masked(tmp_path, settings_module):
    with serve(tmp_path, workers=1, DJANGO_SETTINGS_MODULE=settings_module) as served:
        status, _ = get(served.port, f"/api/members/{PHONE}/export/")
        deadline = time.monotonic() + 5
        while "export/ HTTP/1.1" not in served.log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)  # the access line is written after the response
        text = served.log_path.read_text()
    assert status == 401
    assert f"Unauthorized: /api/members/{mask_phone(PHONE)}/export/" in text  # Django's own line, masked
    assert PHONE not in text
