"""Onboarding, incoming and outgoing offers, and the dashboard menu, through the signed webhook against the
sandbox: validation re-prompts, back and cancel, accept all with its totals, and every dashboard row landing
on the screen its title names."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from bot.models import InboxMessage
from devtools import payloads as p
from tests.e2e.chat import body, options
from tests.e2e.conftest import onboard
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_onboarding_explains_the_name_rule_and_can_go_back_and_be_cancelled(ledger, new_member):
    a = new_member()
    a.say("hi")
    assert list(options(a.last[0])) == ["Become a member", "About credex"]
    a.tap("Become a member")
    a.say("Li")
    assert "3–50 letters" in a.text()
    a.say("Tendai")
    a.say("back")
    assert "first name" in a.text()
    a.say("Tendai")
    a.say("Moyo")
    a.tap("ZWG")
    assert "Name: *Tendai Moyo*" in a.text() and "Denomination: *ZWG*" in a.text()
    a.tap("Cancel")
    assert "Cancelled" in a.text() and "Become a member" in options(a.last[-1])
    members_before = ledger.stats()["counts"]["members"]
    onboard(a, "Tendai", "Moyo", "ZWG")
    assert ledger.stats()["counts"]["members"] == members_before + 1
    assert "Welcome, Tendai!" in a.text() and "Open* tier" in a.text()


def test_accept_all_states_count_and_totals_then_accepts_them(ledger, new_member):
    a, b = new_member(), new_member()
    onboard(a, "Tendai", "Moyo")
    onboard(b, "Rudo", "Dube")
    ledger.mint(a.phone, "9.00")
    for amount in ("1", "2.50", "3"):
        a.say(f"{amount}=>{b.phone}")
        a.tap("Confirm")
    b.say("incoming")
    assert {"1.00 USD", "2.50 USD", "3.00 USD", "Accept all (3)"} <= set(options(b.last[0]))
    b.tap("Accept all (3)")
    assert "Accept all 3 incoming offers, totalling *6.50 USD*?" in b.text()
    b.tap("Accept all")
    assert "Accepted 3 offer(s)." in b.text() and "Secured: 6.50 USD" in b.text()
    assert ledger.stats()["counts"]["credexesByStatus"] == {"OWES": 4}


def test_every_dashboard_row_lands_where_its_title_says(ledger, new_member):
    a, b = new_member(), new_member()
    onboard(a, "Tendai", "Moyo")
    onboard(b, "Rudo", "Dube")
    ledger.mint(a.phone, "5.00")
    a.say(f"1=>{b.phone}")
    a.tap("Confirm")
    dashboard = a.say("menu")[0]
    expected = {
        "Offer credex": "How much do you want to offer?",
        "Incoming offers (0)": "You have no incoming offers right now.",
        "Outgoing offers (1)": "Your offers not yet accepted (1).",
        "Ledger": "Your ledger, entries 1–1.",
        "Upgrade tier": "*Hustler tier*",
        "Help": "What would you like to know?",
    }
    assert list(options(dashboard)) == list(expected)
    for title, landing in expected.items():
        a.say("menu")
        a.tap(title)
        assert landing in a.text(), title


def test_an_unsupported_message_mid_flow_is_answered_and_keeps_the_step(ledger, new_member):
    a = new_member()
    onboard(a)
    a.say("offer")
    a.deliver(p.image_message(sender=a.phone))
    assert "I can read text and button taps only" in a.text() and "How much" in body(a.last[0])


def test_a_session_that_expires_mid_flow_says_so_and_forgets_the_flow(ledger, new_member, settings):
    a = new_member()
    onboard(a)
    settings.CONVERSATION_IDLE_TTL_SECONDS = 1
    a.say("offer")
    a.say("5")
    time.sleep(1.3)
    a.say("263770000099")
    assert "Your session timed out" in a.text() and "Nothing was sent" in a.text()
    assert "Offer credex" in options(a.last[-1])  # the dashboard, not the half-remembered flow


def test_accepting_an_offer_cancelled_meanwhile_says_it_is_no_longer_pending(ledger, new_member):
    a, b = new_member(), new_member()
    onboard(a, "Tendai", "Moyo")
    onboard(b, "Rudo", "Dube")
    ledger.mint(a.phone, "5.00")
    a.say(f"2=>{b.phone}")
    a.tap("Confirm")
    b.say("incoming")
    b.tap("2.00 USD")
    a.say("outgoing")
    a.tap("2.00 USD")
    a.tap("Cancel offer")
    b.tap("Accept")
    assert "That offer is no longer pending, so nothing was changed." in b.text()
    assert ledger.stats()["counts"]["credexesByStatus"] == {"OWES": 1, "CANCELLED": 1}


def test_the_notification_quick_reply_opens_the_incoming_offers(
    ledger, new_member, fake_graph, client, settings
):
    a, b = new_member(), new_member()
    onboard(a, "Tendai", "Moyo")
    onboard(b, "Rudo", "Dube")
    ledger.mint(a.phone, "5.00")
    a.say(f"2=>{b.phone}")
    a.tap("Confirm")
    settings.NOTIFY_API_KEY = "e2e-notify-key"
    old = timezone.now() - timedelta(hours=25)  # outside the 24-hour window: the template
    InboxMessage.objects.filter(wa_id=b.phone).update(message_ts=old)
    body = {"phone": b.phone, "memberName": "Rudo Dube", "message": "Tendai Moyo offered you 2.00 USD"}
    answer = client.post("/bot/notify", data=body, content_type="application/json",
                         headers={"X-Notify-Key": "e2e-notify-key"})  # fmt: skip
    assert answer.status_code == 200
    template = fake_graph.requests[-1].json["template"]
    payload = template["components"][1]["parameters"][0]["payload"]
    b.deliver(p.quick_reply(payload, "View offers", sender=b.phone))
    assert "Offers waiting for your answer (1)" in b.text() and "2.00 USD" in options(b.last[-1])
