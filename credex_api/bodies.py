"""Request bodies of the ledger routes, validated locally first (pure), and their exact JSON encoding.

Each builder takes keyword arguments in Python terms (`Decimal` amounts, `date`s, booleans) and returns the
body the ledger expects, with the field names of the envelope-era contract (§2). Validation (ledger rules,
`credex_api.validation`) happens here, so an instruction can be checked before it is stored and a call before
it is sent. `encode_json` writes `Decimal` amounts as JSON numbers with their exact digits ("10.50") and
refuses floats outright: no binary rounding can reach the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from credex_api import validation as v
from credex_api.errors import CredexInvalid

SUBSCRIPTION_TIER = 3
SUBSCRIPTION_AMOUNT = Decimal("1.00")
SUBSCRIPTION_DENOM = "USD"
SUBSCRIPTION_DAYS = 28


def encode_json(value: Any) -> bytes:
    """Compact JSON with exact `Decimal` numbers; floats and non-finite numbers are refused."""
    return _encode(value).encode()


def _encode(value: Any) -> str:
    if isinstance(value, float):
        raise TypeError("floats are never sent to the ledger; use Decimal")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("non-finite amount")
        return format(value, "f")
    if value is None or isinstance(value, bool | int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        items = (f"{json.dumps(str(key), ensure_ascii=False)}:{_encode(item)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__} for the ledger")


def login_body(*, phone: str) -> dict:
    return {"phone": v.check_phone(phone)}


def onboard_body(*, phone: str, first_name: str, last_name: str, default_denom: str = "USD") -> dict:
    return {
        "firstname": v.check_name(first_name, "firstname"),
        "lastname": v.check_name(last_name, "lastname"),
        "phone": v.check_phone(phone),
        "defaultDenom": v.check_denomination(default_denom, "defaultDenom"),
    }


def handle_body(*, handle: str) -> dict:
    return {"accountHandle": v.check_handle(handle)}


def offer_body(
    *,
    issuer_account_id: str,
    receiver_account_id: str,
    amount: Decimal,
    denom: str,
    secured: bool,
    due_date: date | None = None,
) -> dict:
    """A `createCredex` OFFERS/PURCHASE body (the only kind the bot makes)."""
    secured = v.check_boolean(secured, "securedCredex")
    denomination = v.check_denomination(denom, "Denomination")
    body: dict[str, Any] = {
        "issuerAccountID": v.check_uuid(issuer_account_id, "issuerAccountID"),
        "receiverAccountID": v.check_uuid(receiver_account_id, "receiverAccountID"),
        "Denomination": denomination,
        "InitialAmount": v.check_amount(amount, denomination, "InitialAmount"),
        "credexType": "PURCHASE",
        "OFFERSorREQUESTS": "OFFERS",
        "securedCredex": secured,
    }
    due = v.check_due_date_presence(due_date, secured=secured)
    if body["issuerAccountID"] == body["receiverAccountID"]:
        raise CredexInvalid(
            "You cannot send credex to the same account.", code="INVALID_ACCOUNTS", field="receiverAccountID"
        )
    if due is not None:
        body["dueDate"] = due
    return body


def credex_id_body(*, credex_id: str) -> dict:
    return {"credexID": v.check_uuid(credex_id, "credexID")}


def bulk_body(*, credex_ids: Sequence[str]) -> dict:
    return {"credexIDs": v.check_credex_ids(credex_ids)}


def get_credex_body(*, credex_id: str, account_id: str) -> dict:
    """`accountID` is required: credex-core's getCredex controller refuses a body without it (§2.9)."""
    return {
        "credexID": v.check_uuid(credex_id, "credexID"),
        "accountID": v.check_uuid(account_id, "accountID"),
    }


def ledger_body(*, account_id: str, start_row: int = 0, num_rows: int = 10) -> dict:
    """The first page leaves `startRow` out: credex-core's getLedger schema refuses 0
    (validatePositiveInteger) and its controller reads an absent startRow as row 0."""
    start, count = v.check_page(start_row, num_rows)
    body = {"accountID": v.check_uuid(account_id, "accountID"), "numRows": count}
    return body | ({"startRow": start} if start else {})


def create_account_body(*, account_type: str, name: str, handle: str, default_denom: str) -> dict:
    return {
        "accountType": v.check_account_type(account_type),
        "accountName": v.check_account_name(name),
        "accountHandle": v.check_handle(handle),
        "defaultDenom": v.check_denomination(default_denom, "defaultDenom"),
    }


def authorize_body(*, account_id: str, member_handle: str) -> dict:
    return {
        "accountID": v.check_uuid(account_id, "accountID"),
        "memberHandleToBeAuthorized": v.check_handle(member_handle, "memberHandleToBeAuthorized"),
    }


def account_member_body(*, account_id: str, member_id: str) -> dict:
    """unauthorizeForAccount / updateSendOffersTo: the schema's `memberID` name (contract §2.14)."""
    return {
        "accountID": v.check_uuid(account_id, "accountID"),
        "memberID": v.check_uuid(member_id, "memberID"),
    }


def subscription_body(*, source_account_id: str, start_date: date | None = None) -> dict:
    """createRecurring MEMBERTIER_SUBSCRIPTION exactly as §2.11 requires (tier 3, 1.00 USD, 28 days).

    Without `start_date` the ledger starts on its own day (safer than our clock when the days differ).
    """
    if start_date is not None and not isinstance(start_date, date):
        raise CredexInvalid("That start date is not valid.", code="INVALID_DATE", field="startDate")
    body: dict[str, Any] = {
        "sourceAccountID": v.check_uuid(source_account_id, "sourceAccountID"),
        "templateType": "MEMBERTIER_SUBSCRIPTION",
        "memberTier": SUBSCRIPTION_TIER,
        "payFrequency": SUBSCRIPTION_DAYS,
        "amount": SUBSCRIPTION_AMOUNT,
        "denomination": SUBSCRIPTION_DENOM,
        "securedCredex": True,
    }
    if start_date is not None:
        body["startDate"] = start_date.isoformat()
    return body
