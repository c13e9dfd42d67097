"""The offer state machine: accept (one or many), decline, cancel.

pending `OFFERS` → `OWES` (accept, by a member authorised for the receiving account), → `DECLINED` (by the
receiver side), → `CANCELLED` (by the issuer side). Anything not pending cannot move again. Errors, by code:
accept — 404 `CREDEX_NOT_FOUND`, 400 `ACCEPT_FAILED` (not authorised / not a pending offer), 409
`ALREADY_ACCEPTED`; decline/cancel — 404 `NOT_FOUND`, 403 `UNAUTHORIZED`, 409 `ALREADY_PROCESSED`.
Each runs inside the request's IMMEDIATE transaction: of N concurrent accepts exactly one wins.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sandbox.ledger import notifier
from sandbox.ledger.accounts import is_authorized
from sandbox.ledger.calls import Call
from sandbox.ledger.dashboard import raw_account_result, single_dashboard
from sandbox.ledger.envelope import ApiError, Reply, action, business_error, success
from sandbox.ledger.formatting import format_number
from sandbox.ledger.models import ACCEPTED, CANCELLED, DECLINED, OFFERS, OWES, PENDING, Credex, Member
from sandbox.ledger.units import from_units


def _credex(credex_id: str) -> Credex | None:
    return Credex.objects.select_related("issuer", "receiver").filter(credex_id=credex_id).first()


def accept_one(credex_id: str, signer: Member) -> Credex:
    """Accept one pending offer for `signer` or raise the contract's error."""
    actor = signer.member_id
    credex = _credex(credex_id)
    if credex is None:
        raise business_error(404, "ERROR_NOT_FOUND", "CREDEX_NOT_FOUND", "Credex not found", actor=actor)
    if not is_authorized(signer, credex.receiver_id):
        message = "Failed to accept credex: not authorized for the receiving account"
        raise business_error(400, "ERROR_INTERNAL", "ACCEPT_FAILED", message, actor=actor)
    if credex.status in ACCEPTED:
        raise business_error(
            409, "ERROR_VALIDATION", "ALREADY_ACCEPTED", "Credex already accepted", actor=actor
        )
    if credex.status != OFFERS:
        message = "Failed to accept credex: not a pending offer"
        raise business_error(400, "ERROR_INTERNAL", "ACCEPT_FAILED", message, actor=actor)
    credex.status, credex.accepted_at = OWES, timezone.now()
    credex.save(update_fields=["status", "accepted_at"])
    notifier.announce(credex, notifier.ACCEPTED, signer, credex.accepted_at)
    return credex


def accept_credex(call: Call) -> Reply:
    """200 `CREDEX_ACCEPTED` with the acceptor account's dashboard (updated pending lists)."""
    signer = call.signer
    credex = accept_one(call.body["credexID"], signer)
    amount = format_number(from_units(credex.initial_units), credex.denomination)
    details = {
        "amount": amount,
        "denomination": credex.denomination,
        "securedCredex": credex.secured,
        "acceptorAccountID": str(credex.receiver_id),
    }
    body = action(
        "CREDEX_ACCEPTED",
        action_id=credex.credex_id,
        actor=signer.member_id,
        details=details,
        timestamp=credex.accepted_at,
    )
    kind = "Secured" if credex.secured else "Unsecured"
    message = f"{kind} credex for {amount} {credex.denomination} accepted successfully"
    return success(200, message, body, single_dashboard(signer, credex.receiver))


def _bulk_entry(credex_id: str, signer: Member, outcome: dict) -> Credex | None:
    try:
        with transaction.atomic():
            credex = accept_one(credex_id, signer)
    except ApiError as exc:
        details = exc.reply.body["data"]["action"]["details"]
        if details["code"] == "ALREADY_ACCEPTED":
            outcome["alreadyAccepted"].append(credex_id)
        else:
            outcome["failed"].append({"credexID": credex_id, "error": exc.reply.body["message"]})
        return None
    outcome["accepted"].append(credex_id)
    return credex


