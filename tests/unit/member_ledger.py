"""A pure, in-memory `LedgerPort` for the real flow definitions in unit tests (no HTTP, no Django).

`MemberLedger(member=True)` logs in as Tendai Moyo with one personal USD account holding `secured`;
`member=False` answers like the ledger for a number it does not know (`CredexNotFound`). `executed` records
every instruction a flow ran, so a test can prove nothing moved without a confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from credex_api.errors import CredexNotFound
from credex_api.results import Account, Balances, LoginResult, Member, Money

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
