"""Settling `unknown` re-sendable instructions: read first, then re-send at most once.

`credex_api.reconcile` uses this for `tier_upgrade`, `account_authorize`, `account_unauthorize` and
`send_offers_to_update`, whose ledger effect has no id of ours to look up.
1. Read, where the login's dashboard shows the effect: a member tier of 3 or more
   (the subscription was paid by the daily job); the account's `sendOffersTo` already being the
   member asked for; the member no longer in the owner's `authFor` list. The recurring template itself
   cannot be read: the dashboard does not list templates, and `getRecurring` needs the recurringID the lost
   answer carried.
2. Otherwise claim the one re-send: a conditional UPDATE writes `resend_claimed_at` into the row's `result`
   and moves `sent_at` to the re-send time, only if no claim is there yet. A sweep that loses the claim, or
   comes later, does not send again: the row waits for the claimed re-send's answer, then for its bounded
   life. Why once, and never unguarded: credex-core creates a template as `PENDING` without any check for
   an existing one (`src/api/Recurring/services/CreateRecurring.ts` on `v01`, `status: "PENDING"`;
   `src/api/Avatar/services/RequestRecurring.ts` on `dev` has no check at all), and the envelope-era
   `ACTIVE_EXISTS` refusal looks only at `ACTIVE` ones. A re-send made after the first
   request finished meets either an `ACTIVE` template (refused, `ACTIVE_EXISTS`) or one whose auto-accept
   failed and that never pays; two re-sends at once could each pass that check.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from credex_api import services
from credex_api.client import CredexClient
from credex_api.errors import CredexNotFound
from credex_api.models import Instruction
from credex_api.results import LoginResult

CLAIM_MARK = "resend_claimed_at"
UPGRADED_TIER = 3


def _account(login: LoginResult, account_id: str | None) -> Any:
    return next((account for account in login.accounts if account.account_id == account_id), None)


def already_effective(row: Instruction, params: dict, client: CredexClient | None) -> str:
    """A code saying why the ledger already shows the effect (read by login), or "" when it cannot tell."""
    try:
        login = services.member_login(phone=row.member, client=client)
    except CredexNotFound:
        return ""
    account = _account(login, params.get("account_id"))
    if row.action == "tier_upgrade" and login.member.tier >= UPGRADED_TIER:
        return "TIER_ACTIVE"
    if row.action == "send_offers_to_update" and account and account.send_offers_to == params["member_id"]:
        return "SEND_OFFERS_TO_SET"
    authorized = {member.member_id for member in account.authorized} if account else set()
    if row.action == "account_unauthorize" and authorized and params["member_id"] not in authorized:
        return "NOT_AUTHORIZED"
    return ""


def claim_resend(row: Instruction) -> bool:
    """Mark the row as re-sent now, only if nobody has; True for the one caller that may send.

    On success `row.sent_at` and `row.result` carry the claim; on failure they are re-read, so the caller
    judges the row's age from the claimed re-send, not from the first send.
    """
    now = timezone.now()
    mark = {**(row.result if isinstance(row.result, dict) else {}), CLAIM_MARK: now.isoformat()}
    unclaimed = Q(result__isnull=True) | ~Q(result__has_key=CLAIM_MARK)
    won = bool(
        Instruction.objects.filter(unclaimed, pk=row.pk, state=row.state).update(
            result=mark, sent_at=now, updated_at=now
        )
    )
    if won:
        row.result, row.sent_at = mark, now
    else:
        row.refresh_from_db(fields=["result", "sent_at"])
    return won
