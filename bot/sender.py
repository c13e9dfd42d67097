"""The only HTTP client to Meta's Graph API: one POST per send, never a sleep; says when a retry may follow.

- `GraphSender.send(payload)`: one POST to `{WHATSAPP_API_URL}/{WHATSAPP_GRAPH_VERSION}/{phone id}/messages`
  over one `requests.Session` per process (`get_sender()`, its pool as large as `WORKER_CONCURRENCY`), Bearer
  token, explicit (connect, read) timeouts, no redirects (the token never follows one). It never waits: when
  the error may be retried, `delay()` says after how long — throttling (130429, 4, 80007: exponential with
  jitter), the pair rate limit (131056: 4^X × base seconds, X = 0, 1, 2 …), transient errors (131000, 131016,
  131057, 5xx) and connection failures that certainly happened before the request left (connect timeout,
  refused, unresolvable, a TLS handshake failure: `credex_api.policy.never_sent`, the ledger client's rule)
  — and `bot.outbox` schedules that retry for later instead of holding the turn (and every other member) in
  a sleep. A read timeout or a connection dropped after sending is NOT retried: Meta
  may have accepted the message (the Messages API has no idempotency key), so the result is
  `outcome_unknown`, and the outbox row keeps our id in `biz_opaque_callback_data` for reconciliation from
  status webhooks.

Storing, ordering and retrying outgoing messages is `bot.outbox`'s job. Logs carry no token, payload or
phone number.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, replace

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from bot.graph_errors import ErrorClass, GraphError, from_response
from credex_api.policy import never_sent

MAX_DELAY_SECONDS = 64.0
_BAD_REQUEST_SETUP = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)


@dataclass(frozen=True, slots=True)
class SendResult:
    """What became of one send: accepted (`ok`, `wamid`), failed (`error`), or unknown (`outcome_unknown`)."""

    ok: bool
    wamid: str | None
    error: GraphError | None
    attempts: int
    outcome_unknown: bool = False
    skipped: bool = False  # bot.outbox only: the row was already claimed by another send

    @property
    def retryable(self) -> bool:
        """Whether the error certainly left the message unsent and a later attempt may succeed."""
        return not self.ok and self.error is not None and self.error.retryable


class _BearerAuth(AuthBase):
    """Sets the Authorization header per request (and keeps `.netrc` credentials from replacing it)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


def _new_session() -> requests.Session:
    session = requests.Session()
    # Retries are decided by bot.outbox, knowing what is safe to repeat. One pooled connection per turn that
    # may send at once, so none is discarded and re-opened under load.
    size = max(10, int(settings.WORKER_CONCURRENCY))
    adapter = HTTPAdapter(max_retries=0, pool_connections=1, pool_maxsize=size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _transport_error(title: str, *, sent: bool) -> SendResult:
    klass = ErrorClass.OUTCOME_UNKNOWN if sent else ErrorClass.RETRY_TRANSIENT
    return SendResult(False, None, GraphError(None, title, klass, None), 0, outcome_unknown=sent)


def _from_exception(exc: requests.exceptions.RequestException) -> SendResult:
    """A transport failure: retryable only if the request certainly never left; else outcome unknown."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return _transport_error("connect timeout", sent=False)
    if isinstance(exc, requests.exceptions.ConnectionError):
        if never_sent(exc):
            return _transport_error("connection failed before sending", sent=False)
        return _transport_error("connection lost after sending", sent=True)
    if isinstance(exc, _BAD_REQUEST_SETUP):  # nothing left: a settings problem, retrying cannot help
        return SendResult(False, None, GraphError(None, "invalid request setup", ErrorClass.BUG, None), 0)
    return _transport_error("no answer after sending", sent=True)  # read timeout, broken body, ...


def _from_response(response: requests.Response) -> SendResult:
    try:
        body = response.json()
    except ValueError:
        body = None
    if 200 <= response.status_code < 300:
        messages = body.get("messages") if isinstance(body, dict) else None
        wamid = messages[0].get("id") if messages and isinstance(messages[0], dict) else None
        if isinstance(wamid, str) and wamid:
            return SendResult(True, wamid, None, 0)
        # A 2xx we cannot read: it may well have been accepted, so never send it again.
        error = GraphError(None, "2xx without a message id", ErrorClass.OUTCOME_UNKNOWN, response.status_code)
        return SendResult(False, None, error, 0, outcome_unknown=True)
    return SendResult(False, None, from_response(response.status_code, body), 0)


class GraphSender:
    """Sends message JSON to the Graph API, once per call. Settings are read on every send."""

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._session = session or _new_session()
        self._rand = rand

    def close(self) -> None:
        """Close the session's pooled connections."""
        self._session.close()

    @property
    def url(self) -> str:
        """The messages endpoint: base URL, pinned Graph version, phone number id."""
        base = settings.WHATSAPP_API_URL.rstrip("/")
        return f"{base}/{settings.WHATSAPP_GRAPH_VERSION}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"

    def send(self, payload: dict, *, attempt: int = 1) -> SendResult:
        """POST `payload` once (`attempt`: which attempt this is, 1-based; it only labels the result)."""
        return replace(self._post_once(payload), attempts=attempt)

    def delay(self, klass: ErrorClass, *, retry_index: int) -> float:
        """Seconds to wait before retry number `retry_index` (0-based) after an error of class `klass`."""
        base = float(settings.WHATSAPP_BACKOFF_BASE_SECONDS)
        if klass == ErrorClass.RETRY_PAIR_LIMIT:
            return min(base * 4**retry_index, MAX_DELAY_SECONDS)  # Meta: retry after 4^X seconds
        exponential = base * 2**retry_index
        return min(exponential * (1 + self._rand()), MAX_DELAY_SECONDS)

    def _post_once(self, payload: dict) -> SendResult:
        try:
            response = self._session.post(
                self.url,
                json=payload,
                auth=_BearerAuth(settings.WHATSAPP_ACCESS_TOKEN),
                timeout=(settings.WHATSAPP_CONNECT_TIMEOUT, settings.WHATSAPP_READ_TIMEOUT),
                allow_redirects=False,
            )
        except requests.exceptions.RequestException as exc:
            return _from_exception(exc)
        with response:
            return _from_response(response)


_sender: GraphSender | None = None
_sender_pid: int | None = None


def get_sender() -> GraphSender:
    """The process's sender (one Session, so one connection pool); re-created in a forked child."""
    global _sender, _sender_pid
    if _sender is None or _sender_pid != os.getpid():
        _sender, _sender_pid = GraphSender(), os.getpid()
    return _sender
