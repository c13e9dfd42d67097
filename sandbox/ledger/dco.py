"""The daily run (the real DCO) behind `/devadmin/advanceDay`: close the day, open the next.

For the closing day C, in order:
1. expire pending offers whose creation day + 1 is earlier than C (an offer made on day D dies when day
   D+2 closes);
2. default unsecured debts still owed whose due date is on or before C (`defaulted = outstanding`);
3. open day C+1 with the same rates or the overrides given (daily tier limits reset with it);
4. pay due subscriptions (`recurring.py`);
5. recompute tiers: members with a subscription whose payments in the last 28 days total ≥ 1 USD get
   tier 3 (if lower); a tier-3 member whose subscription lapsed goes back to tier 1. Tiers set by
   `/devadmin/setTier` on members without a subscription are left alone.
The caller runs it inside one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from sandbox.ledger.days import Today, checked_rates, open_day, today
from sandbox.ledger.models import ACCEPTED, EXPIRED, OWES, PENDING, Credex, DayNode, Member
from sandbox.ledger.recurring import SUBSCRIPTION, pay_due_subscriptions
from sandbox.ledger.units import ZERO, units_in

SUBSCRIPTION_WINDOW_DAYS = 28
HUSTLER_TIER = 3


@dataclass(frozen=True)
class DayReport:
    """What one day's run did."""

    day: str
    expired: int
    defaulted: int
    subscriptions_paid: int
    subscriptions_failed: int
    tiers_changed: int

    def as_json(self) -> dict:
        return {
            "day": self.day,
            "expiredOffers": self.expired,
            "defaultedCredexes": self.defaulted,
            "subscriptionsPaid": self.subscriptions_paid,
            "subscriptionsFailed": self.subscriptions_failed,
            "tiersChanged": self.tiers_changed,
        }


def expire_offers(closing: Today) -> int:
    """Pending offers created before the day before `closing` expire."""
    stale = Credex.objects.filter(status__in=PENDING, created_on_day__lt=closing.date - timedelta(days=1))
    return stale.update(status=EXPIRED, expired_at=timezone.now(), outstanding_units=0)


def default_overdue(closing: Today) -> int:
    """Unsecured debts due on or before `closing` and still owed default."""
    overdue = Credex.objects.filter(
        status=OWES, secured=False, due_date__lte=closing.date, outstanding_units__gt=0, defaulted_units=0
    )
    return overdue.update(defaulted_units=F("outstanding_units"))


def _paid_usd(member: Member, day: Today) -> Decimal:
    since = day.date - timedelta(days=SUBSCRIPTION_WINDOW_DAYS)
    payments = Credex.objects.filter(
        recurring__source__owner=member,
        recurring__template_type=SUBSCRIPTION,
        status__in=ACCEPTED,
        created_on_day__gt=since,
    ).values_list("initial_units", "denomination")
    return sum((units_in(units, denom, "USD", day.rates) for units, denom in payments), ZERO)


def recompute_tiers(day: Today) -> int:
    """Apply the subscription rule to every member who has a subscription; how many tiers changed."""
    changed = 0
    subscribers = Member.objects.filter(owned_accounts__recurring_out__template_type=SUBSCRIPTION).distinct()
    for member in subscribers:
        paid = _paid_usd(member, day) >= 1
        tier = member.tier
        if paid and tier < HUSTLER_TIER:
            tier = HUSTLER_TIER
        elif not paid and tier == HUSTLER_TIER:
            tier = 1
        if tier != member.tier:
            Member.objects.filter(pk=member.pk).update(tier=tier)
            changed += 1
    return changed


def advance_one_day(rate_overrides: dict) -> DayReport:
    """Close the active day and open the next one."""
    closing = today()
    node = DayNode.objects.get(active=True)
    expired = expire_offers(closing)
    defaulted = default_overdue(closing)
    open_day(closing.date + timedelta(days=1), checked_rates(rate_overrides, node.rates))
    opened = today()
    paid, failed = pay_due_subscriptions(opened)
    changed = recompute_tiers(opened)
    return DayReport(opened.date.isoformat(), expired, defaulted, paid, failed, changed)
