"""Member tiers' daily issuance limits (contract §3.5), in USD at the day's rates.

Tier 1 may issue 10 USD a day, tier 2 100 USD, tier 3 and above without limit. "Used" is the sum of
credexes created on the active day by any account the member owns that are still offers or debts
(declined, cancelled and expired ones do not count), each converted to USD at today's rates. The limit
belongs to the owner of the issuing account, whoever signs.
"""

from __future__ import annotations

from decimal import Decimal

from sandbox.ledger.days import Today
from sandbox.ledger.envelope import business_error
from sandbox.ledger.formatting import format_number
from sandbox.ledger.models import CLEARED, OFFERS, OWES, Credex, Member
from sandbox.ledger.units import ZERO, convert, units_in

TIER_LIMITS_USD = {1: Decimal(10), 2: Decimal(100)}


def used_today_usd(member: Member, today: Today) -> Decimal:
    """USD value of what the member's accounts issued today (offers and debts)."""
    rows = Credex.objects.filter(
        issuer__owner=member, created_on_day=today.date, status__in=(OFFERS, OWES, CLEARED)
    ).values_list("initial_units", "denomination")
    return sum((units_in(units, denom, "USD", today.rates) for units, denom in rows), ZERO)


def remaining_usd(member: Member, today: Today) -> Decimal | None:
    """What the member may still issue today in USD; None when their tier has no limit."""
    limit = TIER_LIMITS_USD.get(member.tier)
    if limit is None:
        return None
    return limit - used_today_usd(member, today)


def check_tier_limit(owner: Member, amount: Decimal, denom: str, today: Today, signer: Member) -> None:
    """Refuse (403 TIER_LIMIT_EXCEEDED) an issuance above what the owner's tier still allows today."""
    remaining = remaining_usd(owner, today)
    if remaining is None:
        return
    if remaining >= convert(amount, denom, "USD", today.rates):
        return
    message = (
        f"You are only able to issue {format_number(remaining, 'USD')} USD until tomorrow. "
        "Limits renew at midnight UTC."
    )
    raise business_error(
        403,
        "ERROR_UNAUTHORIZED",
        "TIER_LIMIT_EXCEEDED",
        message,
        actor=signer.member_id,
        field_name="securedCredex",
    )
