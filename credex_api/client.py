"""`CredexClient`: the one guarded HTTP client to the MyCredex ledger (`get_client()`: one per process).

`_request()` is the only place that sends API calls to the ledger (`credex_api.health.ledger_healthy()`
only probes its unauthenticated `GET /health`, for ops). Per attempt: throttle slot → breaker permit
→ one POST over the process's single `requests.Session` (explicit (connect, read) timeouts, no redirects,
no proxies or .netrc from the environment) → normalised answer (`responses.read_answer`) → breaker record.
Headers: `x-client-api-key` always; `Authorization: Bearer <member token>` on every non-keyhole route.

Each call has a `Priority` (money action, known member's read, guest — `credex_api.throttle`): the caller
says which (`flows` decides); by default a mutation is a money action and anything else a member's read. The
throttle slot of every attempt, and of the login a call may need, is taken in that class, for that number.

Retry policy (the ledger has no idempotency keys, so a call is repeated only when it cannot run twice): up to
`max_attempts` attempts with full-jitter backoff (`sleep = rand(0, min(cap, base·2^n))`) inside a total
`call_budget`, and ONLY when repeating is safe. Each attempt's timeouts are capped at what is left of the
budget or of the turn's ledger time (`credex_api.deadline`); with too little left nothing is sent
(`CredexBusy`). Repeated:
- reads (and `login`): timeouts, lost connections, 5xx, unreadable 2xx answers;
- any route: failures before the request left (connect timeout, refused, DNS), and a 429 (nothing ran;
  its `Retry-After` is honoured up to `retry_after_max`, else `CredexBusy`).
No wait — a throttle slot, a backoff, a `Retry-After`, another caller's login — may end past the turn's
ledger deadline (`credex_api.deadline`, set per turn by `flows.services`): the call gives up at once instead.
A mutation that may have reached the ledger — read timeout, connection lost after sending, any 5xx (a proxy
may answer 502/504 while the ledger commits), an unreadable 2xx — raises `CredexOutcomeUnknown` and is never
sent again; its instruction is reconciled by reading the ledger.

Auth (`call()`): the member's newest token comes from `TokenStore`; login/onboard tokens (body) and every
refreshed token (`Authorization` response header) are stored. On a 401 the token is replaced through ONE
single-flight re-login shared by all concurrent callers, then the request is replayed ONCE — mutations
included: the ledger authenticates before any handler runs and a 401 carries no refreshed token, so a 401
proves the request was not executed and one replay cannot duplicate it. A second 401 is surfaced.
Log lines carry route, status, code, duration, attempts and a masked member — never tokens, keys, bodies
or phone numbers.
"""

from __future__ import annotations

import http.cookiejar
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from typing import NoReturn

import redis
import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from credex_api.auth import TokenStore
from credex_api.breaker import SUCCESS, CircuitBreaker, Permit
from credex_api.conf import DEFAULT_POOL_SIZE, ClientConfig, cache_redis
from credex_api.deadline import MIN_ATTEMPT_SECONDS, fits, time_for_call
from credex_api.encoding import encode_json
from credex_api.endpoints.base import Endpoint
from credex_api.endpoints.member import LOGIN, login_body
from credex_api.errors import (
    CircuitOpen,
    CredexBadResponse,
    CredexBusy,
    CredexError,
    CredexRejected,
    CredexUnauthorized,
)
from credex_api.normalise import ShapeError
from credex_api.policy import AttemptFailure, answer_failure, transport_failure
from credex_api.responses import Envelope, bearer_token, read_answer
from credex_api.throttle import Priority, Throttle
from security import metrics
from security.redaction import mask_phone

logger = logging.getLogger(__name__)

DEFAULT_PRIORITY = {True: Priority.MONEY, False: Priority.MEMBER}  # by `route.mutation`
Slot = tuple[Priority, str]  # a throttle slot: the call's class and the number it is for


