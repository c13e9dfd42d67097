"""The bot's ledger rules (`security.ledger_rules`) and the sandbox's own copy agree.

The sandbox stands for credex-core, another service, so it keeps its rules apart on purpose; these tests fail
when one side changes a denomination, its decimals, the handle pattern, the name lengths or the due-date
window without the other.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from sandbox.ledger import formatting, units
from sandbox.ledger import validation as sandbox_rules
from security import ledger_rules
from security.ledger_rules import Money

TODAY = date(2026, 1, 10)
HANDLES = ("abc", "ab", "a" * 30, "a" * 31, "my_shop", "my-shop", "263771234567", "credex.dco", "é1a")


def test_both_know_the_same_denominations():
    assert sorted(ledger_rules.DENOMINATIONS) == sorted(units.DENOMINATIONS)
    assert set(ledger_rules.DENOMINATION_NAMES) == set(ledger_rules.DENOMINATIONS)


@pytest.mark.parametrize("denom", sorted(units.DENOMINATIONS))
def test_each_denomination_has_the_same_decimals(denom):
    assert ledger_rules.DECIMAL_PLACES[denom] == formatting.decimals_for(denom)


@pytest.mark.parametrize("handle", HANDLES)
def test_a_handle_is_accepted_by_both_or_by_neither(handle):
    bot = ledger_rules.HANDLE.fullmatch(handle) is not None
    sandbox = sandbox_rules.HANDLE_RE.match(handle) is not None
    assert bot == sandbox


def test_the_handle_patterns_are_the_same_text():
    assert sandbox_rules.HANDLE_RE.pattern == f"^{ledger_rules.HANDLE_PATTERN}$"


@pytest.mark.parametrize("length", [2, 3, 50, 51])
def test_name_lengths_agree(length):
    name = "A" * length
    bot = ledger_rules.NAME_MIN_LENGTH <= length <= ledger_rules.NAME_MAX_LENGTH
    try:
        sandbox_rules.check_name(name, "firstname")
        sandbox = True
    except sandbox_rules.InvalidValueError:
        sandbox = False
    assert bot == sandbox


def test_the_due_date_window_is_the_sandbox_window():
    first, last = ledger_rules.due_date_window(TODAY)
    assert first == TODAY + timedelta(days=sandbox_rules.FIRST_DUE_DAYS)
    assert last == TODAY + timedelta(days=sandbox_rules.CREDSPAN_DAYS - 1)  # the sandbox's bound is exclusive


def test_money_is_exact_and_held_at_the_denominations_decimals():
    assert Money(Decimal("12.5"), "USD").amount.as_tuple().exponent == -2
    assert str(Money(Decimal("0.0125"), "XAU")) == "0.0125 XAU"
    with pytest.raises(ValueError):
        Money(Decimal("12.505"), "USD")  # never rounded
    with pytest.raises(ValueError):
        Money(Decimal("1"), "EUR")
    with pytest.raises(TypeError):
        Money(12.5, "USD")  # type: ignore[arg-type]  # never a float
