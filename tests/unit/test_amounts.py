"""The strict amount grammar, exact rendering and `Money` (security.amounts, pure).

Covers: every accepted form; a table of hostile inputs, each refused with the reason the member will read;
the property `parse(render(x)) == x` for every amount at each denomination's precision up to the maximum;
that arbitrary text only ever raises `InvalidAmount` and anything accepted is within bounds; the maximum
(inclusive, and configurable); `Money` refusing floats and extra decimals; minor units. The ledger's
`"1,234.56 USD"` strings are test_ledger_amounts.py's.
"""

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from security import amounts
from security.amounts import (
    InvalidAmount,
    from_minor_units,
    parse_amount,
    render_amount,
    render_number,
    to_minor_units,
)
from security.ledger_rules import DECIMAL_PLACES, DENOMINATIONS, Money
from security.validation import InvalidInput

MAX = Decimal("1000000")


def parse(text: str, default: str = "USD", maximum: Decimal = MAX) -> Money:
    return parse_amount(text, default_denom=default, max_amount=maximum)


def reason_of(text: str, default: str = "USD") -> str:
    with pytest.raises(InvalidAmount) as caught:
        parse(text, default)
    return caught.value.reason


def usd(text: str) -> Money:
    return Money(Decimal(text), "USD")


# --- Accepted forms --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50", usd("50")),
        ("50.5", usd("50.50")),
        ("50.50", usd("50.50")),
        ("0.25", usd("0.25")),
        ("0.01", usd("0.01")),
        ("50 USD", usd("50")),
        ("USD 50", usd("50")),
        ("50usd", usd("50")),
        ("usd50", usd("50")),
        ("  12.50   Usd  ", usd("12.50")),
        ("0.25 XAU", Money(Decimal("0.25"), "XAU")),
        ("0.0001 xau", Money(Decimal("0.0001"), "XAU")),
        ("1.125 CXX", Money(Decimal("1.125"), "CXX")),
        ("zwg 7", Money(Decimal("7"), "ZWG")),
        ("9.99\tcad", Money(Decimal("9.99"), "CAD")),
        ("1000000", usd("1000000")),
    ],
)
def test_accepted_forms(text, expected):
    assert parse(text) == expected


def test_the_member_default_denomination_applies_when_none_is_typed():
    assert parse("3", default="ZWG") == Money(Decimal("3"), "ZWG")
    assert parse("3 USD", default="ZWG") == usd("3")


def test_a_parsed_amount_carries_exactly_the_denominations_decimals():
    assert str(parse("50").amount) == "50.00"
    assert str(parse("0.5 XAU").amount) == "0.5000"
    assert render_amount(parse("12.5")) == "12.50 USD"
    assert render_number(parse("7 cxx")) == "7.000"


# --- Hostile inputs ----------------------------------------------------------------------------------------

TOO_LARGE = amounts.TOO_LARGE.format(maximum="1000000 USD")


