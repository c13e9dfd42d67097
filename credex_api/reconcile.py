"""Settle `unknown` instructions by reading the ledger (never by sending again blindly): `reconcile_unknown()`
and `instruction_reconcile(key)`; `python manage.py reconcile_instructions` runs the first, and so does the
worker at start.

Also picked up: `sent` rows whose worker's lease (`lease_until`, MYCREDEX_INSTRUCTION_LEASE_SECONDS) ran out
(the process died mid-call); a row its worker still holds is never judged. Each check that settles nothing
(or raises) sets `next_check_at` (exponential backoff, MYCREDEX_RECONCILE_BACKOFF_SECONDS doubled up to
..._BACKOFF_MAX_SECONDS); after MYCREDEX_RECONCILE_ALERT_CHECKS checks or ..._ALERT_HOURS since sending, ops
get one `instruction.unsettled` alert with the instruction key only (`alerted_at`; listed in the admin).
A raising check never settles the row to `failed`: it read nothing, so "nothing was sent" would be a guess.
Every state change is a `credex_api.states.move`.
What "read the ledger" means per action:
- `credex_offer`: the issuer account's pending offers (login) and its ledger (getLedger pages, for offers
  accepted meanwhile): a credex of the same amount, denomination and security (and counterparty name when
  the `receiver_account_name` hint was stored) that no other `done` instruction has claimed → `done`;
- `credex_accept` / `credex_decline` / `credex_cancel` / `credex_accept_bulk`: getCredex per id, from the
  first of the member's accounts that is a party (the ledger requires `accountID`) — accepted
  (OWES/CLEARED), DECLINED, CANCELLED → `done` if that is what was asked, `failed` if it moved elsewhere;
- `account_create`: login shows an owned account with the handle → `done`;
- `member_onboard`: login succeeds → `done`;
- `tier_upgrade`, `account_authorize`, `account_unauthorize`, `send_offers_to_update`: re-sent, because the
  ledger makes them idempotent (a second subscription is refused with ACTIVE_EXISTS, authorising twice or
  setting the same recipient twice changes nothing, removing twice says MEMBER_NOT_AUTHORIZED).
Nothing found yet → still `unknown` until `MYCREDEX_RECONCILE_SETTLE_SECONDS` after sending, then `failed`
(the ledger commits within one request, so by then a missing credex was never created). Limitation: an
identical offer made outside the bot could be taken for ours; offers declined/cancelled/expired before
reconciliation runs look "not created".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from credex_api import reconcile_offer, reconcile_resend, services, states
from credex_api.actions import ACTIONS, decode_params
from credex_api.client import CredexClient
from credex_api.errors import (
    ActiveSubscriptionExists,
    CredexError,
    CredexForbidden,
    CredexNotFound,
    CredexOutcomeUnknown,
)
from credex_api.instructions import expire_pending, result_json
from credex_api.models import Instruction
from security.alerts import raise_alert

logger = logging.getLogger(__name__)
State = Instruction.State
ACCEPTED_TYPES = frozenset({"OWES", "CLEARED"})
PENDING_TYPES = frozenset({"OFFERS", "REQUESTS"})
LEDGER_PAGE_ROWS = 100
LEDGER_MAX_PAGES = 20
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the ledger shows: `state` done/failed, or None when nothing is visible (yet)."""

    state: str | None
    ref: str = ""
    result: Any = None
    code: str = ""


@dataclass
class ReconcileReport:
    examined: int = 0
    done: int = 0
    failed: int = 0
    still_unknown: int = 0
    errors: int = 0
    expired: int = 0  # pending rows whose confirmation screen nobody tapped in time
    keys_done: list[str] = field(default_factory=list)


def _offer_candidates(row: Instruction, params: dict, client: CredexClient | None) -> list[str]:
    """Credexes at the ledger with exactly this instruction's own fields (`credex_api.reconcile_offer`)."""
    return reconcile_offer.offer_candidates(row, params, client)


def _reconcile_offer(row: Instruction, params: dict, client: CredexClient | None) -> Verdict:
    """`done` with the one unclaimed credex that is this offer's; never a guess between members."""
    match = reconcile_offer.offer_match(row, params, client)
    if match == reconcile_offer.AMBIGUOUS:
        logger.warning("instruction %s: identical open offers of other members, not settled", row.key)
        return Verdict(None, code="AMBIGUOUS_MATCH")
    if match is None:
        return Verdict(None)
    return Verdict(State.DONE, ref=match, result={"credex_id": match, "reconciled": True})


def _party_accounts(row: Instruction, client: CredexClient | None) -> list[str]:
    """The member's accounts (getCredex needs the party account the credex is read from)."""
    return [account.account_id for account in services.member_login(phone=row.member, client=client).accounts]


