"""Strict validators for handles, names, account names and due dates, and the freshness rule (pure).

Each rule is the ledger's own (so a member hears about a problem before any ledger call); each refusal is
checked for the exact sentence the member reads, and characters the ledger would silently drop (apostrophes,
accents, the Kelvin sign that lower-cases to ASCII "k") are refused rather than stripped. Due dates are
checked at both edges of the window (today+7 … today+34) and across month and leap-year ends; freshness at
both edges of its window and for clock skew. Arbitrary text only ever raises `InvalidInput`.
"""

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from security import validation as v
from security.validation import (
    InvalidInput,
    check_due_date,
    due_date_quick_pick,
    due_date_window,
    is_fresh,
    is_wa_id,
    parse_account_name,
    parse_due_date,
    parse_handle,
    parse_person_name,
)

TODAY = date(2026, 1, 10)
FIRST, LAST = "2026-01-17", "2026-02-13"


def reason_of(parser, text, **kwargs) -> str:
    with pytest.raises(InvalidInput) as caught:
        parser(text, **kwargs)
    return caught.value.reason


# --- Handles ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("263771234567", "263771234567"),
        ("  My_Shop  ", "my_shop"),
        ("ABC", "abc"),
        ("a" * 30, "a" * 30),
        ("vimbisopay_trust", "vimbisopay_trust"),
    ],
)
def test_handles_are_lower_cased_and_accepted(text, expected):
    assert parse_handle(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", v.HANDLE_EMPTY),
        ("   ", v.HANDLE_EMPTY),
        ("+0771234567", v.HANDLE_PHONE_FORMAT),  # +263771234567 and 263 77 123 4567 are read now
        ("263 77 123 4567 8901 234", v.HANDLE_PHONE_FORMAT),
        ("0771-234-567", v.HANDLE_PHONE_FORMAT),
        ("ab", v.HANDLE_LENGTH),
        ("a" * 31, v.HANDLE_LENGTH),
        ("1" * 31, v.HANDLE_LENGTH),
        ("my-shop", v.HANDLE_CHARACTERS),
        ("@tendai", v.HANDLE_CHARACTERS),
        ("credexfoundation.dco", v.HANDLE_CHARACTERS),
        ("tendai shop", v.HANDLE_CHARACTERS),
        ("\u212aelvin", v.HANDLE_CHARACTERS),  # the Kelvin sign lower-cases to an ASCII "k"
        ("josé", v.HANDLE_CHARACTERS),
        ("２６３７７１２３４５６７", v.HANDLE_CHARACTERS),
    ],
)
def test_bad_handles_are_refused_with_the_reason(text, reason):
    assert reason_of(parse_handle, text) == reason


@given(st.text(max_size=40))
def test_any_text_gives_a_ledger_valid_handle_or_a_reason(text):
    try:
        handle = parse_handle(text)
    except InvalidInput as refused:
        assert refused.reason
        return
    assert re.fullmatch(r"[a-z0-9_]{3,30}", handle)


# --- Person and account names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tendai", "Tendai"),
        ("  Mary   Jane  ", "Mary Jane"),
        ("Anne-Marie", "Anne-Marie"),
        ("Bob", "Bob"),
        ("A" * 50, "A" * 50),
    ],
)
def test_person_names_within_the_ledgers_rule_are_kept_as_typed(text, expected):
    assert parse_person_name(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("O'Neil", v.NAME_CHARACTERS),
        ("José", v.NAME_CHARACTERS),
        ("Tendai2", v.NAME_CHARACTERS),
        ("Ndlovu.", v.NAME_CHARACTERS),
        ("Li", v.NAME_LENGTH),
        ("", v.NAME_LENGTH),
        ("A" * 51, v.NAME_LENGTH),
        ("- -", v.NAME_NO_LETTERS),
    ],
)
def test_person_names_the_ledger_would_alter_or_refuse_are_refused_with_the_reason(text, reason):
    assert reason_of(parse_person_name, text) == reason


def test_the_name_reason_states_the_rule_plainly():
    assert "3–50 letters, spaces or hyphens" in v.NAME_LENGTH
    assert "O'Neil" in v.NAME_CHARACTERS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tendai Shop 2", "Tendai Shop 2"),
        ("Harare-Market", "Harare-Market"),
        ("  abc  ", "abc"),
        ("007", "007"),
    ],
)
def test_account_names_accept_letters_digits_spaces_and_hyphens(text, expected):
    assert parse_account_name(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Tendai's Shop", v.ACCOUNT_NAME_CHARACTERS),
        ("Shop & Co", v.ACCOUNT_NAME_CHARACTERS),
        ("Café", v.ACCOUNT_NAME_CHARACTERS),
        ("ab", v.ACCOUNT_NAME_LENGTH),
        ("x" * 51, v.ACCOUNT_NAME_LENGTH),
        ("---", v.ACCOUNT_NAME_NO_LETTERS),
    ],
)
def test_bad_account_names_are_refused_with_the_reason(text, reason):
    assert reason_of(parse_account_name, text) == reason


@given(st.text(max_size=60))
def test_any_text_gives_a_ledger_valid_name_or_a_reason(text):
    for parser, allowed in (
        (parse_person_name, r"[A-Za-z -]{3,50}"),
        (parse_account_name, r"[A-Za-z0-9 -]{3,50}"),
    ):
        try:
            name = parser(text)
        except InvalidInput:
            continue
        assert re.fullmatch(allowed, name)
        assert name == name.strip() and "  " not in name


