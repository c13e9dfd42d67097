"""Ledger requests a turn does not need (issue 19, scope 5), counted at the sandbox: the dashboard a change's
own answer already carries is not read again with a second login in the same turn — and the member reads
exactly the dashboard a fresh login would show.
"""

from __future__ import annotations

from collections import Counter

import pytest

from credex_api.client import get_client
from tests.e2e.chat import body
from tests.e2e.conftest import onboard

pytestmark = pytest.mark.django_db(transaction=True)


def requests_of(ledger, turn) -> Counter:
    before = Counter(ledger.stats()["requests"])
    turn()
    return Counter(ledger.stats()["requests"]) - before


def dashboard_read(member) -> tuple[str, dict]:
    """The dashboard the member reads last (the turn's own sentences come before it) and its menu."""
    last = member.last[-1]
    text = body(last)
    return text[text.rfind("\n\n*") + 2 :] if "\n\n*" in text else text, last["interactive"]["action"]


def test_opening_an_account_shows_the_dashboard_its_answer_carries_without_a_login(ledger, new_member):
    newcomer = new_member()
    newcomer.say("hi")
    newcomer.tap("Become a member")
    newcomer.say("Tendai")
    newcomer.say("Moyo")
    newcomer.tap("USD")

    used = requests_of(ledger, lambda: newcomer.tap("Open account"))

    assert used == Counter({"onboardMember": 1})
    shown = dashboard_read(newcomer)
    newcomer.say("hi")
    assert "Handle:" in shown[0] and shown == dashboard_read(newcomer)


def test_a_confirm_after_the_token_expired_logs_in_once(ledger, new_member):
    payer, payee = new_member(), new_member()
    onboard(payer, "Tendai", "Moyo")
    onboard(payee, "Rudo", "Dube")
    ledger.mint(payer.phone, "5.00")
    payer.say(f"1=>{payee.phone}")
    get_client().tokens.forget(payer.phone)  # the member took longer than the token's 4 minutes

    used = requests_of(ledger, lambda: payer.tap("Confirm"))

    assert used == Counter({"login": 1, "createCredex": 1})
    assert "Offer sent: 1.00 USD to Rudo Dube" in payer.text()
    shown = dashboard_read(payer)
    payer.say("hi")
    assert "Outgoing offers (1)" in str(shown[1]) and shown == dashboard_read(payer)
