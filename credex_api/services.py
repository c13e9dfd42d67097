"""The ledger operations, as keyword-only functions returning typed results (the module flows call).

`phone` is the WhatsApp id (digits) of the member whose token is used. Every function validates its input
locally with the ledger's rules first (`CredexInvalid`, nothing sent), calls the ledger through the guarded
client, and returns a frozen result from `credex_api.results` or raises a `CredexError` subclass.

Reads: `member_login`, `account_by_handle`, `credex_get`, `ledger_get` (`token_cached`: no call).
Mutations (`member_onboard`, `credex_offer`, `credex_accept`, `credex_accept_bulk`, `credex_decline`,
`credex_cancel`, `account_create`, `account_authorize`, `account_unauthorize`, `send_offers_to_update`,
`tier_upgrade`) are never retried once they may have reached the ledger. Money and account changes must go
through `credex_api.instructions` (a stored instruction, confirmed once, executed once, reconciled when the
outcome is unknown), which calls these functions; call a mutation directly only where no member's money or
access is at stake.
`priority=` is the throttle class of the call (`credex_api.throttle.Priority`; the caller decides: by
default `MONEY` for a mutation, `MEMBER` for a read). `client=` is for tests and benchmarks; by default the
process's client is used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import TypeVar

from credex_api import bodies, parsers
from credex_api import routes as r
from credex_api.client import CredexClient, get_client
from credex_api.errors import CredexBadResponse, CredexOutcomeUnknown
from credex_api.normalise import ShapeError
from credex_api.responses import Envelope
from credex_api.results import (
    AccountCreated,
    AccountMemberChanged,
    AccountRef,
    BulkAccepted,
    CredexAccepted,
    CredexClosed,
    CredexCreated,
    CredexDetail,
    LedgerPage,
    LoginResult,
    OnboardResult,
    RecurringCreated,
)
from credex_api.throttle import Priority
from credex_api.validation import check_phone

T = TypeVar("T")


def _run(
    route: r.Route,
    body: dict,
    phone: str,
    parse: Callable[[Envelope], T],
    *,
    client: CredexClient | None,
    priority: Priority | None,
) -> T:
    envelope = (client or get_client()).call(route, body, phone=check_phone(phone), priority=priority)
    try:
        return parse(envelope)
    except ShapeError as exc:
        if route.mutation:  # it succeeded (2xx) but we cannot tell what it did: reconcile, never re-send
            raise CredexOutcomeUnknown(
                f"unexpected success shape ({exc})",
                cause="unexpected success shape",
                status=envelope.status,
                route=route.name,
            ) from exc
        raise CredexBadResponse(
            f"unexpected answer shape ({exc})", status=envelope.status, route=route.name
        ) from exc


def member_login(
    *, phone: str, client: CredexClient | None = None, priority: Priority | None = None
) -> LoginResult:
    """The member's dashboard (every account they may act on); `CredexNotFound` → not a member yet."""
    return _run(
        r.LOGIN, bodies.login_body(phone=phone), phone, parsers.login_of, client=client, priority=priority
    )


def token_cached(*, phone: str, client: CredexClient | None = None) -> bool:
    """Whether the member's ledger token is cached, so a call as them needs no login first."""
    return (client or get_client()).tokens.get(check_phone(phone)) is not None


def member_onboard(
    *,
    phone: str,
    first_name: str,
    last_name: str,
    default_denom: str = "USD",
    client: CredexClient | None = None,
    priority: Priority | None = None,
) -> OnboardResult:
    """Create the member and their personal account (`DuplicateMember` if the phone is already one)."""
    body = bodies.onboard_body(
        phone=phone, first_name=first_name, last_name=last_name, default_denom=default_denom
    )
    return _run(r.ONBOARD_MEMBER, body, phone, parsers.onboard_of, client=client, priority=priority)


def account_by_handle(
    *, phone: str, handle: str, client: CredexClient | None = None, priority: Priority | None = None
) -> AccountRef:
    """The account with this handle (a member's personal handle is their phone digits)."""
    body = bodies.handle_body(handle=handle)
    return _run(
        r.GET_ACCOUNT_BY_HANDLE, body, phone, parsers.account_ref_of, client=client, priority=priority
    )


def credex_offer(
    *,
    phone: str,
    issuer_account_id: str,
    receiver_account_id: str,
    amount: Decimal,
    denom: str,
    secured: bool,
    due_date: date | None = None,
    client: CredexClient | None = None,
    priority: Priority | None = None,
) -> CredexCreated:
    """Offer credex from the issuer account to the receiver account (pending until accepted)."""
    body = bodies.offer_body(
        issuer_account_id=issuer_account_id,
        receiver_account_id=receiver_account_id,
        amount=amount,
        denom=denom,
        secured=secured,
        due_date=due_date,
    )
    return _run(r.CREATE_CREDEX, body, phone, parsers.credex_created_of, client=client, priority=priority)


