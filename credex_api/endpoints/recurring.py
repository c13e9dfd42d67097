"""The recurring endpoint: the Hustler tier subscription (`createRecurring`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from credex_api import validation as v
from credex_api.dashboard import expect_type
from credex_api.endpoints.base import Endpoint
from credex_api.errors import CredexInvalid
from credex_api.normalise import Reader
from credex_api.responses import Envelope
from credex_api.results import (
    RecurringCreated,
)

SUBSCRIPTION_TIER = 3
SUBSCRIPTION_AMOUNT = Decimal("1.00")
SUBSCRIPTION_DENOM = "USD"
SUBSCRIPTION_DAYS = 28


def subscription_body(*, source_account_id: str, start_date: date | None = None) -> dict:
    """createRecurring MEMBERTIER_SUBSCRIPTION exactly as the ledger requires (tier 3, 1.00 USD, 28 days).

    Without `start_date` the ledger starts on its own day (safer than our clock when the days differ).
    """
    if start_date is not None and not isinstance(start_date, date):
        raise CredexInvalid("That start date is not valid.", code="INVALID_DATE", field="startDate")
    body: dict[str, Any] = {
        "sourceAccountID": v.check_uuid(source_account_id, "sourceAccountID"),
        "templateType": "MEMBERTIER_SUBSCRIPTION",
        "memberTier": SUBSCRIPTION_TIER,
        "payFrequency": SUBSCRIPTION_DAYS,
        "amount": SUBSCRIPTION_AMOUNT,
        "denomination": SUBSCRIPTION_DENOM,
        "securedCredex": True,
    }
    if start_date is not None:
        body["startDate"] = start_date.isoformat()
    return body


def recurring_created_of(envelope: Envelope) -> RecurringCreated:
    expect_type(envelope, "RECURRING_CREATED")
    d = envelope.details
    schedule = d.obj("scheduleInfo") if d.has("scheduleInfo") else Reader({}, d.where("scheduleInfo"))
    return RecurringCreated(
        recurring_id=envelope.action_id or d.text("recurringID"),
        amount=d.opt_money("amount"),
        pay_frequency=d.opt_integer("payFrequency"),
        next_date=d.opt_date("nextDate"),
        status=d.opt_text("status"),
        member_tier=schedule.opt_integer("memberTier"),
    )


CREATE = Endpoint(
    "createRecurring",
    service="tier_upgrade",
    body=subscription_body,
    parse=recurring_created_of,
    result=RecurringCreated,
    mutation=True,
    ref=lambda r: r.recurring_id,
    doc="Subscribe to the Hustler tier (1.00 USD secured every 28 days); the tier changes at the next day.",
)
ENDPOINTS = (CREATE,)
