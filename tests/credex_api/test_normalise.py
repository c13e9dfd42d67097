"""Successful answer shapes → typed results; a 2xx we cannot use → an error, never a KeyError (pure).

Bodies follow the contract (§2, §5.3) and what the sandbox serves: envelopes, v1 `{}` lists, Neo4j
`{low, high}` integers and dates, formatted amounts, null `remainingAvailableUSD`, raw account dashboards.
Error answers are in test_error_answers.py.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from credex_api.dashboard import dashboard_of
from credex_api.endpoints.member import login_of
from credex_api.endpoints.recurring import recurring_created_of
from credex_api.errors import CredexBadResponse
from credex_api.normalise import ShapeError, to_int, to_money
from credex_api.responses import decode_json, read_answer
from security.ledger_rules import Money

MEMBER_ID = "531af627-85c4-4170-a1ac-7c3f3655f12b"
ACCOUNT_ID = "12732a08-ca65-4cd9-ac4b-8bb022dd5d4b"
CREDEX_ID = "f34c89f6-5a2a-47d6-8296-03875c186a92"
JSON = {"Content-Type": "application/json"}


def body(value: object) -> bytes:
    return json.dumps(value).encode()


def member(**changes) -> dict:
    return {
        "memberID": MEMBER_ID,
        "memberTier": 1,
        "remainingAvailableUSD": 10.00,
        "firstname": "Tendai",
        "lastname": "Moyo",
        "memberHandle": "263780000001",
        "defaultDenom": "USD",
        **changes,
    }


def offer(amount: str, counterparty: str, **extra) -> dict:
    return {
        "credexID": CREDEX_ID,
        "formattedInitialAmount": amount,
        "counterpartyAccountName": counterparty,
        **extra,
    }


def account(**changes) -> dict:
    return {
        "accountID": ACCOUNT_ID,
        "accountName": "Tendai Moyo Personal",
        "accountHandle": "263780000001",
        "accountType": "PERSONAL",
        "defaultDenom": "USD",
        "isOwnedAccount": True,
        "sendOffersTo": {"memberID": MEMBER_ID, "firstname": "Tendai", "lastname": "Moyo"},
        "balanceData": {
            "securedNetBalancesByDenom": ["1,234.56 USD", "0.0312 XAU"],
            "unsecuredBalancesInDefaultDenom": {
                "totalPayables": "0.00 USD",
                "totalReceivables": "12,000.00 USD",
                "netPayRec": "12,000.00 USD",
            },
            "netCredexAssetsInDefaultDenom": "13,234.56 USD",
        },
        "pendingInData": [offer("10.00 USD", "Rudo Dube")],
        "pendingOutData": [
            offer("-5.50 USD", "Shop", secured=True),
            offer("-7.00 USD", "Shop", dueDate="2025-02-01"),
        ],
        **changes,
    }


def envelope(
    action_type: str, details: dict, *, dashboard: object = None, action_id: str | None = None
) -> dict:
    return {
        "message": "ok",
        "data": {
            "action": {
                "id": action_id,
                "type": action_type,
                "actor": "system",
                "timestamp": "2025-01-01T00:00:00.000Z",
                "details": details,
            },
            "dashboard": dashboard or {},
        },
    }


def login_envelope(**member_changes) -> bytes:
    details = {"memberID": MEMBER_ID, "phone": "263780000001", "token": "header.payload.sig"}
    dashboard = {"member": member(**member_changes), "accounts": [account()]}
    return body(envelope("MEMBER_LOGIN", details, dashboard=dashboard, action_id=MEMBER_ID))


# --- successful envelopes ----------------------------------------------------------------------------


def test_login_envelope_becomes_typed_result_with_exact_money():
    result = login_of(read_answer("login", 200, JSON, login_envelope()))

    assert result.member.member_id == MEMBER_ID
    assert result.member.tier == 1
    assert result.member.remaining_available_usd == Decimal("10.00")
    acct = result.accounts[0]
    assert acct.balances.secured_net == (Money(Decimal("1234.56"), "USD"), Money(Decimal("0.0312"), "XAU"))
    assert acct.balances.net_credex_assets == Money(Decimal("13234.56"), "USD")
    assert acct.pending_out[0].amount == Money(Decimal("-5.50"), "USD")
    assert acct.pending_out[0].secured is True
    assert acct.pending_out[1].secured is False  # `secured` is present only when true
    assert acct.pending_out[1].due_date == date(2025, 2, 1)
    assert result.token == "header.payload.sig"
    assert "header.payload.sig" not in repr(result)


def test_numbers_are_decoded_as_decimal_never_float():
    decoded = decode_json(b'{"remainingAvailableUSD": 0.1, "tier": 3}')
    assert decoded == {"remainingAvailableUSD": Decimal("0.1"), "tier": 3}
    assert isinstance(decoded["remainingAvailableUSD"], Decimal)


def test_neo4j_integer_objects_are_integers():
    result = login_of(read_answer("login", 200, JSON, login_envelope(memberTier={"low": 3, "high": 0})))
    assert result.member.tier == 3
    assert to_int({"low": -5, "high": -1}, "$") == -5
    assert to_int({"low": 0, "high": 1}, "$") == 2**32


def test_remaining_available_null_means_unknown_or_unlimited():
    result = login_of(read_answer("login", 200, JSON, login_envelope(remainingAvailableUSD=None)))
    assert result.member.remaining_available_usd is None


def test_v1_empty_dict_lists_mean_no_pending_offers():
    raw = envelope(
        "MEMBER_LOGIN",
        {"token": "t"},
        dashboard={"member": member(), "accounts": [account(pendingInData={}, pendingOutData={})]},
    )
    result = login_of(read_answer("login", 200, JSON, body(raw)))
    assert result.accounts[0].pending_in == ()
    assert result.accounts[0].pending_out == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56 USD", Money(Decimal("1234.56"), "USD")),
        ("-10.00 USD", Money(Decimal("-10.00"), "USD")),
        ("0.0312 XAU", Money(Decimal("0.0312"), "XAU")),
        ("1,000,000.000 CXX", Money(Decimal("1000000.000"), "CXX")),
        ("12 ZWG", Money(Decimal("12"), "ZWG")),
    ],
)
def test_formatted_amounts_parse_exactly(text, expected):
    assert to_money(text, "$") == expected


@pytest.mark.parametrize(
    "text",
    ["1.234,56 USD", "USD 10.00", "10.00", "1,23.00 USD", "NaN USD", "", "10 usd", "10.00 EUR", "10.005 USD"],
)
def test_malformed_formatted_amounts_are_shape_errors(text):
    with pytest.raises(ShapeError):
        to_money(text, "$")


def test_raw_account_result_dashboard_of_bulk_accept_and_recurring():
    raw = {"success": True, "data": account(), "message": "Account dashboard retrieved successfully"}
    dashboard = dashboard_of(raw)
    assert dashboard.member is None
    assert dashboard.accounts[0].account_id == ACCOUNT_ID


def test_neo4j_date_objects_in_recurring_answers():
    details = {
        "recurringID": CREDEX_ID,
        "amount": "1.00 USD",
        "payFrequency": {"low": 28, "high": 0},
        "nextDate": {"year": {"low": 2025, "high": 0}, "month": 2, "day": 1},
        "status": "ACTIVE",
        "scheduleInfo": {"memberTier": 3},
    }
    env = read_answer(
        "createRecurring", 201, JSON, body(envelope("RECURRING_CREATED", details, action_id=CREDEX_ID))
    )
    result = recurring_created_of(env)
    assert (result.pay_frequency, result.next_date, result.member_tier) == (28, date(2025, 2, 1), 3)


# --- a 2xx we cannot use is an error, never a KeyError ------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"<html><body>OK</body></html>",
        b'{"message":"Successfully logged in","data":{"action":{"type":"MEM',  # cut in half
        b'{"message":"ok"}',
        b'{"message":"ok","data":{"dashboard":{}}}',
        b'{"message":"ok","data":{"action":{"details":{}}}}',
        b"[]",
        b'{"success":true,"data":{"token":"t","memberID":"m"}}',  # v1 success shape
    ],
)
def test_unreadable_2xx_is_bad_response(content):
    with pytest.raises(CredexBadResponse) as caught:
        read_answer("login", 200, JSON, content)
    assert caught.value.status == 200


def test_2xx_with_other_action_type_or_missing_fields_is_a_shape_error():
    wrong_type = read_answer("login", 200, JSON, body(envelope("ERROR_NOT_FOUND", {"code": "NOT_FOUND"})))
    with pytest.raises(ShapeError):
        login_of(wrong_type)
    no_member = read_answer("login", 200, JSON, body(envelope("MEMBER_LOGIN", {"token": "t"})))
    with pytest.raises(ShapeError, match="member"):
        login_of(no_member)
    bad_money = envelope(
        "MEMBER_LOGIN",
        {"token": "t"},
        dashboard={
            "member": member(),
            "accounts": [account(pendingOutData=[{"credexID": CREDEX_ID, "formattedInitialAmount": 5.5}])],
        },
    )
    with pytest.raises(ShapeError, match="formattedInitialAmount"):
        login_of(read_answer("login", 200, JSON, body(bad_money)))


def test_shape_errors_name_the_path_not_the_value():
    raw = envelope("MEMBER_LOGIN", {"token": "t"}, dashboard={"member": member(memberTier="263771234567")})
    with pytest.raises(ShapeError) as caught:
        login_of(read_answer("login", 200, JSON, body(raw)))
    assert "memberTier" in str(caught.value)
    assert "263771234567" not in str(caught.value)
