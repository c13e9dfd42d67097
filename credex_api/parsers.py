"""Envelope → typed result, one parser per route (pure). A wrong shape raises `ShapeError`.

Dashboards come in three forms and all are accepted: the standard `{member, accounts}` (login, onboard,
mutations: one account), the raw account-dashboard result `{success, data:{<account>}, message}` of bulk
accept and createRecurring, and `{}` (errors, lookups). The action type must be the one the route answers
on success; anything else is a shape error (a 200 that is not what we asked for is not a success).
"""

from __future__ import annotations

from typing import Any

from credex_api.normalise import Reader, ShapeError, exact_money
from credex_api.responses import Envelope
from credex_api.results import (
    Account,
    AccountCreated,
    AccountMemberChanged,
    AccountRef,
    AuthorizedMember,
    Balances,
    BulkAccepted,
    BulkFailure,
    CredexAccepted,
    CredexClosed,
    CredexCreated,
    CredexDetail,
    Dashboard,
    LedgerEntry,
    LedgerPage,
    LoginResult,
    Member,
    Offer,
    OnboardResult,
    RecurringCreated,
)
from security.ledger_rules import Money


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


def _full_dashboard(envelope: Envelope) -> tuple[Member, tuple[Account, ...]]:
    dashboard = dashboard_of(envelope.dashboard)
    if dashboard.member is None:
        raise ShapeError("$.data.dashboard.member: missing")
    return dashboard.member, dashboard.accounts


def login_of(envelope: Envelope) -> LoginResult:
    expect_type(envelope, "MEMBER_LOGIN")
    member, accounts = _full_dashboard(envelope)
    return LoginResult(member=member, accounts=accounts, token=envelope.details.text("token"))


def onboard_of(envelope: Envelope) -> OnboardResult:
    expect_type(envelope, "MEMBER_ONBOARDED")
    member, accounts = _full_dashboard(envelope)
    d = envelope.details
    return OnboardResult(member, accounts, d.text("defaultAccountID"), token=d.text("token"))


def account_ref_of(envelope: Envelope) -> AccountRef:
    expect_type(envelope, "ACCOUNT_FOUND")
    d = envelope.details
    return AccountRef(d.text("accountID"), d.opt_text("accountName") or "", d.opt_text("accountHandle") or "")


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


def _ledger_entry(r: Reader) -> LedgerEntry:
    formatted = r.opt_text("formattedAmount") or r.opt_text("formattedInitialAmount")
    amount = Reader({"v": formatted}, r.where("formattedAmount")).money("v")
    return LedgerEntry(
        credex_id=r.text("credexID"),
        amount=amount,
        counterparty_name=r.opt_text("counterpartyAccountName") or "",
        timestamp=r.opt_datetime("timestamp"),
        entry_type=r.opt_text("type"),
        description=r.opt_text("description"),
    )


def ledger_page_of(envelope: Envelope, start_row: int, num_rows: int) -> LedgerPage:
    """The entries from `details.ledger` (or the dashboard's copy) and the pagination, when given."""
    expect_type(envelope, "LEDGER_RETRIEVED")
    d = envelope.details
    entries = tuple(_ledger_entry(item) for item in d.items("ledger"))
    dashboard = envelope.dashboard if isinstance(envelope.dashboard, dict) else {}
    page = dashboard.get("pagination")
    if isinstance(page, dict):
        p = Reader(page, "$.data.dashboard.pagination")
        start_row, num_rows = p.integer("startRow"), p.integer("numRows")
        return LedgerPage(d.text("accountID"), entries, start_row, num_rows, p.flag("hasMore", default=False))
    return LedgerPage(d.text("accountID"), entries, start_row, num_rows, None)


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


def recurring_created_of(envelope: Envelope) -> RecurringCreated:
    expect_type(envelope, "RECURRING_CREATED")
    d = envelope.details
    schedule = d.obj("scheduleInfo") if d.has("scheduleInfo") else Reader({}, d.where("scheduleInfo"))
    return RecurringCreated(
        recurring_id=envelope.action_id or d.text("recurringID"),
        amount=d.opt_money("amount"),
        pay_frequency=d.opt_integer("payFrequency"),
        next_date=d.opt_date("nextDate"),
        status=d.opt_text("status"),
        member_tier=schedule.opt_integer("memberTier"),
    )