HOSTILE = [
    ("1e3", amounts.EXPONENT),
    ("1E3", amounts.EXPONENT),
    ("2.5e-2", amounts.EXPONENT),
    ("inf", amounts.NOT_A_NUMBER),
    ("NaN", amounts.NOT_A_NUMBER),
    ("Infinity", amounts.NOT_A_NUMBER),
    ("-inf USD", amounts.NOT_A_NUMBER),
    ("١٠٠", amounts.NOT_ASCII_DIGITS),
    ("５０", amounts.NOT_ASCII_DIGITS),
    ("५० USD", amounts.NOT_ASCII_DIGITS),
    ("1_000", amounts.SEPARATORS.format(plain="1000")),
    ("1,000", amounts.SEPARATORS.format(plain="1000")),
    ("1,000,000.50 USD", amounts.SEPARATORS.format(plain="1000000.50")),
    ("10 000", amounts.SEPARATORS.format(plain="10000")),
    ("12,50", amounts.DECIMAL_COMMA),
    ("-0", amounts.SIGN),
    ("+5", amounts.SIGN),
    ("-5", amounts.SIGN),
    ("USD -5", amounts.SIGN),
    ("0", amounts.ZERO),
    ("0.00", amounts.ZERO),
    ("0.000 CXX", amounts.ZERO),
    ("1" * 30, TOO_LARGE),
    ("9" * 16, TOO_LARGE),
    ("1" * 80, TOO_LARGE),
    ("1000000.01", TOO_LARGE),
    ("1.005 USD", amounts.TOO_MANY_DECIMALS.format(denom="USD", places=2, example="12.50 USD")),
    ("50.500", amounts.TOO_MANY_DECIMALS.format(denom="USD", places=2, example="12.50 USD")),
    ("0.001 ZWG", amounts.TOO_MANY_DECIMALS.format(denom="ZWG", places=2, example="12.50 ZWG")),
    ("0.00001 XAU", amounts.TOO_MANY_DECIMALS.format(denom="XAU", places=4, example="0.0125 XAU")),
    ("1.0001 CXX", amounts.TOO_MANY_DECIMALS.format(denom="CXX", places=3, example="12.125 CXX")),
    ("12.5.0", amounts.FORMAT),
    ("", amounts.EMPTY),
    ("   ", amounts.EMPTY),
    ("USD", amounts.MISSING_NUMBER),
    ("usd cad", amounts.MISSING_NUMBER),
    ("hello", amounts.FORMAT),
    ("50 EUR", amounts.UNKNOWN_DENOMINATION),
    ("50 rand", amounts.UNKNOWN_DENOMINATION),  # "50 dollars" is 50 USD (tests/unit/test_parse_input.py)
    ("50 USD USD", amounts.FORMAT),
    ("USD 50 USD", amounts.FORMAT),
    ("50 uſd", amounts.FORMAT),  # "ſ".upper() == "S": case is changed only after the ASCII check
    ("£50", amounts.CURRENCY_SYMBOL),  # "$50" is 50 USD (tests/unit/test_parse_input.py)
    ("50€", amounts.CURRENCY_SYMBOL),
    (".5", amounts.DECIMAL_POINT),
    ("5.", amounts.DECIMAL_POINT),
    ("USD .5", amounts.DECIMAL_POINT),
    ("007", amounts.LEADING_ZEROS.format(plain="7")),
    ("00.5", amounts.LEADING_ZEROS.format(plain="0.5")),
    ("0x10", amounts.FORMAT),
    ("5 0", amounts.FORMAT),
    ("50\x00", amounts.FORMAT),
    ("x" * 200, amounts.FORMAT),
]


@pytest.mark.parametrize(("text", "reason"), HOSTILE)
def test_hostile_inputs_are_refused_with_a_reason_saying_what_to_type(text, reason):
    assert reason_of(text) == reason


def test_every_reason_is_a_sentence_and_the_hostile_table_reaches_each_one():
    public = vars(amounts).items()
    reasons = {
        value
        for name, value in public
        if name.isupper() and not name.startswith("_") and isinstance(value, str)
    }
    assert len(reasons) == 16
    for reason in reasons:
        assert reason[0].isupper() and reason.endswith("."), reason
    reached = {reason for _, reason in HOSTILE}
    for reason in reasons:
        template_head = reason.split("{")[0]
        assert any(seen.startswith(template_head) for seen in reached), reason
    assert amounts.UNKNOWN_DENOMINATION.startswith("I know USD, ZWG, CAD, XAU and CXX.")


def test_invalid_amount_is_an_invalid_input_carrying_only_the_reason():
    with pytest.raises(InvalidInput) as caught:
        parse("1,000")
    assert str(caught.value) == caught.value.reason


def test_the_maximum_is_inclusive_and_comes_from_the_caller():
    assert parse("250.00", maximum=Decimal("250")) == usd("250")
    with pytest.raises(InvalidAmount) as caught:
        parse("250.01", maximum=Decimal("250"))
    assert caught.value.reason == amounts.TOO_LARGE.format(maximum="250 USD")
    with pytest.raises(InvalidAmount):
        parse("1.5 XAU", maximum=Decimal("1.25"))


