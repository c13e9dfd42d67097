"""Issue 24 point 2: an offer is checked against the dashboard before its confirmation screen, through the
signed webhook and the sandbox. Over the secured balance or today's limit the member reads what they can do
and stays on the step; nothing is stored (no instruction row) and the ledger is not touched. The ledger
keeps the last word: a figure that changed meanwhile is read afresh, and its refusal at Confirm still
stands (tests/e2e/test_offer.py, the float cases)."""

from __future__ import annotations

from collections import Counter

import pytest

from credex_api.models import Instruction
from tests.e2e.chat import options
from tests.e2e.test_ledger_calls import requests_of

pytestmark = pytest.mark.django_db(transaction=True)
CONFIRM_SCREEN = "Please confirm this offer"


def offers_made(ledger) -> int:
    return ledger.stats()["counts"]["credexesByStatus"].get("OFFERS", 0)


def offer_rows() -> int:
    return Instruction.objects.filter(action="credex_offer").count()


def assert_nothing_stored(ledger) -> None:
    assert offer_rows() == 0
    assert offers_made(ledger) == 0


def test_over_the_secured_balance_says_what_is_held_and_stays_on_the_choice(ledger, pair):
    a, b = pair
    a.say("offer")
    a.say("9")
    a.say(b.phone)
    a.tap("Secured")
    read = a.text()
    assert (
        "You have only 8.00 USD to back this: send it unsecured, or go back and offer 8.00 USD or less."
        in read
    )
    assert CONFIRM_SCREEN not in read
    assert {"Secured", "Unsecured", "Back"} <= set(options(a.last[-1]))
    assert_nothing_stored(ledger)
    a.tap("Unsecured")  # the way the sentence offers: on to the due date, then Confirm
    a.tap("In 2 weeks")
    assert CONFIRM_SCREEN in a.text()
    a.tap("Confirm")
    assert "Offer sent: 9.00 USD" in a.text()


def test_no_backing_in_that_denomination_names_the_ones_held(ledger, pair):
    a, b = pair
    a.say(f"5 ZWG=>{b.phone}")
    read = a.text()
    assert "You have no ZWG to back this: send it unsecured or offer USD." in read
    assert CONFIRM_SCREEN not in read
    assert_nothing_stored(ledger)


def test_over_todays_limit_says_how_much_more_and_asks_for_another_amount(ledger, pair):
    a, b = pair
    ledger.mint(a.phone, "20.00")
    a.say(f"5.11=>{b.phone}")
    a.tap("Confirm")
    assert "Offer sent: 5.11 USD" in a.text()
    Instruction.objects.filter(action="credex_offer").delete()  # what follows must store nothing
    a.say("offer")
    a.say("5")
    read = a.text()
    assert "You can offer 4.89 USD more today" in read and "type a smaller amount" in read
    assert CONFIRM_SCREEN not in read and "Who should receive" not in read
    assert offer_rows() == 0 and offers_made(ledger) == 1
    a.say("4.89")  # still on the amount step: the next amount is taken
    assert "Who should receive *4.89 USD*" in a.text()


def test_the_shorthand_over_todays_limit_asks_for_the_amount(ledger, pair):
    a, b = pair
    a.say(f"11=>{b.phone}")
    read = a.text()
    assert "You can offer 10.00 USD more today" in read and CONFIRM_SCREEN not in read
    assert_nothing_stored(ledger)
    a.say("3")
    assert "Who should receive *3.00 USD*" in a.text()


def test_a_due_date_outside_the_window_states_the_window(ledger, pair):
    a, b = pair
    a.say("offer")
    a.say("2")
    a.say(b.phone)
    a.tap("Unsecured")
    a.say("2000-01-01")
    read = a.text()
    assert "at least 7 days away" in read and "Please choose a date from " in read
    assert CONFIRM_SCREEN not in read
    assert_nothing_stored(ledger)


def test_a_balance_grown_since_the_flow_started_is_read_afresh(ledger, pair):
    a, b = pair
    a.say("offer")  # the dashboard read now holds 8.00 USD
    ledger.mint(a.phone, "5.00")
    a.say("9")
    a.say(b.phone)
    a.tap("Secured")
    assert CONFIRM_SCREEN in a.text() and "Amount: *9.00 USD*" in a.text()
    a.tap("Confirm")
    assert "Offer sent: 9.00 USD" in a.text()


def test_a_valid_offer_still_reaches_confirm(ledger, pair):
    a, b = pair
    a.say(f"8=>{b.phone}")
    assert CONFIRM_SCREEN in a.text() and "Amount: *8.00 USD*" in a.text()
    a.tap("Confirm")
    assert "Offer sent: 8.00 USD" in a.text()
    assert offers_made(ledger) == 1


def test_the_checks_read_the_dashboard_the_flow_started_with(ledger, pair):
    """Passing steps call the ledger no more than before (no login for the amount or the secured choice);
    only a refusal reads the dashboard afresh, once."""
    a, b = pair
    a.say("offer")
    assert requests_of(ledger, lambda: a.say("5")) == Counter()
    a.say(b.phone)
    assert requests_of(ledger, lambda: a.tap("Secured")) == Counter()
    assert CONFIRM_SCREEN in a.text()
    a.tap("Cancel")
    a.say("offer")
    assert requests_of(ledger, lambda: a.say("11")) == Counter({"login": 1})
    assert "You can offer 10.00 USD more today" in a.text()
