"""`createCredex`: secured and unsecured offers.

Checks in the real controller's order after the schema: issuer ≠ receiver (400 `INVALID_ACCOUNTS`); the
signer is authorised for the issuer (403 `FORBIDDEN`); the receiver exists; secured: securable balance
(400 `INSUFFICIENT_SECURED_BALANCE`, decided in float like the ledger, audited issuers unlimited); the
owner's tier limit (403 `TIER_LIMIT_EXCEEDED`); due date: required for unsecured within
today+7 ≤ due < today+35, forbidden for secured. Everything runs inside the request's IMMEDIATE
transaction, so checks and the insert are atomic.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from sandbox.ledger import notifier, runtime
from sandbox.ledger.accounts import is_authorized
from sandbox.ledger.balances import Position
from sandbox.ledger.calls import Call
from sandbox.ledger.dashboard import single_dashboard
from sandbox.ledger.days import Today, today
from sandbox.ledger.envelope import Reply, action, business_error, success
from sandbox.ledger.formatting import format_amount, format_number
from sandbox.ledger.ledgerfloat import as_decimal, secured_refused
from sandbox.ledger.limits import check_tier_limit
from sandbox.ledger.models import OFFERS, REQUESTS, Account, Credex, Member
from sandbox.ledger.units import to_units
from sandbox.ledger.validation import CREDSPAN_DAYS, FIRST_DUE_DAYS, parse_date

DUE_DATE_MESSAGE = (
    "Due date must be permitted date, in format YYYY-MM-DD. First permitted due date is 1 week from today. "
    "Last permitted due date is 5 weeks from today."
)


def _fail(
    status: int, action_type: str, code: str, message: str, signer: Member, *, field: str | None = None
):
    return business_error(status, action_type, code, message, actor=signer.member_id, field_name=field)


def _parties(body: dict, signer: Member) -> tuple[Account, Account]:
    if body["issuerAccountID"] == body["receiverAccountID"]:
        message = "Issuer and receiver cannot be the same account"
        raise _fail(400, "ERROR_VALIDATION", "INVALID_ACCOUNTS", message, signer, field="receiverAccountID")
    issuer = Account.objects.select_related("owner").filter(account_id=body["issuerAccountID"]).first()
    if issuer is None or not is_authorized(signer, issuer.account_id):
        message = "Issuer account not found or no access"
        raise _fail(403, "ERROR_UNAUTHORIZED", "FORBIDDEN", message, signer, field="issuerAccountID")
    receiver = Account.objects.filter(account_id=body["receiverAccountID"]).first()
    if receiver is None:
        raise _fail(400, "CREDEX_CREATE_FAILED", "CREATE_FAILED", "Receiver account not found", signer)
    return issuer, receiver


def securer_for(issuer: Account, amount: Decimal, denom: str, day: Today, signer: Member) -> object:
    """The account that secures a new secured credex, or 400 `INSUFFICIENT_SECURED_BALANCE`.

    Decided in float like credex-core (`securableAmountInDenom < InitialAmount`, CreateCredex.ts:36), so an
    amount equal to a balance left by earlier offers can be refused although it shows as enough.
    """
    if issuer.audited:
        return issuer.account_id
    securable, securer = Position(issuer.account_id).securable(denom, day.rates[denom])
    if not secured_refused(securable, amount):
        return securer
    message = (
        f"Your secured credex for {format_amount(amount, denom)} cannot be issued because your maximum "
        f"securable {denom} balance is {format_amount(as_decimal(securable), denom)}"
    )
    raise _fail(400, "CREDEX_CREATE_FAILED", "INSUFFICIENT_SECURED_BALANCE", message, signer)


def _check_due_date(body: dict, day: Today, signer: Member):
    raw = body.get("dueDate")
    if body["securedCredex"]:
        if raw:
            message = "Due date is not allowed for secured credex"
            raise _fail(400, "ERROR_VALIDATION", "INVALID_DUE_DATE", message, signer, field="dueDate")
        return None
    if not raw:
        message = "Due date is required for unsecured credex"
        raise _fail(400, "ERROR_VALIDATION", "MISSING_DUE_DATE", message, signer, field="dueDate")
    due = parse_date(raw)
    first, last = day.date + timedelta(days=FIRST_DUE_DAYS), day.date + timedelta(days=CREDSPAN_DAYS)
    if due is None or not first <= due < last:
        raise _fail(400, "ERROR_VALIDATION", "INVALID_DUE_DATE", DUE_DATE_MESSAGE, signer, field="dueDate")
    return due


def _check_open_tier(issuer: Account, body: dict, signer: Member) -> None:
    if body["securedCredex"] or not runtime.current().open_tier_unsecured_rule or issuer.owner.tier > 1:
        return
    message = "Unsecured credex not permitted on open tier"
    raise _fail(403, "ERROR_UNAUTHORIZED", "TIER_LIMIT_EXCEEDED", message, signer, field="securedCredex")


def insert_credex(
    issuer: Account, receiver: Account, amount: Decimal, denom: str, day: Today, **fields: object
) -> Credex:
    """Write one credex row (amounts exact, multiplier from today's rates)."""
    units = to_units(amount)
    return Credex.objects.create(
        issuer=issuer,
        receiver=receiver,
        denomination=denom,
        cxx_multiplier=str(day.rates[denom]),
        initial_units=units,
        outstanding_units=units,
        created_on_day=day.date,
        created_at=timezone.now(),
        **fields,
    )


def create_credex(call: Call) -> Reply:
    """200 `CREDEX_CREATED` with the issuer's dashboard, or the first failed rule."""
    body, signer = call.body, call.signer
    issuer, receiver = _parties(body, signer)
    amount, denom, secured = body["InitialAmount"], body["Denomination"], body["securedCredex"]
    day = today()
    securer = securer_for(issuer, amount, denom, day, signer) if secured else None
    _check_open_tier(issuer, body, signer)
    check_tier_limit(issuer.owner, amount, denom, day, signer)
    due = _check_due_date(body, day, signer)
    kind = body["OFFERSorREQUESTS"]
    credex = insert_credex(
        issuer, receiver, amount, denom, day,
        signer=signer, credex_type=body["credexType"], offers_or_requests=kind,
        status=OFFERS if kind == OFFERS else REQUESTS, secured=secured, securer_id=securer, due_date=due,
    )  # fmt: skip
    if kind == OFFERS:
        notifier.announce(credex, notifier.OFFERED, signer, credex.created_at)
    number = format_number(amount, denom)
    details = {
        "amount": number,
        "denomination": denom,
        "securedCredex": secured,
        "dueDate": due.isoformat() if due else None,
        "acceptorAccountID": str(receiver.account_id),
        "acceptorAccountName": receiver.account_name,
    }
    reply = action("CREDEX_CREATED", action_id=credex.credex_id, actor=signer.member_id, details=details)
    kind_text = "Secured" if secured else "Unsecured"
    message = f"{kind_text} credex for {number} {denom} {kind.lower()} created successfully"
    return success(200, message, reply, single_dashboard(signer, issuer))
