"""What stands in front of `POST /bot/notify` (`bot.notify`): the key check, with its guess limit per
address, and the per-key rate limit.

Both are DRF policy classes, so the view runs them in DRF's order (authentication, permission, throttle)
before it reads the body.

- `NotifyKeyAuthentication`: `X-Notify-Key` compared in constant time, as bytes
  (`security.signatures.token_matches`), with `settings.NOTIFY_API_KEY`. No header (or an empty one) →
  not authenticated → 401; any other value that does not match, including a non-ASCII one and any value
  while the setting is empty → 403. Both are security events on logger `security.notify` with the
  reason and the peer address only, never the key. A caller that passes gets `request.auth` = the key's
  fingerprint (a keyed hash, 32 hex digits), never the key itself.
- Guesses per address: before a key is compared, the request takes one of the
  `NOTIFY_WRONG_KEYS_PER_ADDRESS` guesses its client address (`security.client_ip`: X-Forwarded-For counts
  only behind trusted proxies) has per fixed window of `NOTIFY_WRONG_KEYS_WINDOW_SECONDS`, counted by
  `security.ratelimit.hit` (one atomic INCR on the cache Redis, so concurrent guesses cannot overshoot); the
  right key gives its guess back. An address out of guesses gets 429 with `Retry-After` (the window's
  remaining seconds) whatever key it sends, and its key is not compared; other addresses, the ledger's
  among them, are untouched. Reaching the limit is logged once per address and window, the address masked
  to its network (`security.redaction.mask_address`) with its fingerprint for the ops pages. If the cache
  Redis fails, every request with a key gets 503 (fail closed).
- `HasNotifyKey`: the permission that turns "no key" into DRF's 401.
- `NotifyRateLimit`: at most `settings.NOTIFY_RATE_PER_MINUTE` requests per key per fixed one-minute
  window, counted by one Lua script on the cache Redis (`caches["default"]`): INCR, and PEXPIRE when the
  counter has no expiry yet, atomically, so concurrent requests in any number of processes cannot overshoot.
  Key: `<REDIS_KEY_PREFIX>:ratelimit:notify:<HMAC of the fingerprint>` (`security.ratelimit`). Over the
  limit → 429 with `Retry-After` (the
  window's remaining seconds). If that Redis fails, the limiter fails closed: 503, nothing sent.
"""

from __future__ import annotations

import logging

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from security import ratelimit
from security.client_ip import client_ip
from security.redaction import mask_address
from security.signatures import token_matches

security_logger = logging.getLogger("security.notify")
logger = logging.getLogger(__name__)

KEY_HEADER = "X-Notify-Key"
GUESSES = "notify-guess"  # rate-limit counter of key comparisons per client address
GUESSES_LOGGED = "notify-guess-logged"  # once-per-window flag of the "out of guesses" log line


class NotifyClient:
    """The caller a valid key identifies: the ledger (the only holder of NOTIFY_API_KEY)."""

    is_authenticated = True
    is_anonymous = False

    def __str__(self) -> str:
        return "ledger"


class LimiterUnavailable(exceptions.APIException):
    """The rate limiter cannot count (cache Redis down): refuse rather than send unlimited messages."""

    status_code = 503
    default_detail = "temporarily unavailable, please retry later"
    default_code = "limiter_unavailable"


class TooManyGuesses(exceptions.Throttled):
    """429: this address sent too many wrong keys in the current window."""

    default_detail = "too many wrong keys from this address."


def key_fingerprint(key: str) -> str:
    """A stable, non-reversible name for a key (a keyed hash): safe in Redis key names."""
    return ratelimit.fingerprint(key)


def _take_guess(request: Request) -> str:
    """Count one key comparison for the client's address (see the module docstring); returns the address."""
    address = client_ip(request) or "unknown"
    window = int(settings.NOTIFY_WRONG_KEYS_WINDOW_SECONDS)
    try:
        verdict = ratelimit.hit(
            GUESSES, address, limit=int(settings.NOTIFY_WRONG_KEYS_PER_ADDRESS), window_seconds=window
        )
        if verdict.allowed:
            return address
        first = ratelimit.first_time(GUESSES_LOGGED, address, window_seconds=verdict.retry_after)
    except ratelimit.LimiterDown as exc:
        logger.error("notify guess limit: cache Redis unavailable (%s); refusing", exc)
        raise LimiterUnavailable from exc
    if first:
        security_logger.warning(
            "wrong notify keys: %s (fingerprint %s) is out of guesses; refused for %d s",
            mask_address(address), ratelimit.fingerprint(address)[:12], verdict.retry_after,
        )  # fmt: skip
    raise TooManyGuesses(verdict.retry_after)


def _security_event(request: Request, reason: str) -> None:
    security_logger.warning("notify rejected: %s (remote=%s)", reason, request.META.get("REMOTE_ADDR", "-"))


class NotifyKeyAuthentication(BaseAuthentication):
    """`X-Notify-Key` against `settings.NOTIFY_API_KEY`, in constant time."""

    def authenticate(self, request: Request) -> tuple[NotifyClient, str] | None:
        given = request.META.get("HTTP_X_NOTIFY_KEY")
        if not given:
            _security_event(request, "key missing")
            return None
        address = _take_guess(request)
        expected = settings.NOTIFY_API_KEY
        if not expected:
            logger.error("NOTIFY_API_KEY is not set: every notification is refused")
        if not token_matches(given, expected):
            _security_event(request, "key mismatch")
            raise exceptions.PermissionDenied("invalid notify key")
        try:
            ratelimit.give_back(GUESSES, address)  # the right key: not a guess
        except ratelimit.LimiterDown as exc:
            raise LimiterUnavailable from exc
        return NotifyClient(), key_fingerprint(given)

    def authenticate_header(self, request: Request) -> str:
        """The WWW-Authenticate value of a 401 (makes DRF answer 401, not 403, when the key is missing)."""
        return f'{KEY_HEADER} realm="notify"'


class HasNotifyKey(BasePermission):
    """Only a caller that presented the right key (the view turns a refusal into 401)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.user, NotifyClient)


class NotifyRateLimit(BaseThrottle):
    """NOTIFY_RATE_PER_MINUTE requests per key per minute, counted atomically on the cache Redis."""

    def __init__(self) -> None:
        self._retry_after: int | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            verdict = ratelimit.hit(
                "notify", str(request.auth), limit=int(settings.NOTIFY_RATE_PER_MINUTE), window_seconds=60
            )
        except ratelimit.LimiterDown as exc:
            logger.error("notify rate limit: cache Redis unavailable (%s); refusing", exc)
            raise LimiterUnavailable from exc
        if verdict.allowed:
            return True
        self._retry_after = verdict.retry_after
        security_logger.warning("notify rate limit reached (remote=%s)", request.META.get("REMOTE_ADDR", "-"))
        return False

    def wait(self) -> int | None:
        """Seconds until the current window ends (the `Retry-After` of the 429)."""
        return self._retry_after
