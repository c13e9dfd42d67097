"""The dashboard every answer may carry, and the action-type check every parser makes (pure).

Dashboards come in three forms and all are accepted: the standard `{member, accounts}` (login, onboard,
mutations: one account), the raw account-dashboard result `{success, data:{<account>}, message}` of bulk
accept and createRecurring, and `{}` (errors, lookups). The action type must be the one the route answers
on success; anything else is a shape error (a 200 that is not what we asked for is not a success).
"""

from __future__ import annotations

from typing import Any

from credex_api.normalise import Reader, ShapeError
from credex_api.responses import Envelope
from credex_api.results import (
    Account,
    AuthorizedMember,
    Balances,
    Dashboard,
    Member,
    Money,
    Offer,
)


def expect_type(envelope: Envelope, *types: str) -> None:
    if envelope.action_type not in types:
        raise ShapeError(f"$.data.action.type: expected {'/'.join(types)}")


def member_of(r: Reader) -> Member:
    return Member(
        member_id=r.text("memberID"),
        tier=r.integer("memberTier"),
        remaining_available_usd=r.opt_decimal("remainingAvailableUSD"),
        first_name=r.opt_text("firstname") or "",
        last_name=r.opt_text("lastname") or "",
        handle=r.opt_text("memberHandle"),
        default_denom=r.opt_text("defaultDenom") or "USD",
    )


def offer_of(r: Reader) -> Offer:
    return Offer(
        credex_id=r.text("credexID"),
        amount=r.money("formattedInitialAmount"),
        counterparty_name=r.opt_text("counterpartyAccountName") or "",
        secured=r.flag("secured", default=False),
        due_date=r.opt_date("dueDate"),
    )


def balances_of(r: Reader) -> Balances:
    unsecured = r.obj("unsecuredBalancesInDefaultDenom") if r.has("unsecuredBalancesInDefaultDenom") else None
    secured = r.strings("securedNetBalancesByDenom")
    where = r.where("securedNetBalancesByDenom")
    return Balances(
        secured_net=tuple(_money_item(text, f"{where}[{i}]") for i, text in enumerate(secured)),
        total_payables=unsecured.opt_money("totalPayables") if unsecured else None,
        total_receivables=unsecured.opt_money("totalReceivables") if unsecured else None,
        net_pay_rec=unsecured.opt_money("netPayRec") if unsecured else None,
        net_credex_assets=r.opt_money("netCredexAssetsInDefaultDenom"),
    )


def _money_item(text: str, path: str) -> Money:
    return Reader({"v": text}, path).money("v")


def account_of(r: Reader) -> Account:
    send_to = r.obj("sendOffersTo") if r.has("sendOffersTo") else None
    return Account(
        account_id=r.text("accountID"),
        name=r.opt_text("accountName") or "",
        handle=r.opt_text("accountHandle") or "",
        account_type=r.opt_text("accountType") or "",
        default_denom=r.opt_text("defaultDenom") or "USD",
        is_owned=r.flag("isOwnedAccount", default=False),
        send_offers_to=send_to.opt_text("memberID") if send_to else None,
        balances=balances_of(r.obj("balanceData")) if r.has("balanceData") else None,
        pending_in=tuple(offer_of(item) for item in r.items("pendingInData")),
        pending_out=tuple(offer_of(item) for item in r.items("pendingOutData")),
        authorized=tuple(
            AuthorizedMember(
                item.text("memberID"), item.opt_text("firstname") or "", item.opt_text("lastname") or ""
            )
            for item in r.items("authFor")
        ),
    )


def dashboard_of(raw: Any, path: str = "$.data.dashboard") -> Dashboard:
    """Any of the three dashboard forms (see the module docstring)."""
    if raw is None or raw == {}:
        return Dashboard(member=None, accounts=())
    r = Reader(raw, path)
    if r.has("accounts") or r.has("member"):
        member = member_of(r.obj("member")) if r.has("member") else None
        return Dashboard(member=member, accounts=tuple(account_of(a) for a in r.items("accounts")))
    if r.has("data") and isinstance(raw.get("data"), dict) and "accountID" in raw["data"]:
        return Dashboard(member=None, accounts=(account_of(r.obj("data")),))
    return Dashboard(member=None, accounts=())


def full_dashboard(envelope: Envelope) -> tuple[Member, tuple[Account, ...]]:
    dashboard = dashboard_of(envelope.dashboard)
    if dashboard.member is None:
        raise ShapeError("$.data.dashboard.member: missing")
    return dashboard.member, dashboard.accounts
