"""Which credex an `unknown` offer instruction produced, if any (`credex_api.reconcile` asks).

The ledger keeps no key of ours, so an offer is found by its own fields only: the issuer account, the
amount and denomination, secured or not, the due date, and the receiver (by the `receiver_account_name`
hint, as the ledger's lists name the counterparty and never give its account id). Candidates come from the
issuer account's pending offers (login) and its accepted credexes (getLedger, each re-read with getCredex
for the fields the ledger row lacks, and only if accepted after the instruction was sent, less clock skew).

A candidate is never one that another instruction (of any member: accounts are shared) already recorded as
its `ledger_ref`. When members other than this one have an identical offer instruction still open
(`sent`/`unknown`) and there are fewer unclaimed candidates than open identical instructions, which member's
credex it is cannot be told from the ledger: the answer is `AMBIGUOUS` and nothing is claimed (the row stays
`unknown` for an operator; a guess would tell one member that someone else's offer was theirs).
Limitation: a pending offer's creation time is not in the contract's dashboard, so an identical offer made
outside the bot after ours was sent can still be taken for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from credex_api import services
from credex_api.actions import decode_params
from credex_api.client import CredexClient
from credex_api.errors import CredexNotFound
from credex_api.models import Instruction
from security.ledger_rules import Money

State = Instruction.State
OPEN_STATES = (State.SENT, State.UNKNOWN)
LEDGER_PAGE_ROWS = 100
LEDGER_MAX_PAGES = 20
CLOCK_SKEW = timedelta(minutes=5)
AMBIGUOUS = "AMBIGUOUS"


@dataclass(frozen=True, slots=True)
class OfferFields:
    """What identifies one offer at the ledger (the receiver by name: the ledger shows no account id)."""

    issuer: str
    receiver: str
    amount: Decimal
    denom: str
    secured: bool
    due_date: date | None

    @classmethod
    def of(cls, params: dict) -> OfferFields:
        return cls(
            issuer=params["issuer_account_id"],
            receiver=params["receiver_account_id"],
            amount=Decimal(params["amount"]),
            denom=params["denom"],
            secured=bool(params["secured"]),
            due_date=params.get("due_date"),
        )

    def matches(
        self, amount: Money, secured: bool, due_date: date | None, name: str, hint: str | None
    ) -> bool:
        """True when a ledger credex seen from the issuer's side has exactly these fields."""
        return (
            amount == Money(-self.amount, self.denom)
            and secured == self.secured
            and (due_date is None or due_date == self.due_date)
            and hint in (None, name)
        )


def _pending(row: Instruction, want: OfferFields, hint: str | None, client: CredexClient | None) -> list[str]:
    login = services.member_login(phone=row.member, client=client)
    return [
        offer.credex_id
        for account in login.accounts
        if account.account_id == want.issuer
        for offer in account.pending_out
        if want.matches(offer.amount, offer.secured, offer.due_date, offer.counterparty_name, hint)
    ]


def _accepted(
    row: Instruction, want: OfferFields, hint: str | None, client: CredexClient | None
) -> list[str]:
    since = row.sent_at - CLOCK_SKEW if row.sent_at else None
    found: list[str] = []
    for start in range(0, LEDGER_PAGE_ROWS * LEDGER_MAX_PAGES, LEDGER_PAGE_ROWS):
        page = services.ledger_get(
            phone=row.member,
            account_id=want.issuer,
            start_row=start,
            num_rows=LEDGER_PAGE_ROWS,
            client=client,
        )
        found += [
            entry.credex_id
            for entry in page.entries
            if entry.amount == Money(-want.amount, want.denom)
            and hint in (None, entry.counterparty_name)
            and (since is None or entry.timestamp is None or entry.timestamp >= since)
        ]
        if not page.has_more:
            break
    return [credex_id for credex_id in found if _detail_matches(row, want, hint, credex_id, client)]


def _detail_matches(
    row: Instruction, want: OfferFields, hint: str | None, credex_id: str, client: CredexClient | None
) -> bool:
    """getCredex from the issuer account: the security and due date a ledger row does not carry."""
    try:
        detail = services.credex_get(
            phone=row.member, credex_id=credex_id, account_id=want.issuer, client=client
        )
    except CredexNotFound:
        return False
    return want.matches(detail.amount, detail.secured, detail.due_date, detail.counterparty_name, hint)


def offer_candidates(row: Instruction, params: dict, client: CredexClient | None) -> list[str]:
    """Credex ids at the ledger with exactly this instruction's fields, pending ones first, no repeats."""
    want, hint = OfferFields.of(params), params.get("receiver_account_name")
    found = _pending(row, want, hint, client) + _accepted(row, want, hint, client)
    return list(dict.fromkeys(found))


def claimed_elsewhere(row: Instruction) -> set[str]:
    """Credex ids other offer instructions (any member, any state) already recorded as theirs."""
    return set(
        Instruction.objects.filter(action=row.action)
        .exclude(pk=row.pk)
        .exclude(ledger_ref="")
        .values_list("ledger_ref", flat=True)
    )


def _open_rivals(row: Instruction, want: OfferFields) -> tuple[int, int]:
    """(same member, other members): open identical offer instructions besides this one, unclaimed."""
    rivals = (
        Instruction.objects.filter(action=row.action, state__in=OPEN_STATES, ledger_ref="")
        .exclude(pk=row.pk)
        .values_list("member", "params")
    )
    identical = [member for member, stored in rivals if OfferFields.of(decode_params(stored)) == want]
    same = sum(1 for member in identical if member == row.member)
    return same, len(identical) - same


def offer_match(row: Instruction, params: dict, client: CredexClient | None) -> str | None:
    """The unclaimed credex this instruction produced, None when none is visible, or `AMBIGUOUS`."""
    claimed = claimed_elsewhere(row)
    free: list[Any] = [c for c in offer_candidates(row, params, client) if c not in claimed]
    if not free:
        return None
    same, others = _open_rivals(row, OfferFields.of(params))
    if others and len(free) < 1 + same + others:
        return AMBIGUOUS
    return free[0]
