"""The ledger operations, as keyword-only functions returning typed results (the module flows call).

One function per declared endpoint (`credex_api.endpoints`), named by its `service` and built here, so a new
endpoint needs no code in this module. `phone` is the WhatsApp id (digits) of the member whose token is
used; the other keyword arguments are the endpoint's body builder's. Every function validates its input
locally with the ledger's rules first (`CredexInvalid`, nothing sent), calls the ledger through the guarded
client, and returns the endpoint's frozen result or raises a `CredexError` subclass.

Reads: `member_login`, `account_by_handle`, `credex_get`, `ledger_get` (`token_cached`: no call).
Mutations (`member_onboard`, `credex_offer`, `credex_accept`, `credex_accept_bulk`, `credex_decline`,
`credex_cancel`, `account_create`, `account_authorize`, `account_unauthorize`, `send_offers_to_update`,
`tier_upgrade`) are never retried once they may have reached the ledger. Money and account changes go
through `credex_api.instructions` (a stored instruction, confirmed once, executed once, reconciled when the
outcome is unknown), which calls these functions through `credex_api.actions`; call a mutation directly only
where no member's money or access is at stake.
`priority=` is the throttle class of the call (`credex_api.throttle.Priority`; the caller decides: by
default `MONEY` for a mutation, `MEMBER` for a read). `client=` is for tests and benchmarks; by default the
process's client is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from credex_api.client import CredexClient, get_client
from credex_api.endpoints import ENDPOINTS
from credex_api.endpoints.base import Endpoint, call_signature
from credex_api.errors import CredexBadResponse, CredexOutcomeUnknown
from credex_api.normalise import ShapeError
from credex_api.throttle import Priority
from credex_api.validation import check_phone


def call(
    endpoint: Endpoint,
    *,
    phone: str,
    client: CredexClient | None = None,
    priority: Priority | None = None,
    **params: Any,
) -> Any:
    """One call of `endpoint` as member `phone`: body checked, sent through the guarded client, parsed."""
    body = endpoint.build(params, phone=phone)
    envelope = (client or get_client()).call(endpoint, body, phone=check_phone(phone), priority=priority)
    try:
        return endpoint.read(envelope, body)
    except ShapeError as exc:
        if endpoint.mutation:  # it succeeded (2xx) but we cannot tell what it did: reconcile, never re-send
            raise CredexOutcomeUnknown(
                f"unexpected success shape ({exc})",
                cause="unexpected success shape",
                status=envelope.status,
                route=endpoint.name,
            ) from exc
        raise CredexBadResponse(
            f"unexpected answer shape ({exc})", status=envelope.status, route=endpoint.name
        ) from exc


def _service(endpoint: Endpoint) -> Callable[..., Any]:
    """The keyword-only function of one endpoint, with its name, docstring and signature."""

    def service(**kwargs: Any) -> Any:
        return call(endpoint, **kwargs)

    service.__name__ = service.__qualname__ = endpoint.service
    service.__doc__ = endpoint.doc
    service.__signature__ = call_signature(endpoint)  # type: ignore[attr-defined]
    return service


def token_cached(*, phone: str, client: CredexClient | None = None) -> bool:
    """Whether the member's ledger token is cached, so a call as them needs no login first."""
    return (client or get_client()).tokens.get(check_phone(phone)) is not None


def derive(endpoints: Iterable[Endpoint]) -> dict[str, Callable[..., Any]]:
    """One service function per endpoint, by its `service` name."""
    return {endpoint.service: _service(endpoint) for endpoint in endpoints}


SERVICES: dict[str, Callable[..., Any]] = derive(ENDPOINTS)
globals().update(SERVICES)