def credex_accept(
    *, phone: str, credex_id: str, client: CredexClient | None = None, priority: Priority | None = None
) -> CredexAccepted:
    body = bodies.credex_id_body(credex_id=credex_id)
    return _run(r.ACCEPT_CREDEX, body, phone, parsers.credex_accepted_of, client=client, priority=priority)


def credex_accept_bulk(
    *,
    phone: str,
    credex_ids: Sequence[str],
    client: CredexClient | None = None,
    priority: Priority | None = None,
) -> BulkAccepted:
    body = bodies.bulk_body(credex_ids=credex_ids)
    return _run(r.ACCEPT_CREDEX_BULK, body, phone, parsers.bulk_accepted_of, client=client, priority=priority)


def credex_decline(
    *, phone: str, credex_id: str, client: CredexClient | None = None, priority: Priority | None = None
) -> CredexClosed:
    body = bodies.credex_id_body(credex_id=credex_id)
    return _run(r.DECLINE_CREDEX, body, phone, parsers.credex_closed_of, client=client, priority=priority)


def credex_cancel(
    *, phone: str, credex_id: str, client: CredexClient | None = None, priority: Priority | None = None
) -> CredexClosed:
    body = bodies.credex_id_body(credex_id=credex_id)
    return _run(r.CANCEL_CREDEX, body, phone, parsers.credex_closed_of, client=client, priority=priority)


def credex_get(
    *,
    phone: str,
    credex_id: str,
    account_id: str,
    client: CredexClient | None = None,
    priority: Priority | None = None,
) -> CredexDetail:
    """One credex as seen from `account_id`, a party account the member may act for (the ledger needs it)."""
    body = bodies.get_credex_body(credex_id=credex_id, account_id=account_id)
    return _run(
        r.GET_CREDEX,
        body,
        phone,
        lambda e: parsers.credex_detail_of(e, body["credexID"]),
        client=client,
        priority=priority,
    )


def ledger_get(
    *,
    phone: str,
    account_id: str,
    start_row: int = 0,
    num_rows: int = 10,
    client: CredexClient | None = None,
    priority: Priority | None = None,
) -> LedgerPage:
    """A page of the account's accepted credexes, oldest first."""
    body = bodies.ledger_body(account_id=account_id, start_row=start_row, num_rows=num_rows)
    return _run(
        r.GET_LEDGER,
        body,
        phone,
        lambda e: parsers.ledger_page_of(e, start_row, num_rows),
        client=client,
        priority=priority,
    )


def account_create(
    *,
    phone: str,
    account_type: str,
    name: str,
    handle: str,
    default_denom: str,
    client: CredexClient | None = None,
    priority: Priority | None = None,
) -> AccountCreated:
    body = bodies.create_account_body(
        account_type=account_type, name=name, handle=handle, default_denom=default_denom
    )
    return _run(r.CREATE_ACCOUNT, body, phone, parsers.account_created_of, client=client, priority=priority)


def account_authorize(
    *,
    phone: str,
    account_id: str,
    member_handle: str,
    client: CredexClient | None = None,
    priority: Priority | None = None,
) -> AccountMemberChanged:
    body = bodies.authorize_body(account_id=account_id, member_handle=member_handle)
    return _run(
        r.AUTHORIZE_FOR_ACCOUNT,
        body,
        phone,
        lambda e: parsers.member_changed_of(e, "ACCOUNT_AUTHORIZED"),
        client=client,
        priority=priority,
    )


def account_unauthorize(
    *,
    phone: str,
    account_id: str,
    member_id: str,
    client: CredexClient | None = None,
    priority: Priority | None = None,
) -> AccountMemberChanged:
    body = bodies.account_member_body(account_id=account_id, member_id=member_id)
    return _run(
        r.UNAUTHORIZE_FOR_ACCOUNT,
        body,
        phone,
        lambda e: parsers.member_changed_of(e, "ACCOUNT_UNAUTHORIZED"),
        client=client,
        priority=priority,
    )


def send_offers_to_update(
    *,
    phone: str,
    account_id: str,
    member_id: str,
    client: CredexClient | None = None,
    priority: Priority | None = None,
) -> AccountMemberChanged:
    body = bodies.account_member_body(account_id=account_id, member_id=member_id)
    return _run(
        r.UPDATE_SEND_OFFERS_TO,
        body,
        phone,
        lambda e: parsers.member_changed_of(e, "SEND_OFFERS_UPDATED"),
        client=client,
        priority=priority,
    )


def tier_upgrade(
    *,
    phone: str,
    source_account_id: str,
    start_date: date | None = None,
    client: CredexClient | None = None,
    priority: Priority | None = None,
) -> RecurringCreated:
    """Subscribe to the Hustler tier (1.00 USD secured every 28 days); the tier changes at the next day."""
    body = bodies.subscription_body(source_account_id=source_account_id, start_date=start_date)
    return _run(
        r.CREATE_RECURRING, body, phone, parsers.recurring_created_of, client=client, priority=priority
    )
