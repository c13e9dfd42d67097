"""What one failed attempt means: may it be repeated, and how does it count for the breaker (pure).

The retry rules of the ledger client (never repeat what may have run once), decided from the exception or the
error answer alone:
- no answer, and certainly never sent (connect timeout, refused, DNS, a TLS error raised by the handshake
  itself): retryable on every route, a breaker failure. Decided from the exception chain: urllib3 wraps a
  TLS error the same way whether the handshake or the response read raised it, so a TLS error counts as
  "never sent" only when it is a certificate failure or its traceback runs through `do_handshake`;
- no answer after sending, or not certainly before it (read timeout, connection lost, broken body, any
  other TLS error — an alert after the ledger read the body): a read is retryable; a mutation becomes
  `CredexOutcomeUnknown` and is never repeated; a breaker failure either way;
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
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.ssl_match_hostname import CertificateError

from credex_api.breaker import FAILURE, NEUTRAL, SUCCESS
from credex_api.endpoints.base import Endpoint
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


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and every one it wraps (args, urllib3's `reason`, cause, context)."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        pending.extend([*item.args, getattr(item, "reason", None), item.__cause__, item.__context__])


def _raised_by_handshake(item: BaseException) -> bool:
    """A TLS error of the handshake: a certificate refusal, or raised inside `SSLSocket.do_handshake`."""
    if isinstance(item, ssl.SSLCertVerificationError | CertificateError):
        return True
    if not isinstance(item, ssl.SSLError):
        return False
    frame = item.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code.co_name == "do_handshake":
            return True
        frame = frame.tb_next
    return False


def never_sent(exc: BaseException) -> bool:
    """Whether a connection error certainly happened before the request could leave (refused, DNS, connect,
    TLS handshake); when unsure, False."""
    return any(isinstance(item, _NOT_SENT_CAUSES) or _raised_by_handshake(item) for item in _chain(exc))


def transport_failure(route: Endpoint, exc: requests.RequestException) -> AttemptFailure:
    """A request that got no HTTP answer."""
    name = route.name
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        error = CredexTimeout("the ledger did not accept the connection in time", route=name)
        return AttemptFailure(error, True, FAILURE)
    if isinstance(exc, requests.exceptions.ConnectionError) and never_sent(exc):
        return AttemptFailure(
            CredexConnectionFailed("could not connect to the ledger", route=name), True, FAILURE
        )
    if isinstance(exc, _AFTER_SENDING):
        timed_out = isinstance(exc, requests.exceptions.Timeout)
        cause = "read timeout" if timed_out else "connection lost after sending"
        cause = "TLS error after sending" if isinstance(exc, requests.exceptions.SSLError) else cause
        reason = f"no answer from the ledger ({cause})"
        if route.mutation:
            return AttemptFailure(CredexOutcomeUnknown(reason, cause=cause, route=name), False, FAILURE)
        klass = CredexTimeout if timed_out else CredexConnectionFailed
        return AttemptFailure(klass(reason, route=name), True, FAILURE)
    error = CredexUnavailable("the ledger request could not be made", code="CLIENT_SETUP", route=name)
    return AttemptFailure(error, False, NEUTRAL)


def answer_failure(
    route: Endpoint, status: int, error: CredexError, retry_after_max: float
) -> AttemptFailure:
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