@pytest.mark.parametrize("maximum", [Decimal(0), Decimal(-1), Decimal("NaN"), Decimal("Infinity"), 1000, 1e6])
def test_a_bad_maximum_is_a_programming_error_not_a_member_error(maximum):
    with pytest.raises(ValueError) as caught:
        parse_amount("5", default_denom="USD", max_amount=maximum)
    assert not isinstance(caught.value, InvalidAmount)


def test_an_unknown_default_denomination_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_amount("5", default_denom="EUR", max_amount=MAX)


# --- Properties ------------------------------------------------------------------------------------------


@st.composite
def money_up_to_max(draw):
    denom = draw(st.sampled_from(DENOMINATIONS))
    places = DECIMAL_PLACES[denom]
    units = draw(st.integers(min_value=1, max_value=int(MAX) * 10**places))
    return from_minor_units(units, denom)


@settings(max_examples=600, deadline=None)
@given(money_up_to_max(), st.sampled_from(DENOMINATIONS))
def test_parse_of_render_is_the_identity_for_every_amount_at_every_precision(money, default):
    rendered = render_amount(money)
    parsed = parse(rendered, default)
    assert parsed == money
    assert render_amount(parsed) == rendered
    assert parse(render_number(money), money.denom) == money
    assert parse(f"{money.denom.lower()} {render_number(money)}", default) == money


@given(money_up_to_max())
def test_minor_units_round_trip(money):
    units = to_minor_units(money)
    assert isinstance(units, int) and units > 0
    assert from_minor_units(units, money.denom) == money
    assert render_number(money).replace(".", "").lstrip("0") == str(units)


def test_the_smallest_and_largest_amounts_of_each_denomination():
    for denom, places in DECIMAL_PLACES.items():
        smallest = f"0.{'0' * (places - 1)}1"
        assert parse(f"{smallest} {denom}") == from_minor_units(1, denom)
        assert parse(f"1000000 {denom}") == from_minor_units(10**6 * 10**places, denom)


HOSTILE_ALPHABET = "0123456789.,_ -+eEinfaINFAsudUSDcxCXzwgZWG$€١５\t\n'"


@settings(max_examples=800, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=HOSTILE_ALPHABET, max_size=24)))
def test_arbitrary_text_only_ever_raises_invalid_amount_and_accepted_amounts_are_in_bounds(text):
    try:
        money = parse(text)
    except InvalidAmount as refused:
        assert refused.reason
        return
    assert Decimal(0) < money.amount <= MAX
    assert money.amount.as_tuple().exponent == -DECIMAL_PLACES[money.denom]
    assert text.strip().isascii()


def test_the_money_module_never_uses_float():
    tree = ast.parse(Path(amounts.__file__).read_text())
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert "float" not in names


# --- Money -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "denom", "error"),
    [
        (12.5, "USD", TypeError),
        (Decimal("NaN"), "USD", TypeError),
        (Decimal("1.005"), "USD", ValueError),
        (Decimal("1"), "EUR", ValueError),
        (Decimal("1e15"), "USD", ValueError),
    ],
)
def test_money_refuses_floats_extra_decimals_unknown_denominations_and_huge_amounts(amount, denom, error):
    with pytest.raises(error):
        Money(amount, denom)


def test_money_equality_ignores_how_the_decimal_was_written():
    assert Money(Decimal("12.5"), "USD") == Money(Decimal("12.50"), "USD")
    assert hash(Money(Decimal("12.5"), "USD")) == hash(Money(Decimal("12.50"), "USD"))
    assert Money(Decimal("12.5"), "USD") != Money(Decimal("12.5"), "CAD")


def test_from_minor_units_refuses_floats_bools_and_overflow():
    for bad in (12.5, True, "1250"):
        with pytest.raises(TypeError):
            from_minor_units(bad, "USD")
    with pytest.raises(ValueError):
        from_minor_units(10**17, "USD")
