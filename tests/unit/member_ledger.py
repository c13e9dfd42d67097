"""A pure, in-memory `LedgerPort` for the real flow definitions in unit tests (no HTTP, no Django).

`MemberLedger(member=True)` logs in as Tendai Moyo with one personal USD account holding `secured`;
`member=False` answers like the ledger for a number it does not know (`CredexNotFound`). `executed` records
every instruction a flow ran, so a test can prove nothing moved without a confirmation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from credex_api.errors import CredexNotFound
from credex_api.results import (
    Account,
    AccountRef,
    Balances,
    BulkAccepted,
    LedgerPage,
    LoginResult,
    Member,
    Offer,
)
from flows.ports import ConsumeResult, ConsumeStatus
from security.ledger_rules import Money

ACCOUNT_ID = "11111111-1111-4111-8111-111111111111"


@dataclass
class MemberLedger:
    member: bool = True
    secured: str = "25.00"
    tier: int = 1
    executed: list[tuple[str, dict]] = field(default_factory=list)

    def login(self) -> LoginResult:
        if not self.member:
            raise CredexNotFound("Member not found", status=404, code="NOT_FOUND", route="login")
        usd = Money(Decimal(self.secured), "USD")
        balances = Balances((usd,), None, None, None, usd)
        account = Account(ACCOUNT_ID, "Tendai Moyo Personal", "263771234567", "PERSONAL", "USD", True,
                          None, balances, (), ())  # fmt: skip
        person = Member("m-1", self.tier, Decimal("10.00"), "Tendai", "Moyo", "263771234567", "USD")
        return LoginResult(person, (account,), token="t")

    def execute(self, *, action: str, params: dict[str, Any]) -> Any:
        self.executed.append((action, dict(params)))
        return None


OTHER_ACCOUNT = AccountRef("22222222-2222-4222-8222-222222222222", "Rudo Dube Personal", "263770000002")
OFFER_IN = Offer("33333333-3333-4333-8333-333333333333", Money(Decimal("4.00"), "USD"), "Rudo Dube Personal",
                 True, None)  # fmt: skip


@dataclass
class RichMemberLedger(MemberLedger):
    """`MemberLedger` with a counterparty handle, one incoming offer and an empty ledger (for walks)."""

    def login(self) -> LoginResult:
        login = super().login()
        account = replace(login.accounts[0], pending_in=(OFFER_IN,))
        return replace(login, accounts=(account,))

    def account_by_handle(self, *, handle: str) -> AccountRef:
        if handle != OTHER_ACCOUNT.handle:
            raise CredexNotFound("Account not found", status=404, code="ACCOUNT_NOT_FOUND")
        return OTHER_ACCOUNT

    def ledger_page(self, *, account_id: str, start_row: int, num_rows: int) -> LedgerPage:
        return LedgerPage(account_id, (), start_row, num_rows, False)

    def execute(self, *, action: str, params: dict[str, Any]) -> Any:
        super().execute(action=action, params=params)
        return BulkAccepted(tuple(params.get("credex_ids", ())), (), ())


@dataclass
class MemoryConfirmations:
    """A pure `ConfirmationsPort`: single-use nonces in a dict; `consumed_ok` counts successful uses."""

    records: dict[str, list] = field(default_factory=dict)
    consumed_ok: int = 0

    def issue(self, *, wa_id: str, action: str, values: Any, ttl_seconds: int | None = None) -> str:
        nonce = secrets.token_urlsafe(16)
        self.records[nonce] = [wa_id, action, dict(values), False]
        return nonce

    def consume(self, *, nonce: str, wa_id: str, action: str) -> ConsumeResult:
        record = self.records.get(nonce)
        if record is None:
            return ConsumeResult(ConsumeStatus.EXPIRED)
        if record[0] != wa_id or record[1] != action:
            return ConsumeResult(ConsumeStatus.FOREIGN)
        if record[3]:
            return ConsumeResult(ConsumeStatus.USED)
        record[3] = True
        self.consumed_ok += 1
        return ConsumeResult(ConsumeStatus.OK, record[2])
