"""Forgiving input through the signed webhook against the sandbox: a local phone number as payee, `$5`,
`21 Dec`, a typed `1` on the menu, the greetings members use, and the question an unnamed denomination gets
when the member holds more than one (issue 24, point 1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows import texts
from tests.e2e.conftest import onboard

pytestmark = pytest.mark.django_db(transaction=True)


def local(phone: str) -> str:
    """`263771234567` as a member in Zimbabwe types it: `0771 234 567`."""
    national = phone[3:]
    return f"0{national[:3]} {national[3:6]} {national[6:]}"


def test_a_local_number_is_the_payee_with_the_members_own_country_code(pair):
    a, b = pair
    a.say("offer")
    a.say("2")  # an amount screen offers no options: a typed number stays the amount
    a.say(local(b.phone))
    assert "Offer *2.00 USD* to *Rudo Dube Personal* as:" in a.text()


def test_an_international_number_with_spaces_is_the_payee(pair):
    a, b = pair
    a.say(f"3=>+{b.phone[:3]} {b.phone[3:5]} {b.phone[5:8]} {b.phone[8:]}")
    assert "• Amount: *3.00 USD*" in a.text() and "Rudo Dube Personal" in a.text()


def test_a_dollar_sign_amount(pair):
    a, _b = pair
    a.say("offer")
    a.say("$5")
    assert "Who should receive *5.00 USD*?" in a.text()


def test_a_due_date_typed_as_day_and_month(pair):
    a, b = pair
    due = datetime.now(UTC).date() + timedelta(days=14)
    a.say(f"1->{b.phone}=pick")  # unsecured with an unreadable date: the due step asks
    a.say(f"{due.day} {due:%b}")
    assert f"• Due: *{due.isoformat()}*" in a.text()
    assert "Nothing is sent until you tap Confirm." in a.text()


def test_typing_1_on_the_menu_picks_its_first_option(pair):
    a, _b = pair
    a.say("menu")
    rows = [row["title"] for row in a.last[-1]["interactive"]["action"]["sections"][0]["rows"]]
    assert rows[0] == "Offer credex"
    a.say("1")
    assert "How much do you want to offer?" in a.text()
    assert texts.NOT_UNDERSTOOD not in a.text()


def test_typing_2_on_buttons_picks_the_second_and_a_number_beyond_them_stays_text(pair):
    a, b = pair
    a.say("offer")
    a.say("4")
    a.say(b.phone)  # the secured / unsecured / back screen
    a.say("9")
    assert texts.CHOOSE_AN_OPTION in a.text()
    a.say("2")
    assert "When will you pay?" in a.text()


@pytest.mark.parametrize("greeting", ["mhoroi", "Hie", "hi there", "Salibonani!"])
def test_the_greetings_members_use_open_the_dashboard(pair, greeting):
    a, _b = pair
    a.say(greeting)
    assert texts.NOT_UNDERSTOOD not in a.text()
    assert a.option("Offer credex")


def test_an_amount_without_a_denomination_is_a_question_when_the_member_holds_two(ledger, new_member):
    a, b = new_member(), new_member()
    onboard(a, "Tendai", "Moyo", denom="ZWG")
    onboard(b, "Rudo", "Dube")
    ledger.mint(a.phone, "8.00", "USD")
    a.say("offer")
    a.say("50")
    assert "Did you mean *50.00 ZWG (ZiG)*? You also hold USD" in a.text()
    assert "Who should receive" not in a.text()
    a.say("5 USD")
    assert "Who should receive *5.00 USD*?" in a.text()
    a.say(f"5=>{b.phone}")  # the shorthand asks too, rather than guessing
    assert "Did you mean *5.00 ZWG (ZiG)*?" in a.text()
    assert "Please confirm this offer" not in a.text()
    a.say(f"5 zig->{b.phone}")  # unsecured: no ZWG is held to back a secured one (flows.prechecks)
    assert "• Amount: *5.00 ZWG*" in a.text()


def test_a_typed_1_on_the_confirmation_keeps_its_single_use_and_freshness_rules(ledger, pair):
    a, b = pair
    a.say(f"2=>{b.phone}")
    stale = str(int(datetime.now(UTC).timestamp()) - 3600)
    a.say("1", timestamp=stale)  # an old "1" moves no money, as an old tap would not
    assert "too late to act on it safely" in a.text()
    a.say(f"2=>{b.phone}")
    a.say("1")
    assert "Offer sent: 2.00 USD to Rudo Dube Personal" in a.text()
    a.say("1")  # now on home: the first menu option, not a second offer
    assert "How much do you want to offer?" in a.text()
    assert ledger.stats()["counts"]["credexesByStatus"].get("OFFERS", 0) == 1
