"""Typed, frozen results of ledger calls: what callers get instead of raw JSON (pure).

Amounts are `security.ledger_rules.Money(amount: Decimal, denom)`, parsed exactly from the ledger's
formatted strings ("1,234.56 USD") or JSON numbers. Optional fields the ledger may omit are `None`;
`remaining_available_usd` is None when the ledger says null (unknown or unlimited — tier ≥ 3). Mutations
return the dashboard of the one account acted on. Tokens are kept out of `repr()` so a logged result never
shows one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from security.ledger_rules import Money


@dataclass(frozen=True, slots=True)
class Member:
    member_id: str
    tier: int
    remaining_available_usd: Decimal | None
    first_name: str
    last_name: str
    handle: str | None
    default_denom: str


@dataclass(frozen=True, slots=True)
class Offer:
    """A pending offer on an account (`amount` negative on the issuer's side, as the ledger shows it)."""

    credex_id: str
    amount: Money
    counterparty_name: str
    secured: bool
    due_date: date | None


@dataclass(frozen=True, slots=True)
class Balances:
    secured_net: tuple[Money, ...]
    total_payables: Money | None
    total_receivables: Money | None
    net_pay_rec: Money | None
    net_credex_assets: Money | None


@dataclass(frozen=True, slots=True)
class AuthorizedMember:
    """A member who may act for an account (listed to its owner only)."""

    member_id: str
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    name: str
    handle: str
    account_type: str
    default_denom: str
    is_owned: bool
    send_offers_to: str | None
    balances: Balances | None
    pending_in: tuple[Offer, ...]
    pending_out: tuple[Offer, ...]
    authorized: tuple[AuthorizedMember, ...] = ()  # `authFor`, when the ledger lists it (owners only)


@dataclass(frozen=True, slots=True)
class Dashboard:
    """`member` is None when the ledger answered with a raw account result (bulk accept, recurring)."""

    member: Member | None
    accounts: tuple[Account, ...]


@dataclass(frozen=True, slots=True)
class LoginResult:
    member: Member
    accounts: tuple[Account, ...]
    token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class OnboardResult:
    member: Member
    accounts: tuple[Account, ...]
    default_account_id: str
    token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class AccountRef:
    """getAccountByHandle: enough to address an offer and name the receiver."""

    account_id: str
    name: str
    handle: str


@dataclass(frozen=True, slots=True)
class CredexCreated:
    credex_id: str
    amount: Money
    secured: bool
    due_date: date | None
    receiver_account_id: str
    receiver_account_name: str | None
    dashboard: Dashboard


@dataclass(frozen=True, slots=True)
class CredexAccepted:
    credex_id: str
    amount: Money
    secured: bool
    acceptor_account_id: str
    dashboard: Dashboard


@dataclass(frozen=True, slots=True)
class CredexClosed:
    """Declined (by the receiver) or cancelled (by the issuer)."""

    credex_id: str
    status: str  # "DECLINED" | "CANCELLED"
    denom: str
    dashboard: Dashboard


@dataclass(frozen=True, slots=True)
class BulkFailure:
    credex_id: str
    error: str


@dataclass(frozen=True, slots=True)
class BulkAccepted:
    accepted: tuple[str, ...]
    already_accepted: tuple[str, ...]
    failed: tuple[BulkFailure, ...]


@dataclass(frozen=True, slots=True)
class CredexDetail:
    """getCredex, seen from one party's side (amounts negative from the issuer's side)."""

    credex_id: str
    amount: Money
    secured: bool
    counterparty_name: str
    transaction_type: str  # OFFERS | REQUESTS | OWES | CLEARED | DECLINED | CANCELLED | ...
    outstanding: Money | None
    redeemed: Money | None
    defaulted: Money | None
    written_off: Money | None
    accepted_at: datetime | None
    declined_at: datetime | None
    cancelled_at: datetime | None
    due_date: date | None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    credex_id: str
    amount: Money
    counterparty_name: str
    timestamp: datetime | None
    entry_type: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class LedgerPage:
    account_id: str
    entries: tuple[LedgerEntry, ...]
    start_row: int
    num_rows: int
    has_more: bool | None  # None when the ledger gave no pagination


@dataclass(frozen=True, slots=True)
class AccountCreated:
    account_id: str
    name: str
    handle: str
    default_denom: str
    dashboard: Dashboard


@dataclass(frozen=True, slots=True)
class AccountMemberChanged:
    """authorizeForAccount / unauthorizeForAccount / updateSendOffersTo."""

    account_id: str
    member_id: str | None
    action_type: str
    dashboard: Dashboard


@dataclass(frozen=True, slots=True)
class RecurringCreated:
    recurring_id: str
    amount: Money | None
    pay_frequency: int | None
    next_date: date | None
    status: str | None
    member_tier: int | None