def accept_credex_bulk(call: Call) -> Reply:
    """200 `CREDEX_BULK_ACCEPTED` if any was (or already had been) accepted; else 400 `BULK_ACCEPT_FAILED`."""
    signer, ids = call.signer, call.body["credexIDs"]
    outcome: dict[str, list] = {"accepted": [], "alreadyAccepted": [], "failed": []}
    last = None
    for credex_id in ids:
        last = _bulk_entry(credex_id, signer, outcome) or last
    successes = len(outcome["accepted"]) + len(outcome["alreadyAccepted"])
    if not successes:
        message = "Failed to accept any of the credexes"
        raise business_error(400, "ERROR_VALIDATION", "BULK_ACCEPT_FAILED", message, actor=signer.member_id)
    details = {
        "summary": outcome,
        "totalProcessed": len(ids),
        "successCount": successes,
        "failureCount": len(outcome["failed"]),
    }
    body = action("CREDEX_BULK_ACCEPTED", action_id=None, actor=signer.member_id, details=details)
    dashboard = raw_account_result(signer, last.receiver) if last else {}
    return success(200, f"Accepted {len(outcome['accepted'])} of {len(ids)} credexes", body, dashboard)


def _close(call: Call, *, side: str) -> tuple[Credex, Member]:
    """Shared rules of decline (receiver side) and cancel (issuer side)."""
    signer, actor = call.signer, call.signer.member_id
    credex = _credex(call.body["credexID"])
    if credex is None:
        message = "Credex not found or already processed"
        raise business_error(404, "ERROR_NOT_FOUND", "NOT_FOUND", message, actor=actor)
    account_id = credex.receiver_id if side == "receiving" else credex.issuer_id
    if not is_authorized(signer, account_id):
        message = f"Not authorized: you must be authorized for the {side} account"
        raise business_error(403, "ERROR_UNAUTHORIZED", "UNAUTHORIZED", message, actor=actor)
    if credex.status not in PENDING:
        message = "Credex not found or already processed"
        raise business_error(409, "ERROR_VALIDATION", "ALREADY_PROCESSED", message, actor=actor)
    return credex, signer


def _closed_reply(credex: Credex, signer: Member, kind: str, reason: str, message: str) -> Reply:
    moment = credex.declined_at or credex.cancelled_at
    details = {
        "amount": "0",
        "denomination": credex.denomination,
        "securedCredex": False,
        "receiverAccountID": str(credex.receiver_id),
        "reason": reason,
    }
    body = action(kind, action_id=credex.credex_id, actor=signer.member_id, details=details, timestamp=moment)
    account = credex.receiver if kind == "CREDEX_DECLINED" else credex.issuer
    return success(200, message, body, single_dashboard(signer, account))


def decline_credex(call: Call) -> Reply:
    """200 `CREDEX_DECLINED` with the receiver account's dashboard."""
    credex, signer = _close(call, side="receiving")
    credex.status, credex.declined_at, credex.outstanding_units = DECLINED, timezone.now(), 0
    credex.save(update_fields=["status", "declined_at", "outstanding_units"])
    notifier.announce(credex, notifier.DECLINED, signer, credex.declined_at)
    return _closed_reply(
        credex, signer, "CREDEX_DECLINED", "Declined by receiver", "Credex declined successfully"
    )


def cancel_credex(call: Call) -> Reply:
    """200 `CREDEX_CANCELLED` with the issuer account's dashboard."""
    credex, signer = _close(call, side="issuing")
    credex.status, credex.cancelled_at, credex.outstanding_units = CANCELLED, timezone.now(), 0
    credex.save(update_fields=["status", "cancelled_at", "outstanding_units"])
    notifier.announce(credex, notifier.CANCELLED, signer, credex.cancelled_at)
    return _closed_reply(
        credex, signer, "CREDEX_CANCELLED", "Cancelled by issuer", "Credex cancelled successfully"
    )
