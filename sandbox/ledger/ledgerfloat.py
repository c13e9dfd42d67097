"""The real ledger's binary floating-point checks, reproduced for the sandbox's two pre-checks (pure).

credex-core keeps every amount as a float of CXX (`InitialAmount × daynode[DEN]`, CreateCredex.ts:74–75)
and decides its pre-checks on IEEE-754 doubles: JavaScript numbers sent to Neo4j, summed by Cypher `SUM`.
So a balance of 10.00 − 0.03 USD comes out as 9.969999… and an offer of 9.97 is refused although every
screen shows 9.97. The sandbox stores exact integers (`units.py`) and only *decides* these checks the
ledger's way, here, so clients meet the same refusals:

- Secured balance — `GetSecuredAuthorization.ts:53–68`: per securer, SUM(incoming CXX) − SUM(outgoing CXX),
  divided by today's `daynode[DEN]`; refused when `securableAmountInDenom < InitialAmount`
  (`CreateCredex.ts:36`). The subscription run pays when `amount <= securable` (`DCOexecute.ts:352`).
- Tier limit — `AuthForTierSpendLimit.ts:57–73, 128–142`: SUM(InitialAmount CXX) of the credexes any account
  of the member `OWES|OFFERS` (outgoing edges: still offered or owed; `CLEARED`, declined, cancelled and
  expired ones have no such edge), created on today's Daynode, ÷ `daynode.USD`; allowed when
  `limit − dayTotalUSD >= amount × daynode[DEN] ÷ daynode.USD`.

Sums add left to right in plain doubles (a loop, not `sum()`, which compensates from Python 3.12), in row
order. The sandbox skips the daily CXX revaluation, so every row is valued at today's rate: on the creation
day that is exactly the stored `InitialAmount`; after a rate change it is what revaluation aims at.
Module free of Django so its rules can be unit-tested without the sandbox's database.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

# Statuses whose issuer still has an OWES or OFFERS edge (AuthForTierSpendLimit.ts:60); equal to models'.
TIER_COUNTED = frozenset({"OFFERS", "OWES"})


def cxx(amount: Decimal, rate: Decimal) -> float:
    """An amount as the ledger stores it: `InitialAmount * daynode[DEN]` in doubles."""
    return float(amount) * float(rate)


def float_sum(values: Iterable[float]) -> float:
    """Cypher `SUM` over doubles: plain left-to-right addition from 0."""
    total = 0.0
    for value in values:
        total += value
    return total


def securable_in_denom(incoming: Iterable[float], outgoing: Iterable[float], rate: Decimal) -> float:
    """One securer's `netSecurableInDenom`: (SUM incoming CXX − SUM outgoing CXX) / daynode[DEN]."""
    return (float_sum(incoming) - float_sum(outgoing)) / float(rate)


def secured_refused(securable: float, amount: Decimal) -> bool:
    """`securableAmountInDenom < InitialAmount` (CreateCredex.ts:36)."""
    return securable < float(amount)


def tier_available_usd(limit: Decimal, today_rows: Iterable[tuple[str, Decimal, str]], rates: dict) -> float:
    """`limit − dayTotalUSD` over today's rows `(status, amount, denom)` issued by the member's accounts."""
    counted = (cxx(amount, rates[denom]) for status, amount, denom in today_rows if status in TIER_COUNTED)
    day_total = float_sum(counted)
    return float(limit) - day_total / float(rates["USD"])


def tier_allows(available: float, amount: Decimal, denom: str, rates: dict) -> bool:
    """`amountAvailableUSD >= credexAmountUSD` (AuthForTierSpendLimit.ts:142)."""
    return available >= cxx(amount, rates[denom]) / float(rates["USD"])


def as_decimal(value: float) -> Decimal:
    """A double's exact value, for formatting the ledger's messages (`denomFormatter` rounds it)."""
    return Decimal(value)