# --- Due dates ---------------------------------------------------------------------------------------------


def test_the_window_is_today_plus_7_to_today_plus_34():
    assert due_date_window(TODAY) == (date(2026, 1, 17), date(2026, 2, 13))


@pytest.mark.parametrize("days", [7, 8, 20, 33, 34])
def test_due_dates_inside_the_window_are_accepted(days):
    due = TODAY + timedelta(days=days)
    assert parse_due_date(f" {due.isoformat()} ", today=TODAY) == due


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-01-16", v.DUE_DATE_TOO_SOON),
        ("2026-01-10", v.DUE_DATE_TOO_SOON),
        ("2025-12-31", v.DUE_DATE_TOO_SOON),
        ("2026-02-14", v.DUE_DATE_TOO_LATE),
        ("2027-01-17", v.DUE_DATE_TOO_LATE),
        ("2026-02-30", v.DUE_DATE_NOT_REAL),
        ("2026-13-01", v.DUE_DATE_NOT_REAL),
        ("2026-01-00", v.DUE_DATE_NOT_REAL),
        ("17.01.2026", v.DUE_DATE_FORMAT),  # 17/01/2026 is read (tests/unit/test_parse_input.py)
        ("2026/01/17", v.DUE_DATE_FORMAT),
        ("20260117", v.DUE_DATE_FORMAT),
        ("2026-1-17", v.DUE_DATE_FORMAT),
        ("2026-01-17T00:00", v.DUE_DATE_FORMAT),
        ("２０２６-０１-１７", v.DUE_DATE_FORMAT),
        ("next friday", v.DUE_DATE_FORMAT),
        ("", v.DUE_DATE_FORMAT),
    ],
)
def test_bad_due_dates_are_refused_naming_the_first_and_last_allowed_dates(text, reason):
    said = reason_of(parse_due_date, text, today=TODAY)
    assert said == reason.format(first=FIRST, last=LAST)
    assert LAST in said


def test_the_window_crosses_a_leap_day():
    today = date(2028, 2, 20)
    assert due_date_window(today) == (date(2028, 2, 27), date(2028, 3, 25))
    assert parse_due_date("2028-02-29", today=today) == date(2028, 2, 29)
    assert reason_of(parse_due_date, "2027-02-29", today=date(2027, 2, 1)).startswith(
        "That date does not exist"
    )


def test_a_stored_due_date_can_be_rechecked_when_the_ledger_day_has_moved_on():
    due = due_date_quick_pick(1, today=TODAY)
    assert check_due_date(due, today=TODAY) == due
    with pytest.raises(InvalidInput) as caught:
        check_due_date(due, today=TODAY + timedelta(days=1))
    assert caught.value.reason == v.DUE_DATE_TOO_SOON.format(first="2026-01-18", last="2026-02-14")


@pytest.mark.parametrize(("weeks", "days"), [(1, 7), (2, 14), (4, 28)])
def test_quick_picks_are_whole_weeks_inside_the_window(weeks, days):
    due = due_date_quick_pick(weeks, today=TODAY)
    assert due == TODAY + timedelta(days=days)
    assert parse_due_date(due.isoformat(), today=TODAY) == due


@pytest.mark.parametrize("weeks", [0, 3, 5, -1, True])
def test_other_quick_picks_are_a_programming_error(weeks):
    with pytest.raises(ValueError):
        due_date_quick_pick(weeks, today=TODAY)


# --- Freshness ---------------------------------------------------------------------------------------------

NOW = 1_767_000_000


@pytest.mark.parametrize(
    ("age", "fresh"),
    [(0, True), (1, True), (300, True), (301, False), (86_400 * 3, False), (-60, True), (-61, False)],
)
def test_a_message_is_fresh_up_to_the_window_and_within_a_small_clock_skew(age, fresh):
    assert is_fresh(message_ts=NOW - age, now=NOW, window_seconds=300) is fresh


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"message_ts": float(NOW), "now": NOW, "window_seconds": 300}, TypeError),
        ({"message_ts": str(NOW), "now": NOW, "window_seconds": 300}, TypeError),
        ({"message_ts": NOW, "now": True, "window_seconds": 300}, TypeError),
        ({"message_ts": NOW, "now": NOW, "window_seconds": 0}, ValueError),
    ],
)
def test_freshness_refuses_non_integer_times_and_an_empty_window(kwargs, error):
    with pytest.raises(error):
        is_fresh(**kwargs)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("263771234567", True),
        ("123456", True),  # 6 digits, the shortest
        ("123456789012345", True),  # 15, the longest E.164 number
        ("12345", False),
        ("1234567890123456", False),
        ("0", False),
        ("0263771234567", False),  # a leading zero
        ("+263771234567", False),
        ("٢٦٣٧٧١٢٣٤٥٦٧", False),  # Arabic-Indic digits
        ("２６３７７１２３４５６７", False),  # fullwidth digits
        ("263771234567\n", False),
        (" 263771234567", False),
        ("", False),
        (263771234567, False),  # a number, not the string Meta sends
        (None, False),
        ("ZW.1502576394655843", False),  # a BSUID is not a WhatsApp id
    ],
)
def test_whatsapp_ids(value, expected):
    assert is_wa_id(value) is expected