class _RetryError(Exception):
    """Internal: this attempt failed in a way that may be repeated (after `delay`, or the backoff)."""

    def __init__(self, error: CredexError, delay: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.delay = delay


def new_session(pool_size: int = DEFAULT_POOL_SIZE) -> requests.Session:
    """A session with no transport retries (we decide what is safe), no environment proxies or .netrc, and
    no cookies: it is shared by every member, so one member's cookie must never go with another's call.
    It is shared by every thread too: urllib3's pool is thread-safe and keeps `pool_size` connections."""
    session = requests.Session()
    session.trust_env = False
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    adapter = HTTPAdapter(max_retries=0, pool_connections=1, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class CredexClient:
    """The guarded ledger client. Build one per process (`get_client()`); tests may inject every part."""

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        redis_client: redis.Redis | None = None,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.config = config = config or ClientConfig.from_settings()
        store = redis_client or cache_redis()
        self.session = session or new_session(config.pool_size)
        self.breaker = CircuitBreaker(
            store, config.breaker, key_prefix=config.key_prefix, clock=clock, rand=rand
        )
        self.throttle = Throttle.from_config(store, config, sleep=sleep)
        self.tokens = TokenStore(
            store,
            secret=settings.SECRET_KEY,
            ttl_seconds=config.token_ttl_seconds,
            lock_seconds=config.login_lock_seconds,
            wait_seconds=config.login_wait_seconds,
            key_prefix=config.key_prefix,
        )
        self._sleep = sleep
        self._rand = rand
        self._clock = clock
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "x-client-api-key": config.api_key,
        }

    def close(self) -> None:
        self.session.close()

    def call(self, route: Endpoint, body: dict, *, phone: str, priority: Priority | None = None) -> Envelope:
        """One ledger call as member `phone`, in throttle class `priority` (default: `MONEY` for a mutation,
        `MEMBER` otherwise); see the module docstring for auth, 401 and retries."""
        slot = (priority if priority is not None else DEFAULT_PRIORITY[route.mutation], phone)
        if route.keyhole:
            envelope = self._request(route, body, token=None, phone=phone, slot=slot)
            token = envelope.details.data.get("token")
            if isinstance(token, str) and token:
                self.tokens.put(phone, token)
            return envelope
        login = lambda: self.login_token(phone, priority=slot[0])  # noqa: E731
        token = self.tokens.obtain(phone, stale=None, login=login)
        try:
            return self._request(route, body, token=token, phone=phone, slot=slot)
        except CredexUnauthorized:
            fresh = self.tokens.obtain(phone, stale=token, login=login)
            return self._request(route, body, token=fresh, phone=phone, slot=slot)  # the one replay

    def login_token(self, phone: str, *, priority: Priority = Priority.MEMBER) -> str:
        """Log the member in and return the token from the body (the caller stores it)."""
        envelope = self._request(
            LOGIN, login_body(phone=phone), token=None, phone=None, slot=(priority, phone)
        )
        try:
            return envelope.details.text("token")
        except ShapeError as exc:
            raise CredexBadResponse("login answer without a token", route=LOGIN.name) from exc

    def _request(
        self, route: Endpoint, body: dict, *, token: str | None, phone: str | None, slot: Slot
    ) -> Envelope:
        """The only HTTP call site: attempts, backoff and budget around `_attempt` (each attempt first takes
        a throttle `slot`: its class and the number it is for)."""
        payload = encode_json(body)
        headers = self._headers if token is None else {**self._headers, "Authorization": f"Bearer {token}"}
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                envelope = self._attempt(route, payload, headers, phone, token, slot=slot, started=started)
            except _RetryError as retry:
                delay = retry.delay if retry.delay is not None else self.backoff(attempt)
                if not self._may_wait(attempt, started, delay):
                    self._log_failure(route, retry.error, attempt, phone, started)
                    raise retry.error from None
                self._sleep(delay)
                continue
            except CredexError as error:
                self._log_failure(route, error, attempt, phone, started)
                raise
            elapsed = time.monotonic() - started
            metrics.ledger_call(route.name, "ok", elapsed)
            if logger.isEnabledFor(logging.DEBUG):
                args = (route.name, envelope.status, elapsed * 1000, attempt, mask_phone(phone))
                logger.debug("credex %s %s in %.1f ms after %s attempt(s) for %s", *args)
            return envelope

    def _may_wait(self, attempt: int, started: float, delay: float) -> bool:
        """Whether another attempt may follow after `delay`: attempts and time left for it, and a wait that
        fits the turn's ledger deadline (a 429 whose Retry-After does not fit is surfaced, nothing slept)."""
        enough = self._left(started) - delay >= MIN_ATTEMPT_SECONDS
        return attempt < self.config.max_attempts and enough and fits(delay)

    def _left(self, started: float) -> float:
        return time_for_call(self.config.call_budget - (time.monotonic() - started))

    def _timeout(self, route: Endpoint, started: float) -> tuple[float, float]:
        """This attempt's (connect, read) timeouts, capped at the time left (`CredexBusy`: none is left)."""
        left = self._left(started)
        if left < MIN_ATTEMPT_SECONDS:
            raise CredexBusy("the ledger call's time budget is spent", route=route.name)
        return (min(self.config.connect_timeout, left), min(self.config.read_timeout, left))

    def _attempt(
        self, route: Endpoint, payload: bytes, headers: dict, phone: str | None, token: str | None, *,
        slot: Slot, started: float,
    ) -> Envelope:  # fmt: skip
        self.throttle.acquire(*slot)
        timeout = self._timeout(route, started)  # after the throttle's wait, before the breaker's permit
        permit = self.breaker.acquire()
        try:
            response = self.session.post(
                self.config.url(route.name),
                data=payload,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            self._fail(permit, transport_failure(route, exc))
        with response:
            status, content = response.status_code, response.content
        refreshed = bearer_token(response.headers)
        if phone and refreshed:
            self.tokens.put_refreshed(phone, refreshed, sent=token, now=self._clock())
        try:
            envelope = read_answer(route.name, status, response.headers, content)
        except CredexError as error:
            self._fail(permit, answer_failure(route, status, error, self.config.retry_after_max))
        self.breaker.record(permit, SUCCESS)
        return envelope

    def _fail(self, permit: Permit, failure: AttemptFailure) -> NoReturn:
        self.breaker.record(permit, failure.outcome)
        if failure.retryable:
            raise _RetryError(failure.error, failure.delay) from None
        raise failure.error from None

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random wait in [0, min(cap, base·2^(attempt-1))) before the next attempt."""
        ceiling = min(self.config.backoff_cap, self.config.backoff_base * 2 ** (attempt - 1))
        return self._rand() * ceiling

    def _log_failure(
        self, route: Endpoint, error: CredexError, attempts: int, phone: str | None, started: float
    ) -> None:
        metrics.ledger_call(route.name, type(error).__name__, time.monotonic() - started)
        expected = isinstance(error, CredexRejected | CredexUnauthorized | CredexBusy | CircuitOpen)
        level = logging.INFO if expected else logging.WARNING
        logger.log(
            level,
            "credex %s failed: %s status=%s code=%s after %s attempt(s) in %.0f ms for %s",
            route.name,
            type(error).__name__,
            error.status,
            error.code,
            attempts,
            (time.monotonic() - started) * 1000,
            mask_phone(phone),
        )


_client: CredexClient | None = None
_client_pid: int | None = None
_client_lock = threading.Lock()


def get_client() -> CredexClient:
    """The process's client, built on first use (and again in a forked child)."""
    global _client, _client_pid
    pid = os.getpid()
    if _client is None or _client_pid != pid:
        with _client_lock:
            if _client is None or _client_pid != pid:
                _client, _client_pid = CredexClient(), pid
    return _client


def reset_client() -> None:
    """Forget the process's client (tests that change settings; after fork it is rebuilt anyway)."""
    global _client, _client_pid
    with _client_lock:
        if _client is not None and _client_pid == os.getpid():
            _client.close()
        _client, _client_pid = None, None
