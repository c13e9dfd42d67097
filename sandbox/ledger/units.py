"""Exact money arithmetic: Decimal amounts, integer storage units and conversion through CXX rates.

Amounts are stored as integers of `SCALE` per unit (8 decimal places) in the credex's own denomination.
A rate table says how many CXX one unit of each denomination is worth (the real Daynode's `daynode[DEN]`);
converting X → Y is `amount × rate[X] ÷ rate[Y]`, computed in a 40-digit Decimal context.
No float here: only the ledger-like pre-check decisions in `ledgerfloat.py` use floats; storage never does.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

DENOMINATIONS = ("CXX", "CAD", "USD", "XAU", "ZWG")
PLACES = 8
SCALE = 10**PLACES
MAX_AMOUNT = Decimal(10) ** 10  # keeps every stored amount inside SQLite's 64-bit integers
CONTEXT = Context(prec=40, rounding=ROUND_HALF_UP)
ZERO = Decimal(0)


def to_units(amount: Decimal) -> int:
    """Storage units of an amount that has at most `PLACES` decimal places (validated before)."""
    scaled = amount.scaleb(PLACES, context=CONTEXT)
    if scaled != scaled.to_integral_value():
        raise ValueError("amount has more decimal places than the ledger stores")
    return int(scaled)


def from_units(units: int) -> Decimal:
    """The Decimal amount of some storage units."""
    return Decimal(units).scaleb(-PLACES)


def parse_rates(raw: dict[str, str]) -> dict[str, Decimal]:
    """A stored rate table (Decimal text) as Decimals."""
    return {denom: Decimal(value) for denom, value in raw.items()}


def convert(amount: Decimal, source: str, target: str, rates: dict[str, Decimal]) -> Decimal:
    """`amount` of `source` expressed in `target` at the given rates (40 significant digits)."""
    if source == target:
        return amount
    cxx = CONTEXT.multiply(amount, rates[source])
    return CONTEXT.divide(cxx, rates[target])


def units_in(units: int, source: str, target: str, rates: dict[str, Decimal]) -> Decimal:
    """Storage units of `source` as a Decimal amount of `target`."""
    return convert(from_units(units), source, target, rates)
