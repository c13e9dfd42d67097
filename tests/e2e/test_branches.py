"""Per-branch conversations through the signed webhook against the sandbox: cancel and back at every step
of the offer and onboarding flows (nothing executed), the tier upgrade, and ledger paging."""

from __future__ import annotations

import pytest

from tests.e2e.chat import Member, options
from tests.e2e.conftest import onboard

pytestmark = pytest.mark.django_db(transaction=True)


def offer_steps(a: Member, payee: str) -> list:
    """Each step of a step-by-step offer, as the action that reaches it."""
    return [
        lambda: a.say("offer"),  # amount
        lambda: a.say("3"),  # handle
        lambda: a.say(payee),  # secured or unsecured
        lambda: a.tap("Unsecured"),  # due date
        lambda: a.tap("In 1 week"),  # confirmation
    ]


@pytest.mark.parametrize("stop_at", range(5))
def test_cancel_at_each_offer_step_sends_nothing(ledger, new_member, stop_at):
    a, b = new_member(), new_member()
    onboard(a)
    onboard(b, "Rudo", "Dube")
    for step in offer_steps(a, b.phone)[: stop_at + 1]:
        step()
    a.say("cancel")
    assert "Cancelled. Nothing was sent." in a.text() and "Offer credex" in options(a.last[-1])
    assert ledger.stats()["counts"]["credexesByStatus"].get("OFFERS", 0) == 0


def test_back_walks_the_offer_steps_in_reverse(ledger, new_member):
    a, b = new_member(), new_member()
    onboard(a)
    onboard(b, "Rudo", "Dube")
    for step in offer_steps(a, b.phone):
        step()
    expected = ["When will you pay?", "as:\n• *Secured*", "Who should receive *3.00 USD*?", "How much"]
    for landing in expected:
        a.say("back")
        assert landing in a.text(), landing


@pytest.mark.parametrize("stop_at", range(4))
def test_cancel_at_each_onboarding_step_creates_no_member(ledger, new_member, stop_at):
    a = new_member()
    a.say("hi")
    steps = [lambda: a.tap("Become a member"), lambda: a.say("Tendai"), lambda: a.say("Moyo"),
             lambda: a.tap("USD")]  # fmt: skip
    members = ledger.stats()["counts"]["members"]
    for step in steps[: stop_at + 1]:
        step()
    a.say("cancel")
    assert "Cancelled" in a.text() and "Become a member" in options(a.last[-1])
    assert ledger.stats()["counts"]["members"] == members


def test_the_tier_upgrade_subscribes_once_and_can_be_declined(ledger, new_member):
    a = new_member()
    onboard(a)
    ledger.mint(a.phone, "3.00")
    a.tap("Upgrade tier")
    a.tap("Not now")
    assert "Cancelled" in a.text() and ledger.stats()["counts"]["recurring"] == 0
    a.tap("Upgrade tier")
    assert "1.00 USD secured every 28 days" in a.text()
    a.tap("Subscribe")
    assert "takes effect after the ledger's next daily run" in a.text()
    assert ledger.stats()["counts"]["recurring"] == 1
    a.say("upgrade")  # still tier 1 until the daily run: the offer is shown again, the ledger refuses
    a.tap("Subscribe")
    assert "active subscription exists" in a.text() and "nothing was changed" in a.text()
    assert ledger.stats()["counts"]["recurring"] == 1


def test_the_ledger_pages_seven_entries_at_a_time(ledger, new_member):
    a = new_member()
    onboard(a)
    for _ in range(9):
        ledger.mint(a.phone, "1.00")
    a.say("ledger")
    first = options(a.last[-1])
    assert "Your ledger, entries 1–7." in a.text() and "Next" in first and "Previous" not in first
    a.tap("Next")
    second = options(a.last[-1])
    assert "Your ledger, entries 8–9." in a.text() and "Previous" in second and "Next" not in second
    a.tap("Previous")
    assert "Your ledger, entries 1–7." in a.text()
