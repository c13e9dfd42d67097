"""Read routes: `getCredex` and `getLedger`.

`getLedger` lists the account's accepted credexes (OWES or CLEARED) by acceptance time and honours
`startRow`/`numRows` with a real `hasMore` — a deliberate fix of the real service, whose schema dropped
both parameters and always returned the first 10 rows (switch the `ledger_pagination` quirk on to get that).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from sandbox.ledger import runtime
from sandbox.ledger.accounts import find_account, is_authorized
from sandbox.ledger.calls import Call
from sandbox.ledger.envelope import Reply, action, business_error, iso, success
from sandbox.ledger.formatting import format_amount, format_number, rounded
from sandbox.ledger.models import ACCEPTED, Credex, Member
from sandbox.ledger.schemas import DEFAULT_LEDGER_PAGE
from sandbox.ledger.units import from_units


def _party_account(credex: Credex, member: Member, requested: str | None) -> object:
    """The party account from whose side the credex is shown; 403 when the member may not see it."""
    parties = [credex.issuer_id, credex.receiver_id]
    if requested is not None:
        parties = [party for party in parties if str(party) == requested]
    for party in parties:
        if is_authorized(member, party):
            return party
    message = "Not authorized to view this credex"
    raise business_error(403, "ERROR_UNAUTHORIZED", "UNAUTHORIZED", message, actor=member.member_id)


def _credex_details(credex: Credex, side: object) -> dict:
    sign = -1 if side == credex.issuer_id else 1
    denom = credex.denomination
    counterparty = credex.receiver if side == credex.issuer_id else credex.issuer

    def money(units: int) -> str:
        return format_amount(from_units(units), denom)

    return {
        "amount": format_number(sign * from_units(credex.initial_units), denom),
        "initialAmount": format_number(sign * from_units(credex.initial_units), denom),
        "denomination": denom,
        "securedCredex": credex.secured,
        "receiverAccountName": counterparty.account_name,
        "transactionType": credex.status,
        "status": {
            "outstandingAmount": money(credex.outstanding_units),
            "redeemedAmount": money(credex.redeemed_units),
            "defaultedAmount": money(credex.defaulted_units),
            "writtenOffAmount": money(credex.written_off_units),
            "acceptedAt": iso(credex.accepted_at),
            "declinedAt": iso(credex.declined_at),
            "cancelledAt": iso(credex.cancelled_at),
            "dueDate": credex.due_date.isoformat() if credex.due_date else None,
        },
        "clearedAgainst": [],
    }


def get_credex(call: Call) -> Reply:
    """200 `CREDEX_RETRIEVED` (amounts negative from the issuer's side), 404 or 403."""
    member = call.signer
    credex = (
        Credex.objects.select_related("issuer", "receiver").filter(credex_id=call.body["credexID"]).first()
    )
    if credex is None:
        raise business_error(404, "ERROR_NOT_FOUND", "NOT_FOUND", "Credex not found", actor=member.member_id)
    side = _party_account(credex, member, call.body.get("accountID"))
    details = _credex_details(credex, side)
    body = action("CREDEX_RETRIEVED", action_id=credex.credex_id, actor=member.member_id, details=details)
    return success(200, "Credex retrieved successfully", body, {})


def ledger_entry(credex: Credex, account_id: object) -> dict[str, Any]:
    """One ledger row as seen from `account_id` (negative when the account is the debtor)."""
    debtor = credex.issuer_id == account_id
    amount = from_units(credex.initial_units) * (-1 if debtor else 1)
    counterparty = credex.receiver if debtor else credex.issuer
    formatted = format_amount(amount, credex.denomination)
    kind = "Secured" if credex.secured else "Unsecured"
    direction = "to" if debtor else "from"
    return {
        "credexID": str(credex.credex_id),
        "formattedInitialAmount": formatted,
        "counterpartyAccountName": counterparty.account_name,
        "timestamp": iso(credex.accepted_at),
        "type": credex.status,
        "amount": rounded(amount, credex.denomination),
        "denomination": credex.denomination,
        "description": f"{kind} credex {direction} {counterparty.account_name}",
        "formattedAmount": formatted,
    }


def _page(body: dict) -> tuple[int, int]:
    if runtime.quirk("ledger_pagination"):
        return DEFAULT_LEDGER_PAGE["startRow"], DEFAULT_LEDGER_PAGE["numRows"]
    return (
        body.get("startRow", DEFAULT_LEDGER_PAGE["startRow"]),
        body.get("numRows", DEFAULT_LEDGER_PAGE["numRows"]),
    )


def get_ledger(call: Call) -> Reply:
    """200 `LEDGER_RETRIEVED`: a page of accepted credexes and `pagination {startRow, numRows, hasMore}`."""
    member = call.signer
    account = find_account(call.body["accountID"], actor=member.member_id)
    if not is_authorized(member, account.account_id):
        message = "Unauthorized access to account"
        raise business_error(
            403, "ERROR_UNAUTHORIZED", "UNAUTHORIZED_ACCESS", message, actor=member.member_id
        )
    start, count = _page(call.body)
    query = (
        Credex.objects.filter(Q(issuer=account) | Q(receiver=account), status__in=ACCEPTED)
        .select_related("issuer", "receiver")
        .order_by("accepted_at", "id")
    )
    rows = list(query[start : start + count + 1])
    entries = [ledger_entry(credex, account.account_id) for credex in rows[:count]]
    details = {"accountID": str(account.account_id), "ledger": entries}
    body = action("LEDGER_RETRIEVED", action_id=account.account_id, actor=member.member_id, details=details)
    pagination = {"startRow": start, "numRows": count, "hasMore": len(rows) > count}
    return success(200, "Ledger retrieved successfully", body, {"ledger": entries, "pagination": pagination})
