"""The only HTTP client to Meta's Graph API: sends rendered messages, retries what is safe, keeps the outbox.

- `GraphSender.send(payload)`: one POST to `{WHATSAPP_API_URL}/{WHATSAPP_GRAPH_VERSION}/{phone id}/messages`
  over one `requests.Session` per process (`get_sender()`), Bearer token, explicit (connect, read) timeouts,
  no redirects (the token never follows one). Retried with backoff, up to `WHATSAPP_SEND_MAX_ATTEMPTS`:
  throttling (130429, 4, 80007: exponential with jitter), the pair rate limit (131056: 4^X × base seconds,
  X = 0, 1, 2 …), transient errors (131000, 131016, 131057, 5xx) and connection failures that happened
  before the request left (connect timeout, refused, unresolvable). A read timeout or a connection dropped
  after sending is NOT retried: Meta may have accepted the message (the Messages API has no idempotency
  key), so the result is `outcome_unknown` and the outbox row keeps our id in `biz_opaque_callback_data`
  for reconciliation from status webhooks.
- `send_outbox(row)`: claims the row (a row is sent at most once, even by racing workers), sends it and
  records ACCEPTED + wamid, or FAILED + error code and class, by conditional UPDATE (a row a status webhook
  already moved is never downgraded). An outcome-unknown row stays QUEUED with `error_class=outcome_unknown`.
- `record_and_send(...)` / `record_captured(...)`: render a reply, store it as an outbox row, then send it or
  (mock testing) only capture it.

Logs carry the outbox id, kind, masked recipient, attempts and error code/class — never the token, the
payload or a full phone number.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import requests
from django.conf import settings
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from bot.graph_errors import ErrorClass, GraphError, from_response
from bot.models import OutboxMessage
from bot.rendering import render, render_kind
from flows.types import Reply
from security.redaction import mask_phone

logger = logging.getLogger(__name__)

MAX_DELAY_SECONDS = 64.0
_NOT_SENT_CAUSES = (NewConnectionError, ConnectTimeoutError, ConnectionRefusedError, socket.gaierror)
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
    skipped: bool = False  # send_outbox only: the row was already claimed by another send


class _BearerAuth(AuthBase):
    """Sets the Authorization header per request (and keeps `.netrc` credentials from replacing it)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


def _new_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=0)  # retries are decided here, knowing what is safe to repeat
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _never_sent(exc: BaseException) -> bool:
    """Whether a connection error happened before the request could leave (refused, DNS, connect timeout)."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, _NOT_SENT_CAUSES):
            return True
        pending.extend([*item.args, getattr(item, "reason", None), item.__cause__])
    return False


def _transport_error(title: str, *, sent: bool) -> SendResult:
    klass = ErrorClass.OUTCOME_UNKNOWN if sent else ErrorClass.RETRY_TRANSIENT
    return SendResult(False, None, GraphError(None, title, klass, None), 0, outcome_unknown=sent)


def _from_exception(exc: requests.exceptions.RequestException) -> SendResult:
    """A transport failure: retryable only if the request certainly never left; else outcome unknown."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return _transport_error("connect timeout", sent=False)
    if isinstance(exc, requests.exceptions.ConnectionError):
        if _never_sent(exc):
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
    """Sends message JSON to the Graph API with the retry policy above. Settings are read on every send."""

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._session = session or _new_session()
        self._sleep = sleep
        self._rand = rand

    def close(self) -> None:
        """Close the session's pooled connections."""
        self._session.close()

    @property
    def url(self) -> str:
        """The messages endpoint: base URL, pinned Graph version, phone number id."""
        base = settings.WHATSAPP_API_URL.rstrip("/")
        return f"{base}/{settings.WHATSAPP_GRAPH_VERSION}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"

    def send(self, payload: dict) -> SendResult:
        """POST `payload`, retrying only what certainly was not accepted; `attempts` counts the POSTs."""
        max_attempts = max(1, int(settings.WHATSAPP_SEND_MAX_ATTEMPTS))
        attempt = 0
        while True:
            attempt += 1
            result = replace(self._post_once(payload), attempts=attempt)
            if result.ok or result.error is None or not result.error.retryable or attempt >= max_attempts:
                return result
            self._sleep(self.delay(result.error.klass, retry_index=attempt - 1))

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

    def send_outbox(self, row: OutboxMessage) -> SendResult:
        """Send a QUEUED row once, with its id as `biz_opaque_callback_data`, and record the outcome."""
        claimed = OutboxMessage.objects.filter(
            pk=row.pk, status=OutboxMessage.Status.QUEUED, attempts=0
        ).update(attempts=1)
        if not claimed:
            logger.warning("outbox %s not sent: already claimed or not queued", row.pk)
            return SendResult(False, None, None, 0, skipped=True)
        result = self.send({**row.payload, "biz_opaque_callback_data": str(row.pk)})
        _record_outcome(row, result)
        row.refresh_from_db()
        _log_outcome(row, result)
        return result


