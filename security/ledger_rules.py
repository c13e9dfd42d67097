"""The ledger's rules as the bot knows them (pure): the one home of each rule the bot shares with credex-core.

Validators for what members type (`security.validation`, `security.amounts`) and for what is sent to the
ledger (`credex_api.validation`) import these; `Money` is both a parsed amount and a ledger result. The
sandbox (`sandbox/ledger`) keeps its own copy on purpose, as the other service it stands for;
`tests/unit/test_ledger_rules.py` fails when the two drift apart. Sources in credex-core:

- denominations: `src/constants/denominations.ts` (CXX, CAD, USD, XAU, ZWG); their digits:
  `src/utils/denomUtils.ts` `denomFormatter` (CXX 3, XAU 4, every other 2);
- handles: `src/utils/validators.ts` `validateMemberHandle` / `validateAccountHandle`, ``^[a-z0-9_]{3,30}$``;
- names: `validateName` / `validateAccountName`, 3–50 characters, after the sanitiser keeps only letters,
  spaces and hyphens (account names: digits too);
- due date of an unsecured credex: `src/constants/credspan.ts` `checkDueDate`, the ledger's day + 7 ≤ due <
  day + `credspan` (35), so the last accepted day is day + 34.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

DECIMAL_PLACES = MappingProxyType({"USD": 2, "ZWG": 2, "CAD": 2, "XAU": 4, "CXX": 3})
DENOMINATIONS = tuple(DECIMAL_PLACES)  # the order members see them in
DENOMINATION_NAMES = MappingProxyType(
    {
        "USD": "US dollar",
        "ZWG": "Zimbabwe Gold",
        "CAD": "Canadian dollar",
        "XAU": "Gold, troy ounce",
        "CXX": "Credcoin",
    }
)
MAX_INTEGER_DIGITS = 15  # digits before the point an amount may have (keeps every amount exact and small)

HANDLE_PATTERN = "[a-z0-9_]{3,30}"  # match it whole, after lower-casing
HANDLE = re.compile(HANDLE_PATTERN, re.ASCII)
NAME_MIN_LENGTH, NAME_MAX_LENGTH = 3, 50  # inclusive, for person and account names
PERSON_NAME = re.compile(r"[A-Za-z \-]+", re.ASCII)
ACCOUNT_NAME = re.compile(r"[A-Za-z0-9 \-]+", re.ASCII)

DUE_MIN_DAYS = 7
CREDSPAN_DAYS = 35
DUE_MAX_DAYS = CREDSPAN_DAYS - 1


def due_date_window(today: date) -> tuple[date, date]:
    """The first and last due dates the ledger accepts for an unsecured credex offered on `today`."""
    return today + timedelta(days=DUE_MIN_DAYS), today + timedelta(days=DUE_MAX_DAYS)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount (`Decimal`, never float) in one denomination, held at exactly its decimals.

    ``Money(Decimal("12.5"), "USD")`` holds ``Decimal("12.50")``, so equal amounts render alike; more decimals
    than the denomination has, an unknown denomination or more than `MAX_INTEGER_DIGITS` integer digits raise
    `ValueError` (a non-Decimal amount `TypeError`).
    """

    amount: Decimal
    denom: str

    def __post_init__(self) -> None:
        if self.denom not in DECIMAL_PLACES:
            raise ValueError(f"unknown denomination {self.denom!r}")
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise TypeError("Money.amount must be a finite Decimal")
        if not self.amount.is_zero() and self.amount.adjusted() >= MAX_INTEGER_DIGITS:
            raise ValueError(f"more than {MAX_INTEGER_DIGITS} digits before the decimal point")
        exact = self.amount.quantize(Decimal(1).scaleb(-DECIMAL_PLACES[self.denom]))
        if exact != self.amount:
            raise ValueError(f"{self.denom} has {DECIMAL_PLACES[self.denom]} decimals; the amount has more")
        object.__setattr__(self, "amount", exact.copy_abs() if exact.is_zero() else exact)

    @property
    def places(self) -> int:
        """How many decimals the denomination has."""
        return DECIMAL_PLACES[self.denom]

    def __str__(self) -> str:
        return f"{format(self.amount, 'f')} {self.denom}"
