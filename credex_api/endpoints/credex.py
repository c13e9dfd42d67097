"""Credex endpoints: offer, accept (one or bulk), decline, cancel, and read one credex."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from credex_api import validation as v
from credex_api.dashboard import dashboard_of, expect_type
from credex_api.endpoints.base import Endpoint
from credex_api.errors import CredexInvalid
from credex_api.normalise import Reader, ShapeError, exact_money
from credex_api.responses import Envelope
from credex_api.results import (
    BulkAccepted,
    BulkFailure,
    CredexAccepted,
    CredexClosed,
    CredexCreated,
    CredexDetail,
)


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
    """`accountID` is required: credex-core's getCredex controller refuses a body without it."""
    return {
        "credexID": v.check_uuid(credex_id, "credexID"),
        "accountID": v.check_uuid(account_id, "accountID"),
    }


def credex_created_of(envelope: Envelope) -> CredexCreated:
    expect_type(envelope, "CREDEX_CREATED")
    d = envelope.details
    receiver = d.opt_text("acceptorAccountID") or d.text("receiverAccountID")
    return CredexCreated(
        credex_id=envelope.action_id or d.text("credexID"),
        amount=d.amount("amount", "denomination"),
        secured=d.flag("securedCredex"),
        due_date=d.opt_date("dueDate"),
        receiver_account_id=receiver,
        receiver_account_name=d.opt_text("acceptorAccountName") or d.opt_text("receiverAccountName"),
        dashboard=dashboard_of(envelope.dashboard),
    )


def credex_accepted_of(envelope: Envelope) -> CredexAccepted:
    expect_type(envelope, "CREDEX_ACCEPTED")
    d = envelope.details
    return CredexAccepted(
        credex_id=envelope.action_id or d.text("credexID"),
        amount=d.amount("amount", "denomination"),
        secured=d.flag("securedCredex"),
        acceptor_account_id=d.text("acceptorAccountID"),
        dashboard=dashboard_of(envelope.dashboard),
    )


def credex_closed_of(envelope: Envelope) -> CredexClosed:
    expect_type(envelope, "CREDEX_DECLINED", "CREDEX_CANCELLED")
    status = "DECLINED" if envelope.action_type == "CREDEX_DECLINED" else "CANCELLED"
    if not envelope.action_id:
        raise ShapeError("$.data.action.id: missing")
    d = envelope.details
    return CredexClosed(envelope.action_id, status, d.text("denomination"), dashboard_of(envelope.dashboard))


def bulk_accepted_of(envelope: Envelope) -> BulkAccepted:
    expect_type(envelope, "CREDEX_BULK_ACCEPTED")
    summary = envelope.details.obj("summary")
    failed = tuple(
        BulkFailure(item.text("credexID"), item.opt_text("error") or "") for item in summary.items("failed")
    )
    return BulkAccepted(tuple(summary.strings("accepted")), tuple(summary.strings("alreadyAccepted")), failed)


def credex_detail_of(envelope: Envelope, credex_id: str) -> CredexDetail:
    expect_type(envelope, "CREDEX_RETRIEVED")
    d = envelope.details
    status = d.obj("status") if d.has("status") else Reader({}, d.where("status"))
    denom = d.text("denomination")
    amount = d.decimal("amount") if d.has("amount") else d.decimal("initialAmount")
    return CredexDetail(
        credex_id=envelope.action_id or credex_id,
        amount=exact_money(amount, denom, d.where("amount")),
        secured=d.flag("securedCredex", default=False),
        counterparty_name=d.opt_text("receiverAccountName") or "",
        transaction_type=d.text("transactionType"),
        outstanding=status.opt_money("outstandingAmount"),
        redeemed=status.opt_money("redeemedAmount"),
        defaulted=status.opt_money("defaultedAmount"),
        written_off=status.opt_money("writtenOffAmount"),
        accepted_at=status.opt_datetime("acceptedAt"),
        declined_at=status.opt_datetime("declinedAt"),
        cancelled_at=status.opt_datetime("cancelledAt"),
        due_date=status.opt_date("dueDate"),
    )


CREATE = Endpoint(
    "createCredex",
    service="credex_offer",
    body=offer_body,
    parse=credex_created_of,
    result=CredexCreated,
    mutation=True,
    ref=lambda r: r.credex_id,
    doc="Offer credex from the issuer account to the receiver account (pending until accepted).",
)
ACCEPT = Endpoint(
    "acceptCredex",
    service="credex_accept",
    body=credex_id_body,
    parse=credex_accepted_of,
    result=CredexAccepted,
    mutation=True,
    ref=lambda r: r.credex_id,
    doc="Accept one credex offered to the member's account.",
)
ACCEPT_BULK = Endpoint(
    "acceptCredexBulk",
    service="credex_accept_bulk",
    body=bulk_body,
    parse=bulk_accepted_of,
    result=BulkAccepted,
    mutation=True,
    ref=lambda r: "",
    doc="Accept several credexes at once (each one accepted, already accepted or failed).",
)
DECLINE = Endpoint(
    "declineCredex",
    service="credex_decline",
    body=credex_id_body,
    parse=credex_closed_of,
    result=CredexClosed,
    mutation=True,
    ref=lambda r: r.credex_id,
    doc="Decline a credex offered to the member's account.",
)
CANCEL = Endpoint(
    "cancelCredex",
    service="credex_cancel",
    body=credex_id_body,
    parse=credex_closed_of,
    result=CredexClosed,
    mutation=True,
    ref=lambda r: r.credex_id,
    doc="Cancel a credex the member's account offered.",
)
GET = Endpoint(
    "getCredex",
    service="credex_get",
    body=get_credex_body,
    parse=lambda envelope, body: credex_detail_of(envelope, body["credexID"]),
    result=CredexDetail,
    doc="One credex as seen from `account_id`, a party account the member may act for (the ledger needs it).",
)
ENDPOINTS = (CREATE, ACCEPT, ACCEPT_BULK, DECLINE, CANCEL, GET)
