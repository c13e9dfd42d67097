"""The ledger's day: the active DayNode, its date and its rate table.

The sandbox starts on the real UTC date with a fixed rate table (1 CXX = 1 CAD, 1 USD = 1.36 CXX,
1 XAU = 3,600 CXX, 1 ZWG = 0.05 CXX). Only `/devadmin/advanceDay` moves the day and may change the rates
(see `dco.py`); daily tier limits, the due-date window and offer expiry all count from this date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sandbox.ledger.models import DayNode
from sandbox.ledger.units import DENOMINATIONS, parse_rates
from sandbox.ledger.validation import parse_number

DEFAULT_RATES = {"CXX": "1", "CAD": "1", "USD": "1.36", "XAU": "3600", "ZWG": "0.05"}


@dataclass(frozen=True)
class Today:
    """The active day and its rates (CXX per one unit of each denomination)."""

    date: date
    rates: dict[str, Decimal]


def today() -> Today:
    """The active day (there is always exactly one once seeded)."""
    node = DayNode.objects.get(active=True)
    return Today(date=node.date, rates=parse_rates(node.rates))


def open_day(day: date, rates: dict[str, str]) -> DayNode:
    """Make `day` the active day with the given rate table (the caller holds the transaction)."""
    DayNode.objects.filter(active=True).update(active=False)
    node, _ = DayNode.objects.update_or_create(date=day, defaults={"rates": rates, "active": True})
    return node


def checked_rates(raw: dict, base: dict[str, str]) -> dict[str, str]:
    """A new rate table: `base` with the given overrides; each rate a positive number (as text)."""
    rates = dict(base)
    for denom, value in raw.items():
        if denom not in DENOMINATIONS:
            raise ValueError(f"unknown denomination {denom}")
        number = parse_number(value)
        if number is None or not number.is_finite() or number <= 0:
            raise ValueError(f"rate for {denom} must be a positive number")
        rates[denom] = str(number)
    return rates