def _credex_type(
    row: Instruction, credex_id: str, accounts: list[str], client: CredexClient | None
) -> str | None:
    """The credex's type seen from the first of the member's accounts that is a party (None: none is)."""
    for account_id in accounts:
        try:
            detail = services.credex_get(
                phone=row.member, credex_id=credex_id, account_id=account_id, client=client
            )
        except (CredexNotFound, CredexForbidden):
            continue
        return detail.transaction_type
    return None


def _lifecycle(wanted: frozenset[str]) -> Callable[[Instruction, dict, CredexClient | None], Verdict]:
    def reconcile(row: Instruction, params: dict, client: CredexClient | None) -> Verdict:
        kind = _credex_type(row, params["credex_id"], _party_accounts(row, client), client)
        if kind in wanted:
            return Verdict(State.DONE, ref=params["credex_id"], result={"transaction_type": kind})
        if kind in PENDING_TYPES:
            return Verdict(None)
        return Verdict(State.FAILED, code=f"CREDEX_{kind or 'NOT_FOUND'}")

    return reconcile


def _reconcile_bulk(row: Instruction, params: dict, client: CredexClient | None) -> Verdict:
    accounts = _party_accounts(row, client)
    kinds = {credex_id: _credex_type(row, credex_id, accounts, client) for credex_id in params["credex_ids"]}
    accepted = [credex_id for credex_id, kind in kinds.items() if kind in ACCEPTED_TYPES]
    if accepted:
        return Verdict(State.DONE, result={"accepted": accepted, "reconciled": True})
    if any(kind in PENDING_TYPES for kind in kinds.values()):
        return Verdict(None)
    return Verdict(State.FAILED, code="BULK_ACCEPT_FAILED")


def _reconcile_account(row: Instruction, params: dict, client: CredexClient | None) -> Verdict:
    login = services.member_login(phone=row.member, client=client)
    handle = params["handle"].strip().lower()
    match = next((a for a in login.accounts if a.handle == handle and a.is_owned), None)
    return Verdict(State.DONE, ref=match.account_id) if match else Verdict(None)


def _reconcile_onboard(row: Instruction, params: dict, client: CredexClient | None) -> Verdict:
    try:
        login = services.member_login(phone=row.member, client=client)
    except CredexNotFound:
        return Verdict(None)
    return Verdict(State.DONE, ref=login.member.member_id)


def _send_again(row: Instruction, params: dict, client: CredexClient | None) -> Verdict:
    """The one claimed re-send, judged by its answer (the ledger makes these idempotent, see above)."""
    spec = ACTIONS[row.action]
    try:
        result = spec.run(phone=row.member, client=client, **params)
    except ActiveSubscriptionExists:
        return Verdict(State.DONE, code="ACTIVE_EXISTS")
    except CredexNotFound as exc:
        if row.action == "account_unauthorize" and exc.code == "MEMBER_NOT_AUTHORIZED":
            return Verdict(State.DONE, code=exc.code)
        return Verdict(State.FAILED, code=exc.code)
    except CredexOutcomeUnknown:
        return Verdict(None)
    except CredexError as exc:
        if exc.status is not None and 400 <= exc.status < 500:
            return Verdict(State.FAILED, code=exc.code)
        raise
    return Verdict(State.DONE, ref=spec.ref(result) or "", result=result_json(result))


def _resend(row: Instruction, params: dict, client: CredexClient | None) -> Verdict:
    """Read the effect where the ledger shows it, else claim the one re-send (`reconcile_resend`)."""
    seen = reconcile_resend.already_effective(row, params, client)
    if seen:
        return Verdict(State.DONE, code=seen)
    if not reconcile_resend.claim_resend(row):
        return Verdict(None, code="RESEND_CLAIMED")  # sent again already, or by a sweep running now
    return _send_again(row, params, client)


RECONCILERS: dict[str, Callable[[Instruction, dict, CredexClient | None], Verdict]] = {
    "credex_offer": _reconcile_offer,
    "credex_accept": _lifecycle(ACCEPTED_TYPES),
    "credex_decline": _lifecycle(frozenset({"DECLINED"})),
    "credex_cancel": _lifecycle(frozenset({"CANCELLED"})),
    "credex_accept_bulk": _reconcile_bulk,
    "account_create": _reconcile_account,
    "member_onboard": _reconcile_onboard,
    "tier_upgrade": _resend,
    "account_authorize": _resend,
    "account_unauthorize": _resend,
    "send_offers_to_update": _resend,
}


