"""Member tiers' daily issuance limits, in USD at the day's rates.

Tier 1 may issue 10 USD a day, tier 2 100 USD, tier 3 and above without limit. "Used" is the sum of
credexes created on the active day by any account the member owns that are still offers or debts — the
credexes those accounts still `OWES|OFFERS` (src/api/Member/services/AuthForTierSpendLimit.ts:60), so
`CLEARED`, declined, cancelled and expired ones do not count — each converted to USD at today's rates. The
limit belongs to the owner of the issuing account, whoever signs. `remainingAvailableUSD` is shown exactly;
the refusal itself is decided in floats like the real ledger (`ledgerfloat.py`, AuthForTierSpendLimit.ts
:128–142), so an amount equal to the remaining limit can be refused.
"""

from __future__ import annotations

from decimal import Decimal

from sandbox.ledger.days import Today
from sandbox.ledger.envelope import business_error
from sandbox.ledger.formatting import format_number
from sandbox.ledger.ledgerfloat import TIER_COUNTED, as_decimal, tier_allows, tier_available_usd
from sandbox.ledger.models import Credex, Member
from sandbox.ledger.units import ZERO, convert, from_units

TIER_LIMITS_USD = {1: Decimal(10), 2: Decimal(100)}


def issued_today(member: Member, today: Today) -> list[tuple[str, Decimal, str]]:
    """`(status, amount, denom)` of every credex the member's accounts issued today, oldest first."""
    rows = (
        Credex.objects.filter(issuer__owner=member, created_on_day=today.date)
        .order_by("id")
        .values_list("status", "initial_units", "denomination")
    )
    return [(status, from_units(units), denom) for status, units, denom in rows]


def used_today_usd(member: Member, today: Today) -> Decimal:
    """Exact USD value of what the member's accounts issued today and still offer or owe."""
    rows = issued_today(member, today)
    counted = (
        convert(amount, denom, "USD", today.rates) for status, amount, denom in rows if status in TIER_COUNTED
    )
    return sum(counted, ZERO)


def remaining_usd(member: Member, today: Today) -> Decimal | None:
    """What the member may still issue today in USD (exact); None when their tier has no limit."""
    limit = TIER_LIMITS_USD.get(member.tier)
    if limit is None:
        return None
    return limit - used_today_usd(member, today)


def check_tier_limit(owner: Member, amount: Decimal, denom: str, today: Today, signer: Member) -> None:
    """Refuse (403 TIER_LIMIT_EXCEEDED) an issuance the ledger's float check would refuse."""
    limit = TIER_LIMITS_USD.get(owner.tier)
    if limit is None:
        return
    available = tier_available_usd(limit, issued_today(owner, today), today.rates)
    if tier_allows(available, amount, denom, today.rates):
        return
    message = (
        f"You are only able to issue {format_number(as_decimal(available), 'USD')} USD until tomorrow. "
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
