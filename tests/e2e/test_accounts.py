"""Create account, manage members and switch account through the signed webhook against the sandbox."""

from __future__ import annotations

import pytest

from tests.e2e.chat import body, options
from tests.e2e.conftest import onboard

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_below_tier_3_is_told_how_to_open_more_accounts(ledger, new_member):
    a = new_member()
    onboard(a)
    a.say("new account")
    assert "needs the Hustler tier" in a.text()
    assert "Create account" not in options(a.last[-1])


def test_create_an_account_authorise_a_member_who_switches_to_it_then_remove_them(ledger, new_member):
    a, b = new_member(), new_member()
    onboard(a, "Tendai", "Moyo")
    onboard(b, "Rudo", "Dube")
    ledger.set_tier(4, phone=a.phone)

    a.say("menu")
    a.tap("Create account")
    a.say("T")
    assert "3–50 letters, digits, spaces or hyphens" in a.text()
    a.say("Tendai Shop")
    a.say(a.phone)  # the personal account already has this handle
    assert f"The handle {a.phone} is already in use" in a.text()
    a.say("tendai_shop")
    a.tap("USD")
    assert "Handle: *tendai_shop*" in a.text()
    a.tap("Open account")
    assert "*Tendai Shop* is open" in a.text() and "*Tendai Shop*\nHandle: tendai_shop" in body(a.last[-1])
    assert {"Switch account", "Manage members"} <= set(options(a.last[-1]))

    a.tap("Manage members")
    a.tap("Add a member")
    a.say("nobody_here")
    assert "no member with the handle nobody_here" in a.text()
    a.say(b.phone)
    assert "Allow *Rudo Dube Personal*" in a.text()
    a.tap("Confirm")
    assert "Rudo Dube Personal may now act for this account." in a.text()
    assert "Rudo Dube" in options(a.last[-1])

    b.say("hi")
    b.tap("Switch account")
    b.tap("Tendai Shop")
    assert "You are now using *Tendai Shop*." in b.text() and "*Tendai Shop*\nHandle" in body(b.last[-1])

    a.tap("Rudo Dube")
    a.tap("Send offers here")
    assert "Rudo Dube now receives this account's offer notifications." in a.text()
    a.tap("Rudo Dube")
    a.tap("Remove")
    assert "Rudo Dube may no longer act for this account." in a.text()
    assert "Rudo Dube" not in options(a.last[-1])
    b.say("hi")
    assert "Switch account" not in options(b.last[-1])
