"""Local validation with the ledger's rules, request bodies, and exact JSON amounts (pure, no I/O)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credex_api import endpoints, validation
from credex_api.encoding import encode_json
from credex_api.errors import CredexInvalid
from security.ledger_rules import DECIMAL_PLACES, DENOMINATIONS

ISSUER = "12732a08-ca65-4cd9-ac4b-8bb022dd5d4b"
RECEIVER = "c7b57059-8a3f-4a25-981a-6c2256e2f961"


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("263771234567", "263771234567"),
        ("+263 77 123 4567", "263771234567"),
        ("12", "12"),
        ("(263) 77-123.4567", "263771234567"),
        ("123456789012345", "123456789012345"),
    ],
)
def test_valid_phones_become_digits(raw, digits):
    assert validation.check_phone(raw) == digits


@pytest.mark.parametrize(
    "raw", ["0771234567", "1", "1234567890123456", "26377abc4567", "٢٦٣٧٧١٢٣٤٥٦٧", "", None, 263771234567]
)
def test_invalid_phones_are_refused_without_echo(raw):
    with pytest.raises(CredexInvalid) as caught:
        validation.check_phone(raw)
    assert caught.value.code == "INVALID_PHONE"
    assert caught.value.status is None  # local: nothing was sent
    assert str(raw) not in str(caught.value) or raw in ("", "1")


@pytest.mark.parametrize("name", ["Li", "O'Neil", "José", "A" * 51, "   ", "Tendai2", None])
def test_names_outside_the_ledger_alphabet_or_length_are_refused(name):
    with pytest.raises(CredexInvalid) as caught:
        validation.check_name(name, "firstname")
    assert caught.value.field == "firstname"


@pytest.mark.parametrize("name", ["Tendai", "Mary-Jane", "Van der Merwe", "Abc", "A" * 50])
def test_names_inside_the_rules_pass(name):
    assert validation.check_name(f"  {name} ", "firstname") == name


@pytest.mark.parametrize(("raw", "handle"), [("Tendai_M", "tendai_m"), (" 263771234567 ", "263771234567")])
def test_handles_are_lower_cased(raw, handle):
    assert validation.check_handle(raw) == handle


@pytest.mark.parametrize("raw", ["ab", "a" * 31, "credexfoundation.dco", "tendai-m", "ténda", 123])
def test_bad_handles(raw):
    with pytest.raises(CredexInvalid):
        validation.check_handle(raw)


@pytest.mark.parametrize(
    ("amount", "denom"),
    [
        (Decimal("0.01"), "USD"),
        (Decimal("10"), "ZWG"),
        (Decimal("0.001"), "CXX"),
        (Decimal("0.0001"), "XAU"),
        (Decimal("9999999999.99"), "CAD"),
        (5, "USD"),
        (Decimal("10.500"), "USD"),
    ],
)
def test_exact_amounts_within_denomination_decimals(amount, denom):
    assert validation.check_amount(amount, denom) == Decimal(amount)


@pytest.mark.parametrize(
    ("amount", "denom", "reason"),
    [
        (Decimal("0.001"), "USD", "at most 2 decimal places"),
        (Decimal("0.0001"), "CXX", "at most 3"),
        (Decimal("0.00001"), "XAU", "at most 4"),
        (Decimal("0"), "USD", "positive"),
        (Decimal("-1"), "USD", "positive"),
        (Decimal("-0"), "USD", "positive"),
        (Decimal("NaN"), "USD", "positive"),
        (Decimal("Infinity"), "USD", "positive"),
        (Decimal("1e10"), "USD", "too large"),
        (10.5, "USD", "exact"),
        (True, "USD", "exact"),
        ("10.50", "USD", "exact"),
    ],
)
def test_inexact_or_out_of_range_amounts_are_refused(amount, denom, reason):
    with pytest.raises(CredexInvalid, match=reason) as caught:
        validation.check_amount(amount, denom)
    assert caught.value.code == "INVALID_AMOUNT"


@pytest.mark.parametrize("denom", ["EUR", "usd ", "", None])
def test_denominations(denom):
    if denom == "usd ":
        assert validation.check_denomination(denom) == "USD"
        return
    with pytest.raises(CredexInvalid):
        validation.check_denomination(denom)


def offer(**changes):
    values = {
        "issuer_account_id": ISSUER,
        "receiver_account_id": RECEIVER,
        "amount": Decimal("10.50"),
        "denom": "usd",
        "secured": True,
        **changes,
    }
    return endpoints.credex.offer_body(**values)


def test_offer_body_is_what_the_bot_sends():
    assert offer() == {
        "issuerAccountID": ISSUER,
        "receiverAccountID": RECEIVER,
        "Denomination": "USD",
        "InitialAmount": Decimal("10.50"),
        "credexType": "PURCHASE",
        "OFFERSorREQUESTS": "OFFERS",
        "securedCredex": True,
    }


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"secured": "true"}, "INVALID_BOOLEAN"),
        ({"due_date": date(2030, 1, 1)}, "INVALID_DUE_DATE"),
        ({"secured": False}, "MISSING_DUE_DATE"),
        ({"receiver_account_id": ISSUER}, "INVALID_ACCOUNTS"),
        ({"issuer_account_id": "not-a-uuid"}, "INVALID_ID"),
        ({"denom": "EUR"}, "INVALID_DENOMINATION"),
    ],
)
def test_offer_rules(changes, code):
    with pytest.raises(CredexInvalid) as caught:
        offer(**changes)
    assert caught.value.code == code


def test_unsecured_offer_carries_its_due_date():
    assert offer(secured=False, due_date=date(2030, 1, 9))["dueDate"] == "2030-01-09"


def test_subscription_body_matches_contract_2_11():
    body = endpoints.recurring.subscription_body(source_account_id=ISSUER, start_date=date(2025, 1, 15))
    assert json.loads(encode_json(body)) == {
        "sourceAccountID": ISSUER,
        "templateType": "MEMBERTIER_SUBSCRIPTION",
        "memberTier": 3,
        "payFrequency": 28,
        "startDate": "2025-01-15",
        "amount": 1.0,
        "denomination": "USD",
        "securedCredex": True,
    }
    assert b'"amount":1.00' in encode_json(body)


def test_json_amounts_keep_their_exact_digits():
    encoded = encode_json({"InitialAmount": Decimal("10.50"), "x": [Decimal("0.0001"), Decimal("1E+2")]})
    assert encoded == b'{"InitialAmount":10.50,"x":[0.0001,100]}'
    assert json.loads(encoded, parse_float=Decimal)["InitialAmount"] == Decimal("10.50")


@pytest.mark.parametrize("value", [0.1, Decimal("NaN"), Decimal("-Infinity"), object()])
def test_json_never_sends_floats_or_non_finite(value):
    with pytest.raises((TypeError, ValueError)):
        encode_json({"InitialAmount": value})


def test_json_strings_are_escaped():
    assert json.loads(encode_json({"name": 'Tendai "T" \\ Moyo\n'})) == {"name": 'Tendai "T" \\ Moyo\n'}


@given(cents=st.integers(min_value=1, max_value=10**12 - 1), denom=st.sampled_from(DENOMINATIONS))
def test_any_valid_amount_round_trips_exactly_through_json(cents, denom):
    places = DECIMAL_PLACES[denom]
    amount = Decimal(cents).scaleb(-places)
    if amount >= validation.MAX_AMOUNT:
        return
    body = offer(amount=amount, denom=denom)
    sent = json.loads(encode_json(body), parse_float=Decimal)
    assert sent["InitialAmount"] == amount


def test_bulk_ids_are_checked_and_deduplicated():
    assert endpoints.credex.bulk_body(credex_ids=[ISSUER, ISSUER.upper(), RECEIVER]) == {
        "credexIDs": [ISSUER, RECEIVER]
    }
    for bad in ([], "abc", [ISSUER] * 0 + ["nope"], [ISSUER, None]):
        with pytest.raises(CredexInvalid):
            endpoints.credex.bulk_body(credex_ids=bad)


def test_ledger_page_bounds():
    assert endpoints.ledger.ledger_body(account_id=ISSUER, start_row=5, num_rows=7)["numRows"] == 7
    for start, rows in ((-1, 5), (0, 0), (0, 101), (True, 5), (0, 2.0)):
        with pytest.raises(CredexInvalid):
            endpoints.ledger.ledger_body(account_id=ISSUER, start_row=start, num_rows=rows)