def _record_outcome(row: OutboxMessage, result: SendResult) -> None:
    queued = OutboxMessage.objects.filter(pk=row.pk, status=OutboxMessage.Status.QUEUED)
    if result.ok:
        now = timezone.now()
        moved = queued.update(
            status=OutboxMessage.Status.ACCEPTED,
            wamid=result.wamid,
            accepted_at=now,
            attempts=result.attempts,
        )
        if not moved:  # a status webhook got there first: keep its status, fill in what it lacks
            OutboxMessage.objects.filter(pk=row.pk).update(
                attempts=result.attempts,
                wamid=Coalesce(F("wamid"), Value(result.wamid)),
                accepted_at=Coalesce(F("accepted_at"), Value(now)),
            )
        return
    error = result.error
    code = error.code if error else None
    klass = error.klass.value if error else ""
    if result.outcome_unknown:
        queued.update(attempts=result.attempts, error_code=code, error_class=klass)
        return
    queued.update(
        status=OutboxMessage.Status.FAILED, error_code=code, error_class=klass, attempts=result.attempts
    )


def _log_outcome(row: OutboxMessage, result: SendResult) -> None:
    to = mask_phone(row.wa_id)
    if result.ok:
        logger.info("outbox %s %s to %s accepted after %s attempt(s)", row.pk, row.kind, to, result.attempts)
        return
    error = result.error
    logger.warning(
        "outbox %s %s to %s not accepted after %s attempt(s): code=%s class=%s status=%s",
        row.pk,
        row.kind,
        to,
        result.attempts,
        error.code if error else None,
        error.klass.value if error else None,
        row.status,
    )


_sender: GraphSender | None = None
_sender_pid: int | None = None


def get_sender() -> GraphSender:
    """The process's sender (one Session, so one connection pool); re-created in a forked child."""
    global _sender, _sender_pid
    if _sender is None or _sender_pid != os.getpid():
        _sender, _sender_pid = GraphSender(), os.getpid()
    return _sender


def send_outbox(row: OutboxMessage, *, sender: GraphSender | None = None) -> SendResult:
    """Send one QUEUED outbox row with the process's sender (or the given one)."""
    return (sender or get_sender()).send_outbox(row)


def record_and_send(
    *, wa_id: str, reply: Reply, in_reply_to_id: int | None, sender: GraphSender | None = None
) -> OutboxMessage:
    """Render (limits checked first), store a QUEUED outbox row, send it; returns the row as now stored."""
    payload = render(reply, to=wa_id)
    row = OutboxMessage.objects.create(
        wa_id=wa_id, in_reply_to_id=in_reply_to_id, kind=render_kind(reply), payload=payload
    )
    send_outbox(row, sender=sender)
    return row


def record_captured(*, wa_id: str, reply: Reply, in_reply_to_id: int | None) -> dict:
    """Mock testing: render, store a CAPTURED outbox row, return the payload. Nothing is sent."""
    payload = render(reply, to=wa_id)
    OutboxMessage.objects.create(
        wa_id=wa_id,
        in_reply_to_id=in_reply_to_id,
        kind=render_kind(reply),
        payload=payload,
        status=OutboxMessage.Status.CAPTURED,
    )
    return payload
