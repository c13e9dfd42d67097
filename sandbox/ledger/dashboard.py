"""Dashboards as the bot reads them: `{member, accounts}` with balances and pending offers.

Login and onboarding list every account the member is authorised for; mutations return the dashboard of
the one account acted on. Amounts are formatted strings; pending-out amounts are negative. Three of the
switchable quirks change shapes here (`neo4j_integers`, `empty_dict_lists`, `null_remaining`).
"""

from __future__ import annotations

from typing import Any

from sandbox.ledger import runtime
from sandbox.ledger.balances import Position, Row
from sandbox.ledger.days import Today, today
from sandbox.ledger.formatting import format_amount, rounded
from sandbox.ledger.limits import remaining_usd
from sandbox.ledger.models import Account, AccountAccess, Member
from sandbox.ledger.units import from_units


def _tier_value(tier: int) -> Any:
    return {"low": tier, "high": 0} if runtime.quirk("neo4j_integers") else tier


def member_dashboard(member: Member, day: Today) -> dict:
    """The `dashboard.member` object."""
    remaining = None if runtime.quirk("null_remaining") else remaining_usd(member, day)
    return {
        "memberID": str(member.member_id),
        "memberTier": _tier_value(member.tier),
        "remainingAvailableUSD": None if remaining is None else rounded(remaining, "USD"),
        "firstname": member.firstname,
        "lastname": member.lastname,
        "memberHandle": member.member_handle,
        "defaultDenom": member.default_denom,
    }


def offer_item(row: Row, *, outgoing: bool) -> dict:
    """One pending offer as listed in `pendingInData` / `pendingOutData`."""
    amount = from_units(row.initial_units)
    item: dict[str, Any] = {
        "credexID": str(row.credex_id),
        "formattedInitialAmount": format_amount(-amount if outgoing else amount, row.denomination),
        "counterpartyAccountName": row.receiver_name if outgoing else row.issuer_name,
    }
    if not row.secured and row.due_date:
        item["dueDate"] = row.due_date.isoformat()
    if row.secured:
        item["secured"] = True
    return item


def _pending(items: list[dict]) -> Any:
    return {} if not items and runtime.quirk("empty_dict_lists") else items


def balance_data(position: Position, account: Account, day: Today) -> dict:
    """The `balanceData` object of one account."""
    denom = account.default_denom
    receivables, payables = position.unsecured(denom, day.rates)
    secured = [
        format_amount(from_units(units), den) for den, units in position.secured_net_by_denom().items()
    ]
    return {
        "securedNetBalancesByDenom": secured,
        "unsecuredBalancesInDefaultDenom": {
            "totalPayables": format_amount(payables, denom),
            "totalReceivables": format_amount(receivables, denom),
            "netPayRec": format_amount(receivables - payables, denom),
        },
        "netCredexAssetsInDefaultDenom": format_amount(position.net_assets(denom, day.rates), denom),
    }


def account_dashboard(member: Member, account: Account, day: Today) -> dict:
    """One `dashboard.accounts[]` entry, seen by `member`."""
    position = Position(account.account_id)
    board: dict[str, Any] = {
        "accountID": str(account.account_id),
        "accountName": account.account_name,
        "accountHandle": account.account_handle,
        "accountType": account.account_type,
        "defaultDenom": account.default_denom,
        "isOwnedAccount": account.owner_id == member.member_id,
    }
    recipient = account.send_offers_to
    if recipient is not None:
        board["sendOffersTo"] = {
            "memberID": str(recipient.member_id),
            "firstname": recipient.firstname,
            "lastname": recipient.lastname,
        }
    if board["isOwnedAccount"]:  # v1's `authFor`, kept so the owner can manage who may act for the account
        access = account.access.select_related("member").order_by("created_at")
        board["authFor"] = [
            {
                "memberID": str(a.member.member_id),
                "firstname": a.member.firstname,
                "lastname": a.member.lastname,
            }
            for a in access
        ]
    board["balanceData"] = balance_data(position, account, day)
    board["pendingInData"] = _pending([offer_item(r, outgoing=False) for r in position.pending_in()])
    board["pendingOutData"] = _pending([offer_item(r, outgoing=True) for r in position.pending_out()])
    return board


def authorized_accounts(member: Member) -> list[Account]:
    """Every account the member is authorised for, in the order access was granted."""
    access = AccountAccess.objects.filter(member=member).select_related("account__send_offers_to")
    return [entry.account for entry in access.order_by("id")]


def full_dashboard(member: Member) -> dict:
    """`{member, accounts}` over every authorised account (login, onboarding)."""
    day = today()
    accounts = [account_dashboard(member, account, day) for account in authorized_accounts(member)]
    return {"member": member_dashboard(member, day), "accounts": accounts}


def single_dashboard(member: Member, account: Account) -> dict:
    """`{member, accounts:[one]}` after a mutation on that account."""
    day = today()
    return {"member": member_dashboard(member, day), "accounts": [account_dashboard(member, account, day)]}


def raw_account_result(member: Member, account: Account) -> dict:
    """The non-standard dashboard of createRecurring and acceptCredexBulk (the raw service result)."""
    data = account_dashboard(member, account, today())
    return {"success": True, "data": data, "message": "Account dashboard retrieved successfully"}
