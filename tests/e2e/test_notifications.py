"""Issue 24 point 4: when a member acts on another member's credex through the bot, the other party is told.

The sandbox is set (`/devadmin/config` notifyUrl/notifyKey, as `SANDBOX_NOTIFY_URL`/`SANDBOX_NOTIFY_KEY` do)
to call the bot's real `POST /bot/notify`, served by a live server; the members talk through the signed
webhook; the fake Graph API records exactly what reached WhatsApp.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import timedelta

import pytest
import requests
from django.test import Client
from django.utils import timezone

from bot.models import InboxMessage
from tests.support.concurrency import run_together
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "e2e-notify-key-0123456789"
WHEN = r"on \d{1,2} [A-Z][a-z]{2} \d{4} at \d{2}:\d{2} CAT"


@pytest.fixture
def wired(ledger, live_server, settings, fake_graph):
    """The sandbox calls this bot's /bot/notify with the shared key."""
    settings.NOTIFY_API_KEY = KEY
    settings.WHATSAPP_BACKOFF_BASE_SECONDS = 0.0
    ledger.configure(notifyUrl=f"{live_server.url}/bot/notify", notifyKey=KEY)
    return fake_graph


def sent_to(graph, phone: str) -> list[dict]:
    """What the bot sent `phone` through the Graph API (the webhook turns answer in the HTTP reply)."""
    return [request.json for request in graph.to(f"+{phone}")]


def age_window(phone: str, hours: int = 25) -> None:
    """As if the member last wrote `hours` ago: their 24-hour window is closed."""
    InboxMessage.objects.filter(wa_id=phone).update(message_ts=timezone.now() - timedelta(hours=hours))


def offer(a, b, amount: str = "2") -> None:
    a.say(f"{amount}=>{b.phone}")
    a.tap("Confirm")


def confirm_decline(member) -> None:
    """Tap the confirmation where the flow asks for one (issue 24 point 3 adds it)."""
    with contextlib.suppress(AssertionError):
        member.tap("Decline")


def test_a_new_offer_inside_the_window_is_a_text_receipt(wired, pair):
    a, b = pair
    offer(a, b)
    (message,) = sent_to(wired, b.phone)
    assert message["type"] == "text"
    text = message["text"]["body"]
    assert re.fullmatch(rf"Rudo Dube, Tendai Moyo Personal offered you 2\.00 USD \(secured\) {WHEN}", text)
    assert a.phone not in json.dumps(message)  # no third party's number, no ids
    assert sent_to(wired, a.phone) == []  # the actor is not told of their own act


def test_a_new_offer_outside_the_window_is_the_approved_template(wired, pair):
    a, b = pair
    age_window(b.phone)
    offer(a, b)
    (message,) = sent_to(wired, b.phone)
    assert message["type"] == "template"
    assert message["template"]["name"] == "incoming_notification"
    params = [p["text"] for p in message["template"]["components"][0]["parameters"]]
    assert params[0] == "Rudo Dube"
    assert re.fullmatch(rf"Tendai Moyo Personal offered you 2\.00 USD \(secured\) {WHEN}", params[1])


def test_accept_tells_the_issuer(wired, pair):
    a, b = pair
    offer(a, b)
    b.say("incoming")
    b.tap("2.00 USD")
    b.tap("Accept")
    (receipt,) = sent_to(wired, a.phone)
    assert re.fullmatch(rf"Tendai Moyo, Rudo Dube Personal accepted your offer of 2\.00 USD {WHEN}",
                        receipt["text"]["body"])  # fmt: skip


def test_decline_tells_the_issuer_by_template_when_their_window_is_closed(wired, pair):
    a, b = pair
    offer(a, b, "3")
    age_window(a.phone)
    b.say("incoming")
    b.tap("3.00 USD")
    b.tap("Decline")
    confirm_decline(b)
    (receipt,) = sent_to(wired, a.phone)
    assert receipt["type"] == "template"
    params = [p["text"] for p in receipt["template"]["components"][0]["parameters"]]
    assert params[0] == "Tendai Moyo"
    assert re.fullmatch(rf"Rudo Dube Personal declined your offer of 3\.00 USD {WHEN}", params[1])


def test_cancel_tells_the_receiver(wired, pair):
    a, b = pair
    offer(a, b, "1.50")
    wired.requests.clear()
    a.say("outgoing")
    a.tap("1.50 USD")
    a.tap("Cancel offer")
    (receipt,) = sent_to(wired, b.phone)
    assert re.fullmatch(rf"Rudo Dube, Tendai Moyo Personal cancelled their offer of 1\.50 USD {WHEN}",
                        receipt["text"]["body"])  # fmt: skip


def test_a_notification_delivered_twice_is_sent_once(wired, pair, client: Client):
    _a, b = pair
    body = {"phone": b.phone, "memberName": "Rudo Dube", "message": "Tendai Moyo offered you 2.00 USD",
            "notificationID": "credex-1:offered"}  # fmt: skip
    answers = [
        client.post("/bot/notify", data=body, content_type="application/json", headers={"X-Notify-Key": KEY})
        for _ in range(2)
    ]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[1].json() == {"sent": True, "duplicate": True}
    assert len(sent_to(wired, b.phone)) == 1


def test_the_same_notification_ten_times_at_once_is_sent_once(wired, pair, live_server):
    _a, b = pair
    body = {"phone": b.phone, "memberName": "Rudo Dube", "message": "Tendai Moyo offered you 2.00 USD",
            "notificationID": "credex-2:offered"}  # fmt: skip
    statuses: list[int] = []

    def post() -> None:
        answer = requests.post(f"{live_server.url}/bot/notify", json=body, headers={"X-Notify-Key": KEY},
                               timeout=10)  # fmt: skip
        statuses.append(answer.status_code)

    assert run_together(post, [()] * 10) == []
    assert statuses == [200] * 10
    assert len(sent_to(wired, b.phone)) == 1


def test_switched_off_the_sandbox_tells_nobody(ledger, pair, fake_graph):
    a, b = pair
    offer(a, b)
    assert sent_to(fake_graph, b.phone) == []
