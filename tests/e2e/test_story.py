"""The whole story through the signed webhook, the real Redis pair and the sandbox ledger over HTTP.

A onboards, receives sandbox credit, offers 12.50 USD secured to B; B accepts from the incoming list; both
dashboards show it. A offers unsecured with a due date and B declines; A offers again and cancels. A replayed
confirmation tap and a stale (old-timestamp) one execute nothing: the sandbox holds exactly the credexes
expected.
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.chat import body, options
from tests.e2e.conftest import onboard

pytestmark = pytest.mark.django_db(transaction=True)


def credexes_by_status(ledger) -> dict[str, int]:
    return ledger.stats()["counts"]["credexesByStatus"]


def test_the_whole_story(ledger, new_member):
    a, b = new_member(), new_member()
    onboard(a, "Tendai", "Moyo")
    assert "Welcome, Tendai!" in a.text() and a.phone in a.text()
    onboard(b, "Rudo", "Dube")
    ledger.mint(a.phone, "100.00")
    ledger.set_tier(3, phone=a.phone)  # the open tier may offer only 10 USD a day

    dashboard = a.say("hi")[0]
    assert "Secured: 100.00 USD" in body(dashboard)

    a.tap("Offer credex")
    a.say("12.50")
    a.say(b.phone)
    a.tap("Secured")
    confirm = a.last[0]
    assert "12.50 USD" in body(confirm) and "Rudo Dube" in body(confirm) and "Secured" in body(confirm)
    a.tap("Confirm")
    assert "Offer sent: 12.50 USD to Rudo Dube Personal" in a.text()
    assert "Secured: 87.50 USD" in a.text() and "Outgoing offers (1)" in str(a.last)

    b.say("hi")
    b.tap("Incoming offers (1)")
    b.tap("12.50 USD")
    assert "Tendai Moyo" in b.text()
    b.tap("Accept")
    assert "Accepted 12.50 USD from Tendai Moyo" in b.text()
    assert "Secured: 12.50 USD" in b.text()
    assert "Secured: 87.50 USD" in body(a.say("menu")[0])

    # unsecured with a due date, declined
    a.say(f"5 -> {b.phone}")
    a.tap("Confirm")
    b.say("incoming")
    b.tap("5.00 USD")
    b.tap("Decline")
    assert "Declined 5.00 USD" in b.text()

    # offered again and cancelled
    a.say(f"3=>{b.phone}")
    a.tap("Confirm")
    a.say("outgoing")
    a.tap("3.00 USD")
    a.tap("Cancel offer")
    assert "Cancelled your offer of 3.00 USD" in a.text()

    # a replayed tap on an old confirmation, and a stale confirmation, execute nothing
    a.say(f"2=>{b.phone}")
    confirm_id, _kind = a.option("Confirm")
    old = str(int(time.time()) - 3600)
    a.tap_id(confirm_id, "Confirm", timestamp=old)
    assert "too late" in a.text()
    a.say(f"2=>{b.phone}")
    replay_id, _kind = a.option("Confirm")
    a.tap_id(replay_id, "Confirm")
    a.tap_id(replay_id, "Confirm")
    assert "earlier message" in a.text()

    # the mint, 12.50 accepted, 5 declined, 3 cancelled, and the one 2.00 that was confirmed in time
    assert credexes_by_status(ledger) == {"OWES": 2, "DECLINED": 1, "CANCELLED": 1, "OFFERS": 1}
    assert ledger.stats()["requests"]["createCredex"] == 4
    a.say("ledger")
    b.say("ledger")
    assert "-12.50 USD" in options(a.last[0]) and "+100.00 USD" in options(a.last[0])
    assert "+12.50 USD" in options(b.last[0])
    b.tap("+12.50 USD")
    assert "Tendai Moyo" in b.text() and "Outstanding: 12.50 USD" in b.text()
