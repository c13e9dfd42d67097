"""Account endpoints: find by handle, create, authorize or unauthorize a member, send offers to."""

from __future__ import annotations

from credex_api import validation as v
from credex_api.dashboard import dashboard_of, expect_type
from credex_api.endpoints.base import Endpoint
from credex_api.normalise import ShapeError
from credex_api.responses import Envelope
from credex_api.results import (
    AccountCreated,
    AccountMemberChanged,
    AccountRef,
)


def handle_body(*, handle: str) -> dict:
    return {"accountHandle": v.check_handle(handle)}


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
    """unauthorizeForAccount / updateSendOffersTo: the schema's `memberID` name."""
    return {
        "accountID": v.check_uuid(account_id, "accountID"),
        "memberID": v.check_uuid(member_id, "memberID"),
    }


def account_ref_of(envelope: Envelope) -> AccountRef:
    expect_type(envelope, "ACCOUNT_FOUND")
    d = envelope.details
    return AccountRef(d.text("accountID"), d.opt_text("accountName") or "", d.opt_text("accountHandle") or "")


def account_created_of(envelope: Envelope) -> AccountCreated:
    expect_type(envelope, "ACCOUNT_CREATED")
    d = envelope.details
    return AccountCreated(
        account_id=d.text("accountID"),
        name=d.opt_text("accountName") or "",
        handle=d.opt_text("accountHandle") or "",
        default_denom=d.opt_text("defaultDenom") or "",
        dashboard=dashboard_of(envelope.dashboard),
    )


def member_changed_of(envelope: Envelope, *types: str) -> AccountMemberChanged:
    expect_type(envelope, *types)
    d = envelope.details
    member_id = next(
        (
            d.opt_text(key)
            for key in ("memberIdAuthorized", "memberIdUnauthorized", "memberIDtoSendOffers")
            if d.has(key)
        ),
        None,
    )
    account_id = d.opt_text("accountID") or envelope.action_id
    if not account_id:
        raise ShapeError("$.data.action.details.accountID: missing")
    return AccountMemberChanged(account_id, member_id, envelope.action_type, dashboard_of(envelope.dashboard))


def _changed(action_type: str):
    return lambda envelope: member_changed_of(envelope, action_type)


BY_HANDLE = Endpoint(
    "getAccountByHandle",
    service="account_by_handle",
    body=handle_body,
    parse=account_ref_of,
    result=AccountRef,
    doc="The account with this handle (a member's personal handle is their phone digits).",
)
CREATE = Endpoint(
    "createAccount",
    service="account_create",
    body=create_account_body,
    parse=account_created_of,
    result=AccountCreated,
    mutation=True,
    ref=lambda r: r.account_id,
    doc="Create an account the member owns.",
)
AUTHORIZE = Endpoint(
    "authorizeForAccount",
    service="account_authorize",
    body=authorize_body,
    parse=_changed("ACCOUNT_AUTHORIZED"),
    result=AccountMemberChanged,
    mutation=True,
    ref=lambda r: r.account_id,
    doc="Let another member act for the account.",
)
UNAUTHORIZE = Endpoint(
    "unauthorizeForAccount",
    service="account_unauthorize",
    body=account_member_body,
    parse=_changed("ACCOUNT_UNAUTHORIZED"),
    result=AccountMemberChanged,
    mutation=True,
    ref=lambda r: r.account_id,
    doc="Stop a member acting for the account.",
)
SEND_OFFERS_TO = Endpoint(
    "updateSendOffersTo",
    service="send_offers_to_update",
    body=account_member_body,
    parse=_changed("SEND_OFFERS_UPDATED"),
    result=AccountMemberChanged,
    mutation=True,
    ref=lambda r: r.account_id,
    doc="Choose the member who is told of the account's offers.",
)
ENDPOINTS = (BY_HANDLE, CREATE, AUTHORIZE, UNAUTHORIZE, SEND_OFFERS_TO)