def _due(now: datetime) -> Q:
    """Rows to read now: `unknown`, or `sent` whose worker's lease ran out; and not backing off."""
    lease = timedelta(seconds=settings.MYCREDEX_INSTRUCTION_LEASE_SECONDS)
    expired = Q(lease_until__lt=now) | Q(lease_until__isnull=True, sent_at__lt=now - lease)
    waiting = Q(next_check_at__isnull=False, next_check_at__gt=now)
    return (Q(state=State.UNKNOWN) | (Q(state=State.SENT) & expired)) & ~waiting


def instruction_reconcile(
    key: object, *, client: CredexClient | None = None, now: datetime | None = None
) -> str:
    """Read the ledger for one `unknown` (or lease-expired `sent`) instruction and settle it; its state after.

    A check that settles nothing, or that raises (re-raised), counts: the next one waits (backoff) and
    ops are alerted once the row stays unsettled too long (`_checked`)."""
    now = now or timezone.now()
    row = Instruction.objects.get(key=key)
    if not Instruction.objects.filter(_due(now), pk=row.pk).exists():
        return row.state
    try:
        verdict = RECONCILERS[row.action](row, decode_params(row.params), client)
    except Exception as exc:
        _checked(row, now, code=getattr(exc, "code", "") or type(exc).__name__)
        raise
    settle = timedelta(seconds=settings.MYCREDEX_RECONCILE_SETTLE_SECONDS)
    if verdict.state is None and not verdict.code and row.sent_at is not None and row.sent_at <= now - settle:
        # "not found" long enough is "never arrived"; an undecided check (a verdict with a code: an
        # ambiguous match, a claimed re-send) is never settled by the clock: it backs off and alerts ops.
        verdict = Verdict(State.FAILED, code="NOT_AT_LEDGER")
    if verdict.state is None:
        _checked(row, now)
        return row.state
    outcome: dict[str, Any] = {"ledger_ref": verdict.ref[:64], "finished_at": now}
    outcome["error_code"] = (verdict.code or ("" if verdict.state == State.DONE else "FAILED"))[:64]
    if verdict.result is not None:
        outcome["result"] = verdict.result
    attempts = F("reconcile_attempts") + 1
    moved = states.move(row.key, row.state, verdict.state, now=now, reconcile_attempts=attempts, **outcome)
    new_state = verdict.state if moved else Instruction.objects.get(pk=row.pk).state
    logger.info(
        "instruction %s %s reconciled: %s → %s %s", row.key, row.action, row.state, new_state, verdict.code
    )
    return new_state


def _checked(row: Instruction, now: datetime, *, code: str = "") -> None:
    """One more check that settled nothing: back off exponentially; alert ops once it stays unsettled."""
    attempts = row.reconcile_attempts + 1
    base, cap = settings.MYCREDEX_RECONCILE_BACKOFF_SECONDS, settings.MYCREDEX_RECONCILE_BACKOFF_MAX_SECONDS
    wait = timedelta(seconds=min(cap, base * 2 ** min(attempts - 1, 30)))
    Instruction.objects.filter(pk=row.pk, state=row.state).update(
        reconcile_attempts=F("reconcile_attempts") + 1, next_check_at=now + wait, updated_at=now
    )
    age = now - (row.sent_at or row.created_at)
    too_long = age >= timedelta(hours=settings.MYCREDEX_RECONCILE_ALERT_HOURS)
    if attempts < settings.MYCREDEX_RECONCILE_ALERT_CHECKS and not too_long:
        return
    if Instruction.objects.filter(pk=row.pk, alerted_at__isnull=True).update(alerted_at=now):
        details = {"instruction": str(row.key), "action": row.action, "state": row.state, "checks": attempts}
        details["last_error"] = code
        message = f"instruction {row.key} is still {row.state} after {attempts} ledger checks"
        raise_alert("instruction.unsettled", message, severity="error", details=details)


def reconcile_unknown(
    *, client: CredexClient | None = None, now: datetime | None = None, limit: int = 500
) -> ReconcileReport:
    """Settle every due `unknown` (and lease-expired `sent`) instruction, oldest first; errors are counted
    (and the row backs off), not raised."""
    now = now or timezone.now()
    report = ReconcileReport(expired=expire_pending(now=now))  # abandoned confirmation screens
    for key in (
        Instruction.objects.filter(_due(now)).order_by("sent_at", "id").values_list("key", flat=True)[:limit]
    ):
        report.examined += 1
        try:
            state = instruction_reconcile(key, client=client, now=now)
        except Exception as exc:
            report.errors += 1
            logger.warning(
                "instruction %s not reconciled yet: %s %s", key, type(exc).__name__, getattr(exc, "code", "")
            )
            continue
        if state == State.DONE:
            report.done += 1
            report.keys_done.append(str(key))
        elif state == State.FAILED:
            report.failed += 1
        else:
            report.still_unknown += 1
    return report
