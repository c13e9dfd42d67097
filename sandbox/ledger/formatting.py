"""Amount formatting as the real `denomFormatter`: thousands separators, fixed decimals per denomination.

CXX has 3 decimals, XAU 4, every other denomination 2; rounding is half away from zero, like
`Intl.NumberFormat`. `"1,234.50 USD"`, `"0.0312 XAU"`, `"-10.00 USD"`. Zero never shows a minus sign.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DECIMALS = {"CXX": 3, "XAU": 4}
DEFAULT_DECIMALS = 2


def decimals_for(denom: str) -> int:
    """How many decimals a denomination shows."""
    return DECIMALS.get(denom, DEFAULT_DECIMALS)


def rounded(amount: Decimal, denom: str) -> Decimal:
    """The amount rounded to the denomination's decimals (never negative zero)."""
    quantum = Decimal(1).scaleb(-decimals_for(denom))
    value = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    return value.copy_abs() if value.is_zero() else value


def format_number(amount: Decimal, denom: str) -> str:
    """`1234.5, "USD"` → `"1,234.50"`."""
    return f"{rounded(amount, denom):,.{decimals_for(denom)}f}"


def format_amount(amount: Decimal, denom: str) -> str:
    """`1234.5, "USD"` → `"1,234.50 USD"`."""
    return f"{format_number(amount, denom)} {denom}"
