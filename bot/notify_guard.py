"""What stands in front of `POST /bot/notify` (`bot.notify`): the key check and the per-key rate limit.

Both are DRF policy classes, so the view runs them in DRF's order (authentication, permission, throttle)
before it reads the body.

- `NotifyKeyAuthentication`: `X-Notify-Key` compared in constant time, as bytes
  (`security.signatures.token_matches`), with `settings.NOTIFY_API_KEY`. No header (or an empty one) →
  not authenticated → 401; any other value that does not match, including a non-ASCII one and any value
  while the setting is empty → 403. Both are security events on logger `security.notify` with the
  reason and the peer address only, never the key. A caller that passes gets `request.auth` = the key's
  fingerprint (HMAC-SHA256 under SECRET_KEY, 32 hex digits), never the key itself.
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
from security.signatures import token_matches

security_logger = logging.getLogger("security.notify")
logger = logging.getLogger(__name__)

KEY_HEADER = "X-Notify-Key"


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


def key_fingerprint(key: str) -> str:
    """A stable, non-reversible name for a key (HMAC under SECRET_KEY): safe in Redis key names."""
    return ratelimit.fingerprint(key)


def _security_event(request: Request, reason: str) -> None:
    security_logger.warning("notify rejected: %s (remote=%s)", reason, request.META.get("REMOTE_ADDR", "-"))


class NotifyKeyAuthentication(BaseAuthentication):
    """`X-Notify-Key` against `settings.NOTIFY_API_KEY`, in constant time."""

    def authenticate(self, request: Request) -> tuple[NotifyClient, str] | None:
        given = request.META.get("HTTP_X_NOTIFY_KEY")
        if not given:
            _security_event(request, "key missing")
            return None
        expected = settings.NOTIFY_API_KEY
        if not expected:
            logger.error("NOTIFY_API_KEY is not set: every notification is refused")
        if not token_matches(given, expected):
            _security_event(request, "key mismatch")
            raise exceptions.PermissionDenied("invalid notify key")
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
