"""The forgiving readers of `security.parse_input`, one table per kind (accepted rows and refused rows), and
the strict validators that use them (`parse_handle`, `parse_due_date`, `parse_amount`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from flows.words import GREETINGS, normalize
from security import validation as v
from security.amounts import InvalidAmount, parse_amount
from security.ledger_rules import Money
from security.parse_input import read_amount_text, read_date, read_ordinal, read_phone, spoken

OWN = "263771000001"
TODAY = date(2026, 12, 8)

PHONES = [
    ("+263 77 123 4567", OWN, "263771234567"),
    ("263771234567", OWN, "263771234567"),
    ("0771 234 567", OWN, "263771234567"),
    ("077-123-4567", OWN, "263771234567"),
    ("(077) 123 4567", OWN, "263771234567"),
    ("00263 77 123 4567", OWN, "263771234567"),
    ("0712 345 678", "27821234567", "27712345678"),  # a South African member's local number
    # not phone numbers, or not readable exactly: None (the handle rules answer)
    ("0771 234 567", "", None),  # a local number without the member's own number: no guess
    ("0771 234 567", "u1a2b3", None),  # an opaque member key has no country code
    ("my_shop", OWN, None),
    ("+0771234567", OWN, None),
    ("+263 77 12", OWN, "2637712"),
    ("12", OWN, None),
    ("+263 77 123 4567 8901 23", OWN, None),  # more than 15 digits
    ("٢٦٣٧٧١٢٣٤٥٦٧", OWN, None),
    ("", OWN, None),
]


PHONE_IDS = [f"{row[0]!r}-{row[1] or 'no own'}" for row in PHONES]


@pytest.mark.parametrize(("typed", "own", "handle"), PHONES, ids=PHONE_IDS)
def test_read_phone(typed, own, handle):
    assert read_phone(typed, own) == handle


@pytest.mark.parametrize(
    ("typed", "handle"),
    [("+263 77 123 4567", "263771234567"), ("0771 234 567", "263771234567"), ("My_Shop", "my_shop")],
)
def test_parse_handle_reads_phone_numbers_with_the_members_own_country_code(typed, handle):
    assert v.parse_handle(typed, own=OWN) == handle


def test_parse_handle_still_refuses_a_spaced_number_it_cannot_complete():
    with pytest.raises(v.InvalidInput):
        v.parse_handle("0771 234 567")


AMOUNTS = [
    ("$5", Money(Decimal(5), "USD")),
    ("$ 5.50", Money(Decimal("5.50"), "USD")),
    ("US$5", Money(Decimal(5), "USD")),
    ("5$", Money(Decimal(5), "USD")),
    ("5 dollars", Money(Decimal(5), "USD")),
    ("5 USD", Money(Decimal(5), "USD")),
    ("usd 5", Money(Decimal(5), "USD")),
    ("50 ZiG", Money(Decimal(50), "ZWG")),
    ("ZIG 50", Money(Decimal(50), "ZWG")),
    ("50 zwg", Money(Decimal(50), "ZWG")),
    ("50", Money(Decimal(50), "CAD")),  # nothing named: the default the caller passes
    # refused, with the strict grammar's reasons
    ("$5 USD", InvalidAmount),
    ("50€", InvalidAmount),
    ("5 rand", InvalidAmount),
    ("$", InvalidAmount),
    ("$-5", InvalidAmount),
    ("$1,000", InvalidAmount),
    ("5 dollarz", InvalidAmount),
]


@pytest.mark.parametrize(("typed", "expected"), AMOUNTS, ids=[row[0] for row in AMOUNTS])
def test_parse_amount_reads_everyday_denomination_names(typed, expected):
    if expected is InvalidAmount:
        with pytest.raises(InvalidAmount):
            parse_amount(typed, default_denom="CAD", max_amount=Decimal(1000))
    else:
        assert parse_amount(typed, default_denom="CAD", max_amount=Decimal(1000)) == expected


@pytest.mark.parametrize(
    ("typed", "named"),
    [("50", False), (" 50.5 ", False), ("$50", True), ("50 dollars", True), ("zig 5", True), ("5 usd", True)],
)
def test_read_amount_text_says_whether_a_denomination_was_named(typed, named):
    assert read_amount_text(typed)[1] is named


def test_spoken_names_zig():
    assert spoken("ZWG") == "ZWG (ZiG)"
    assert spoken("USD") == "USD"


DATES = [
    ("2026-12-21", date(2026, 12, 21)),
    ("21/12/2026", date(2026, 12, 21)),
    ("1/1/2027", date(2027, 1, 1)),
    ("21 Dec", date(2026, 12, 21)),
    ("21 dec.", date(2026, 12, 21)),
    ("21st December", date(2026, 12, 21)),
    ("21 December 2026", date(2026, 12, 21)),
    ("Dec 21", date(2026, 12, 21)),
    ("5 Jan", date(2027, 1, 5)),  # no year: the next 5 January on or after today
    ("8 Dec", date(2026, 12, 8)),
    ("29 Feb", date(2028, 2, 29)),
    # not dates
    ("2026/12/21", None),
    ("20261221", None),
    ("2026-1-21", None),
    ("21 Decx", None),
    ("21 fooember", None),
    ("next friday", None),
    ("21", None),
    ("２０２６-１２-２１", None),
    ("", None),
]


@pytest.mark.parametrize(("typed", "expected"), DATES, ids=[row[0] or "empty" for row in DATES])
def test_read_date(typed, expected):
    assert read_date(typed, today=TODAY) == expected


@pytest.mark.parametrize("typed", ["31/02/2026", "2026-02-30", "32 Dec", "30 Feb", "0 Dec", "21/13/2026"])
def test_read_date_refuses_dates_that_do_not_exist(typed):
    with pytest.raises(ValueError):
        read_date(typed, today=TODAY)


def test_parse_due_date_takes_each_form_and_keeps_the_ledger_window():
    assert v.parse_due_date("21 Dec", today=TODAY) == date(2026, 12, 21)
    assert v.parse_due_date("21/12/2026", today=TODAY) == date(2026, 12, 21)
    with pytest.raises(v.InvalidInput) as too_soon:
        v.parse_due_date("9 Dec", today=TODAY)
    assert "at least 7 days" in too_soon.value.reason
    with pytest.raises(v.InvalidInput) as unreal:
        v.parse_due_date("31/02/2027", today=TODAY)
    assert unreal.value.reason.startswith("That date does not exist")


ORDINALS = [("1", 1), (" 2 ", 2), ("10", 10), ("0", None), ("01", None), ("1.", None), ("-1", None),
            ("one", None), ("١", None), ("100", None), ("", None)]  # fmt: skip


@pytest.mark.parametrize(("typed", "expected"), ORDINALS, ids=[repr(row[0]) for row in ORDINALS])
def test_read_ordinal(typed, expected):
    assert read_ordinal(typed) == expected


@pytest.mark.parametrize("typed", ["hie", "Hi there!", "Salibonani", "mhoroi", "MHORO"])
def test_greetings_members_use(typed):
    assert normalize(typed) in GREETINGS


@pytest.mark.parametrize("typed", ["hi bot", "hieee", "mhoroi 50", "salibonani=>x"])
def test_greeting_words_inside_other_text_are_not_greetings(typed):
    assert normalize(typed) not in GREETINGS
