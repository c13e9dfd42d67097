"""`createRecurring` for `MEMBERTIER_SUBSCRIPTION` and its payments.

The request only records the template (status `ACTIVE`); nothing is paid and the tier does not change at
request time. Each "advance day" (see `dco.py`) pays due subscriptions — 1.00 USD secured from the source
account to `greatsun_ops`, auto-accepted, needing 1.00 USD securable — and then recomputes tiers.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from sandbox.ledger.accounts import find_account
from sandbox.ledger.balances import Position
from sandbox.ledger.calls import Call
from sandbox.ledger.credexes import insert_credex
from sandbox.ledger.dashboard import raw_account_result
from sandbox.ledger.days import Today, today
from sandbox.ledger.envelope import Reply, action, business_error, success
from sandbox.ledger.formatting import format_amount
from sandbox.ledger.models import OWES, Account, Member, Recurring
from sandbox.ledger.units import from_units, to_units
from sandbox.ledger.validation import parse_date, parse_number

SUBSCRIPTION = "MEMBERTIER_SUBSCRIPTION"
TEMPLATE_TYPES = ("REGULAR", "DCO_GIVE", SUBSCRIPTION)
SUBSCRIPTION_TARGET = "greatsun_ops"
ACTIVE = "ACTIVE"

# (field, expected value test, code, message): the controller's subscription checks, in order.
SUBSCRIPTION_RULES = (
    ("memberTier", lambda v: v == 3 and not isinstance(v, bool), "INVALID_TIER",
     "Invalid member tier. Currently only tier 3 is supported."),
    ("amount", lambda v: parse_number(v) == Decimal(1) and not isinstance(v, str), "INVALID_AMOUNT",
     "Invalid amount for subscription. Amount must be 1.00"),
    ("denomination", lambda v: v == "USD", "INVALID_DENOMINATION",
     "Invalid denomination for subscription. Denomination must be USD"),
    ("payFrequency", lambda v: v == 28 and not isinstance(v, bool), "INVALID_FREQUENCY",
     "Invalid pay frequency for subscription. Pay frequency must be 28 days"),
    ("securedCredex", lambda v: v is True, "INVALID_SECURITY",
     "Subscription payments must be secured"),
)  # fmt: skip


def _invalid(code: str, message: str, member: Member, field: str | None = None) -> Exception:
    return business_error(400, "ERROR_VALIDATION", code, message, actor=member.member_id, field_name=field)


def _check_template(body: dict, member: Member) -> None:
    if body["templateType"] not in TEMPLATE_TYPES:
        raise _invalid("INVALID_TEMPLATE_TYPE", "Invalid template type", member, "templateType")
    if body["templateType"] != SUBSCRIPTION:
        message = "The sandbox supports only MEMBERTIER_SUBSCRIPTION templates"
        raise _invalid("UNSUPPORTED_TEMPLATE_TYPE", message, member, "templateType")
    for field, accepted, code, message in SUBSCRIPTION_RULES:
        if not accepted(body.get(field)):
            raise _invalid(code, message, member, field)


def _source_and_target(body: dict, member: Member) -> tuple[Account, Account]:
    source = find_account(body["sourceAccountID"], actor=member.member_id)
    if source.owner_id != member.member_id:
        message = "Only account owner can create recurring transactions"
        raise business_error(403, "ERROR_UNAUTHORIZED", "UNAUTHORIZED", message, actor=member.member_id)
    if Recurring.objects.filter(source__owner=member, template_type=SUBSCRIPTION, status=ACTIVE).exists():
        message = "Cannot create new subscription while an active subscription exists"
        raise _invalid("ACTIVE_EXISTS", message, member)
    if body.get("targetAccountID"):
        target = Account.objects.filter(account_id=body["targetAccountID"]).first()
    else:
        target = Account.objects.filter(account_handle=SUBSCRIPTION_TARGET).first()
    if target is None:
        message = "Target account not found"
        raise business_error(500, "ERROR_INTERNAL", "TARGET_NOT_FOUND", message, actor=member.member_id)
    return source, target


def _details(template: Recurring) -> dict:
    amount = format_amount(from_units(template.amount_units), template.denomination)
    next_date = template.next_pay_date.isoformat()
    return {
        "recurringID": str(template.recurring_id),
        "amount": amount,
        "denomination": template.denomination,
        "payFrequency": template.pay_frequency,
        "nextDate": next_date,
        "status": template.status,
        "scheduleInfo": {
            "payFrequency": template.pay_frequency,
            "nextRunDate": next_date,
            "status": template.status,
            "templateType": template.template_type,
            "amount": amount,
            "denomination": template.denomination,
            "memberTier": template.member_tier,
        },
        "participants": {
            "sourceAccountID": str(template.source.account_id),
            "targetAccountID": str(template.target.account_id),
        },
        "execution": {"totalExecutions": template.executions},
    }


def create_recurring(call: Call) -> Reply:
    """201 `RECURRING_CREATED`; the dashboard is the raw account result, as in the real service."""
    member, body = call.signer, call.body
    _check_template(body, member)
    source, target = _source_and_target(body, member)
    start = parse_date(body["startDate"]) if body.get("startDate") else today().date
    if start is None:
        raise _invalid("INVALID_DATE", "startDate must be a valid calendar date", member, "startDate")
    template = Recurring.objects.create(
        template_type=SUBSCRIPTION, source=source, target=target, member_tier=3,
        amount_units=to_units(Decimal(1)), denomination="USD", secured=True, pay_frequency=28,
        start_date=start, next_pay_date=start, status=ACTIVE, created_at=timezone.now(),
    )  # fmt: skip
    body_action = action(
        "RECURRING_CREATED",
        action_id=template.recurring_id,
        actor=member.member_id,
        details=_details(template),
    )
    message = "Recurring transaction created successfully"
    return success(201, message, body_action, raw_account_result(member, source))


def pay_due_subscriptions(day: Today) -> tuple[int, int]:
    """Pay every active subscription due on or before `day` that has the securable balance: (paid, failed)."""
    paid = failed = 0
    due = Recurring.objects.filter(status=ACTIVE, next_pay_date__lte=day.date).select_related(
        "source", "target"
    )
    for template in due:
        amount = from_units(template.amount_units)
        rate = day.rates[template.denomination]
        securable, securer = Position(template.source.account_id).securable(template.denomination, rate)
        if not float(amount) <= securable:  # `DCOgiveInDenom <= securableAmountInDenom` (DCOexecute.ts:352)
            failed += 1
            continue
        insert_credex(
            template.source, template.target, amount, template.denomination, day,
            signer=template.source.owner, credex_type="PURCHASE", offers_or_requests="OFFERS", status=OWES,
            secured=True, securer_id=securer, accepted_at=timezone.now(), recurring=template,
        )  # fmt: skip
        template.next_pay_date += timedelta(days=template.pay_frequency)
        template.executions += 1
        template.save(update_fields=["next_pay_date", "executions"])
        paid += 1
    return paid, failed
