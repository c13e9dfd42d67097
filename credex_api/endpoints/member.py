"""Member endpoints: `login` (a keyhole read) and `onboardMember` (a keyhole mutation)."""

from __future__ import annotations

from credex_api import validation as v
from credex_api.dashboard import expect_type, full_dashboard
from credex_api.endpoints.base import Endpoint
from credex_api.responses import Envelope
from credex_api.results import (
    LoginResult,
    OnboardResult,
)


def login_body(*, phone: str) -> dict:
    return {"phone": v.check_phone(phone)}


def onboard_body(*, phone: str, first_name: str, last_name: str, default_denom: str = "USD") -> dict:
    return {
        "firstname": v.check_name(first_name, "firstname"),
        "lastname": v.check_name(last_name, "lastname"),
        "phone": v.check_phone(phone),
        "defaultDenom": v.check_denomination(default_denom, "defaultDenom"),
    }


def login_of(envelope: Envelope) -> LoginResult:
    expect_type(envelope, "MEMBER_LOGIN")
    member, accounts = full_dashboard(envelope)
    return LoginResult(member=member, accounts=accounts, token=envelope.details.text("token"))


def onboard_of(envelope: Envelope) -> OnboardResult:
    expect_type(envelope, "MEMBER_ONBOARDED")
    member, accounts = full_dashboard(envelope)
    d = envelope.details
    return OnboardResult(member, accounts, d.text("defaultAccountID"), token=d.text("token"))


LOGIN = Endpoint(
    "login",
    service="member_login",
    body=login_body,
    parse=login_of,
    result=LoginResult,
    keyhole=True,
    doc="The member's dashboard (every account they may act on); `CredexNotFound` → not a member yet.",
)
ONBOARD = Endpoint(
    "onboardMember",
    service="member_onboard",
    body=onboard_body,
    parse=onboard_of,
    result=OnboardResult,
    keyhole=True,
    mutation=True,
    ref=lambda r: r.member.member_id,
    doc="Create the member and their personal account (`DuplicateMember` if the phone is already one).",
)
ENDPOINTS = (LOGIN, ONBOARD)
