"""Settle `unknown` instructions by reading the ledger (MO-5): `reconcile_unknown()` and
`instruction_reconcile(key)`; `python manage.py reconcile_instructions` runs the first, and so does the
worker at start.

Also picked up: instructions stuck in `sent` for longer than the settle period (the process died mid-call).
What "read the ledger" means per action:
- `credex_offer`: the issuer account's pending offers (login) and its ledger (getLedger pages, for offers
  accepted meanwhile): a credex of the same amount, denomination and security (and counterparty name when
  the `receiver_account_name` hint was stored) that no other `done` instruction has claimed → `done`;
- `credex_accept` / `credex_decline` / `credex_cancel` / `credex_accept_bulk`: getCredex per id — accepted
  (OWES/CLEARED), DECLINED, CANCELLED → `done` if that is what was asked, `failed` if it moved elsewhere;
- `account_create`: login shows an owned account with the handle → `done`;
- `member_onboard`: login succeeds → `done`;
- `tier_upgrade`, `account_authorize`, `account_unauthorize`, `send_offers_to_update`: re-sent, because the
  ledger makes them idempotent (a second subscription is refused with ACTIVE_EXISTS, authorising twice or
  setting the same recipient twice changes nothing, removing twice says MEMBER_NOT_AUTHORIZED).
Nothing found yet → still `unknown` until `MYCREDEX_RECONCILE_SETTLE_SECONDS` after sending, then `failed`
(the ledger commits within one request, so by then a missing credex was never created). Limitation: an
identical offer made outside the bot could be taken for ours; offers declined/cancelled/expired before
reconciliation runs look "not created". Moves are conditional UPDATEs from the state that was read.
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

from credex_api import reconcile_offer, reconcile_resend, services
from credex_api.actions import ACTIONS, decode_params
from credex_api.client import CredexClient
from credex_api.errors import ActiveSubscriptionExists, CredexError, CredexNotFound, CredexOutcomeUnknown
from credex_api.instructions import result_json
from credex_api.models import Instruction

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


def _credex_type(row: Instruction, credex_id: str, client: CredexClient | None) -> str | None:
    try:
        return services.credex_get(phone=row.member, credex_id=credex_id, client=client).transaction_type
    except CredexNotFound:
        return None


def _lifecycle(wanted: frozenset[str]) -> Callable[[Instruction, dict, CredexClient | None], Verdict]:
    def reconcile(row: Instruction, params: dict, client: CredexClient | None) -> Verdict:
        kind = _credex_type(row, params["credex_id"], client)
        if kind in wanted:
            return Verdict(State.DONE, ref=params["credex_id"], result={"transaction_type": kind})
        if kind in PENDING_TYPES:
            return Verdict(None)
        return Verdict(State.FAILED, code=f"CREDEX_{kind or 'NOT_FOUND'}")

    return reconcile


def _reconcile_bulk(row: Instruction, params: dict, client: CredexClient | None) -> Verdict:
    kinds = {credex_id: _credex_type(row, credex_id, client) for credex_id in params["credex_ids"]}
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


def _stale_sent_before(now: datetime) -> datetime:
    return now - timedelta(
        seconds=settings.MYCREDEX_RECONCILE_SETTLE_SECONDS + settings.MYCREDEX_READ_TIMEOUT
    )


def instruction_reconcile(
    key: object, *, client: CredexClient | None = None, now: datetime | None = None
) -> str:
    """Read the ledger for one `unknown` (or stale `sent`) instruction and settle it; its state after."""
    now = now or timezone.now()
    row = Instruction.objects.get(key=key)
    stale_sent = row.state == State.SENT and row.sent_at is not None and row.sent_at < _stale_sent_before(now)
    if row.state != State.UNKNOWN and not stale_sent:
        return row.state
    verdict = RECONCILERS[row.action](row, decode_params(row.params), client)
    settle = timedelta(seconds=settings.MYCREDEX_RECONCILE_SETTLE_SECONDS)
    if verdict.state is None and row.sent_at is not None and row.sent_at <= now - settle:
        verdict = Verdict(State.FAILED, code="NOT_AT_LEDGER")
    updates: dict[str, Any] = {"reconcile_attempts": F("reconcile_attempts") + 1, "updated_at": now}
    if verdict.state is not None:
        updates.update(
            state=verdict.state,
            ledger_ref=verdict.ref[:64],
            finished_at=now,
            error_code=(verdict.code or ("" if verdict.state == State.DONE else "FAILED"))[:64],
        )
        if verdict.result is not None:
            updates["result"] = verdict.result
    moved = Instruction.objects.filter(pk=row.pk, state=row.state).update(**updates)
    new_state = verdict.state if (moved and verdict.state) else Instruction.objects.get(pk=row.pk).state
    logger.info(
        "instruction %s %s reconciled: %s → %s %s", row.key, row.action, row.state, new_state, verdict.code
    )
    return new_state


def reconcile_unknown(
    *, client: CredexClient | None = None, now: datetime | None = None, limit: int = 500
) -> ReconcileReport:
    """Settle every `unknown` (and stale `sent`) instruction, oldest first; errors are counted, not raised."""
    now = now or timezone.now()
    report = ReconcileReport()
    pending = Q(state=State.UNKNOWN) | Q(state=State.SENT, sent_at__lt=_stale_sent_before(now))
    for key in (
        Instruction.objects.filter(pending).order_by("sent_at", "id").values_list("key", flat=True)[:limit]
    ):
        report.examined += 1
        try:
            state = instruction_reconcile(key, client=client, now=now)
        except CredexError as exc:
            report.errors += 1
            logger.warning("instruction %s not reconciled yet: %s %s", key, type(exc).__name__, exc.code)
            continue
        if state == State.DONE:
            report.done += 1
            report.keys_done.append(str(key))
        elif state == State.FAILED:
            report.failed += 1
        else:
            report.still_unknown += 1
    return report
