"""`flows.prechecks` alone: which standing refuses which offer, and which the ledger is left to decide."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flows.prechecks import over_backing, over_limit

OWNER = {"owned": True, "left_usd": "4.89", "backing": {"USD": "8.00", "XAU": "0.0000"}}


@pytest.mark.parametrize(
    ("amount", "denom", "data", "expected"),
    [
        ("4.89", "USD", OWNER, None),  # exactly what is left: the ledger decides (its float check)
        ("4.90", "USD", OWNER, "You can offer 4.89 USD more today"),
        ("1.00", "USD", {**OWNER, "left_usd": "0.00"}, "You have used today's limit"),
        ("50", "USD", {**OWNER, "left_usd": None}, None),  # no limit on the tier
        ("50", "USD", {**OWNER, "owned": False}, None),  # another owner's limit: not on this dashboard
        ("50", "ZWG", OWNER, None),  # needs the day's rate: the ledger decides
    ],
)
def test_the_daily_limit(amount, denom, data, expected):
    said = over_limit(Decimal(amount), denom)(data)
    assert said is None if expected is None else expected in said


@pytest.mark.parametrize(
    ("amount", "denom", "expected"),
    [
        ("8.00", "USD", None),
        ("8.01", "USD", "You have only 8.00 USD to back this"),
        ("1", "ZWG", "You have no ZWG to back this: send it unsecured or offer USD."),
        ("0.0001", "XAU", "You have no XAU to back this: send it unsecured or offer USD."),
    ],
)
def test_the_secured_balance(amount, denom, expected):
    said = over_backing(Decimal(amount), denom)(OWNER)
    assert said is None if expected is None else expected in said


def test_nothing_held_anywhere_offers_only_unsecured():
    said = over_backing(Decimal(1), "USD")({"backing": {}})
    assert said == "You have no USD to back this: send it unsecured."
