"""What one failed attempt means: may it be repeated, and how does it count for the breaker (pure).

The retry rules of the ledger client (MO-5, AV-3), decided from the exception or the error answer alone:
- no answer, and certainly never sent (connect timeout, refused, DNS, TLS handshake): retryable on every
  route, a breaker failure;
- no answer after sending (read timeout, connection lost, broken body): a read is retryable; a mutation
  becomes `CredexOutcomeUnknown` and is never repeated; a breaker failure either way;
- 429 (`CredexBusy`): nothing ran; retryable after `Retry-After` when that is at most `retry_after_max`
  seconds, else surfaced; neutral for the breaker;
- an error answer to a mutation that `credex_api.refusals` does not list as produced before any write (any
  5xx — a proxy can answer 502/504 while the ledger commits —, an unreadable 2xx, and the 4xx credex-core
  answers after committing: `SIGNATURE_ERROR`, `CREATE_FAILED`, 404 "Failed to fetch dashboard data"...):
  `CredexOutcomeUnknown`, never repeated; a breaker failure for 5xx/unreadable, a success for a 4xx;
- 5xx, unreadable 2xx to a read: retryable; a breaker failure;
- other 4xx (a read's rejections, listed refusals, 401, unknown route): surfaced as they are; a 4xx proves
  the ledger is up, so it counts as a breaker success (an unknown-route 404 is our misconfiguration and
  counts as a failure).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from credex_api.breaker import FAILURE, NEUTRAL, SUCCESS
from credex_api.errors import (
    CredexBadResponse,
    CredexBusy,
    CredexConnectionFailed,
    CredexError,
    CredexOutcomeUnknown,
    CredexTimeout,
    CredexUnavailable,
)
from credex_api.refusals import before_any_write
from credex_api.routes import Route

_NOT_SENT_CAUSES = (NewConnectionError, ConnectTimeoutError, ConnectionRefusedError, socket.gaierror)
_AFTER_SENDING = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True, slots=True)
class AttemptFailure:
    """The error to raise (or to retry after), whether a retry is safe, and the breaker outcome."""

    error: CredexError
    retryable: bool
    outcome: str
    delay: float | None = None  # None: the client's backoff decides


def never_sent(exc: BaseException) -> bool:
    """Whether a connection error happened before the request could leave (refused, DNS, connect)."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, _NOT_SENT_CAUSES):
            return True
        pending.extend([*item.args, getattr(item, "reason", None), item.__cause__, item.__context__])
    return False


def transport_failure(route: Route, exc: requests.RequestException) -> AttemptFailure:
    """A request that got no HTTP answer."""
    name = route.name
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        error = CredexTimeout("the ledger did not accept the connection in time", route=name)
        return AttemptFailure(error, True, FAILURE)
    if isinstance(exc, requests.exceptions.SSLError) or (
        isinstance(exc, requests.exceptions.ConnectionError) and never_sent(exc)
    ):
        return AttemptFailure(
            CredexConnectionFailed("could not connect to the ledger", route=name), True, FAILURE
        )
    if isinstance(exc, _AFTER_SENDING):
        timed_out = isinstance(exc, requests.exceptions.Timeout)
        cause = "read timeout" if timed_out else "connection lost after sending"
        reason = f"no answer from the ledger ({cause})"
        if route.mutation:
            return AttemptFailure(CredexOutcomeUnknown(reason, cause=cause, route=name), False, FAILURE)
        klass = CredexTimeout if timed_out else CredexConnectionFailed
        return AttemptFailure(klass(reason, route=name), True, FAILURE)
    error = CredexUnavailable("the ledger request could not be made", code="CLIENT_SETUP", route=name)
    return AttemptFailure(error, False, NEUTRAL)


def answer_failure(route: Route, status: int, error: CredexError, retry_after_max: float) -> AttemptFailure:
    """An HTTP answer that `responses.read_answer` turned into `error`."""
    if isinstance(error, CredexBusy):
        return AttemptFailure(error, error.retry_after <= retry_after_max, NEUTRAL, delay=error.retry_after)
    server_fault = isinstance(error, CredexUnavailable) or (
        isinstance(error, CredexBadResponse) and status < 300
    )
    if route.mutation and not before_any_write(route.name, status, error.code):
        cause = "unreadable answer" if status < 300 else f"HTTP {status}"
        cause = cause if server_fault else f"{cause} {error.code}"
        unknown = CredexOutcomeUnknown(
            f"the ledger's answer leaves the outcome unknown ({cause})",
            cause=cause,
            status=status,
            route=route.name,
        )
        ledger_up = not server_fault and not isinstance(error, CredexBadResponse)
        return AttemptFailure(unknown, False, SUCCESS if ledger_up else FAILURE)
    if server_fault:
        return AttemptFailure(error, True, FAILURE)
    if isinstance(error, CredexBadResponse):
        return AttemptFailure(error, False, FAILURE)
    return AttemptFailure(error, False, SUCCESS)
