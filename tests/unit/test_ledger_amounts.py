"""The ledger's formatted amounts (security.amounts.parse_ledger_amount, pure).

The MyCredex API answers with strings such as `"1,234.56 USD"`: each is read exactly, a missing denomination
is taken from the caller, malformed variants raise instead of rounding, and the grouped format reads back
exactly for every amount at each denomination's precision (property-tested against Python's own grouping).
"""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from security.amounts import LedgerAmountError, from_minor_units, parse_ledger_amount
from security.ledger_rules import DENOMINATIONS, Money


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56 USD", Money(Decimal("1234.56"), "USD")),
        ("-10.00 USD", Money(Decimal("-10.00"), "USD")),
        ("0.0312 XAU", Money(Decimal("0.0312"), "XAU")),
        ("1,000,000.000 CXX", Money(Decimal("1000000"), "CXX")),
        ("999.99 ZWG", Money(Decimal("999.99"), "ZWG")),
        ("1234.50 CAD", Money(Decimal("1234.50"), "CAD")),
        ("-0.00 USD", Money(Decimal("0"), "USD")),
        ("  5.00 USD ", Money(Decimal("5"), "USD")),
    ],
)
def test_ledger_amounts_are_read_exactly(text, expected):
    assert parse_ledger_amount(text) == expected


def test_a_ledger_amount_without_denomination_takes_the_given_one():
    assert parse_ledger_amount("10.00", denom="USD") == Money(Decimal("10"), "USD")
    assert parse_ledger_amount("10.00 USD", denom="USD") == Money(Decimal("10"), "USD")
    with pytest.raises(LedgerAmountError):
        parse_ledger_amount("10.00 USD", denom="ZWG")
    with pytest.raises(LedgerAmountError):
        parse_ledger_amount("10.00")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "USD",
        "1,23.45 USD",
        "1,2345.00 USD",
        "12.345 USD",
        "1e3 USD",
        "NaN USD",
        "10.00 EUR",
        "--5.00 USD",
        "+5.00 USD",
        "١٠ USD",
        "1" * 20 + " USD",
        "10.00 USD USD",
        None,
        12.5,
    ],
)
def test_malformed_ledger_amounts_raise_instead_of_rounding(text):
    with pytest.raises(LedgerAmountError):
        parse_ledger_amount(text)


@given(
    st.sampled_from(DENOMINATIONS).flatmap(
        lambda denom: st.tuples(
            st.integers(min_value=-(10**12), max_value=10**12).map(
                lambda units: from_minor_units(units, denom)
            ),
            st.just(denom),
        )
    )
)
def test_the_ledgers_grouped_format_reads_back_exactly(pair):
    money, denom = pair
    formatted = f"{money.amount:,f} {denom}"  # what Intl.NumberFormat produces: "1,234.56 USD"
    assert parse_ledger_amount(formatted) == money
