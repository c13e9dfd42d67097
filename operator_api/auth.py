"""Authentication, permission and quotas of the operator API (DRF + simplejwt; settings in config/settings).

- `OperatorJWTAuthentication`: simplejwt's `Authorization: Bearer <access token>` check (HS256 only, audience
  and issuer checked, token type `access`, inactive users and tokens issued before a password change
  refused), which first refuses everything when the signing key is unusable: unset (production has no
  default), short, or Django's own SECRET_KEY. An unusable key answers 503, never a token signed with it.
  It also refuses a token whose second factor no longer stands: every token names, in its `otp_device`
  claim, the TOTP device whose code was given for it, and that device must still be the user's, confirmed.
- `IsStaff`: an authenticated, active staff user.
- `HasNamedPermission`: `IsStaff` plus the Django permission the view names in `required_permission`
  (`bot.export_member_data`, `credex_api.view_breaker`, ...); a view that names none is refused to everyone,
  so a new endpoint is closed until it says what it needs.
- `OperatorAnonThrottle` / `OperatorUserThrottle`: the coarse daily quotas (DRF throttles on the cache Redis,
  rates read at request time from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]). DRF throttles are not atomic
  (concurrent requests can pass the same count): they are quotas, not a security control, so they fail open
  when the cache Redis is down (health must still be able to say so). Login limits and lockout live elsewhere.
  Anonymous callers are told apart by `security.client_ip` (trusted proxy hops), so a forged X-Forwarded-For
  does not buy a fresh quota.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import redis
from django.conf import settings
from django_redis.exceptions import ConnectionInterrupted
from rest_framework import exceptions, permissions
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework_simplejwt import state
from rest_framework_simplejwt.authentication import JWTAuthentication

from security.client_ip import client_ip
from security.second_factor import device_in_force

if TYPE_CHECKING:  # rest_framework.views imports this module through DEFAULT_AUTHENTICATION_CLASSES
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)

MIN_SIGNING_KEY_LENGTH = 32
OTP_DEVICE_CLAIM = "otp_device"


class OperatorApiUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The operator API is not configured."
    default_code = "not_configured"


def signing_key_problem() -> str | None:
    """Why the operator JWT signing key cannot be used (safe to log: never the key), or None."""
    key = state.token_backend.signing_key  # the key simplejwt really signs and verifies with
    if not key:
        return "OPERATOR_JWT_SIGNING_KEY is not set"
    if len(key) < MIN_SIGNING_KEY_LENGTH:
        return f"OPERATOR_JWT_SIGNING_KEY is shorter than {MIN_SIGNING_KEY_LENGTH} characters"
    if key == settings.SECRET_KEY:
        return "OPERATOR_JWT_SIGNING_KEY must differ from DJANGO_SECRET"
    return None


def require_signing_key() -> None:
    """Raise 503 unless the signing key is usable (every token check and issue goes through here)."""
    problem = signing_key_problem()
    if problem is not None:
        logger.error("operator API refused: %s", problem)
        raise OperatorApiUnavailable()


class OperatorJWTAuthentication(JWTAuthentication):
    """simplejwt's access-token authentication, refusing all when the signing key is unusable."""

    def authenticate(self, request: Request) -> tuple | None:
        require_signing_key()
        found = super().authenticate(request)
        if found is not None and not device_in_force(found[0], found[1].get(OTP_DEVICE_CLAIM)):
            raise exceptions.AuthenticationFailed("This token's second factor is no longer valid.", "otp")
        return found


class IsStaff(permissions.BasePermission):
    """An authenticated, active staff user (operators); everyone else is refused."""

    message = "Operator (staff) access only."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class HasNamedPermission(IsStaff):
    """A staff user holding the permission the view names in `required_permission`; no name, no access."""

    message = "Your operator account lacks the permission this endpoint needs."

    def has_permission(self, request: Request, view: APIView) -> bool:
        needed = getattr(view, "required_permission", None)
        if not needed:
            logger.error("operator API view %s names no required_permission", type(view).__name__)
            return False
        return super().has_permission(request, view) and request.user.has_perm(needed)


class _RuntimeRateMixin:
    """Rate from the current settings (DRF binds THROTTLE_RATES at import); fail open without Redis."""

    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request: Request) -> str:
        """The trusted client address (settings.TRUSTED_PROXY_COUNT), not DRF's raw X-Forwarded-For."""
        return client_ip(request) or "unknown"

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except (ConnectionInterrupted, redis.RedisError):
            logger.warning("operator API quota not checked: cache Redis unavailable")
            return True


class OperatorAnonThrottle(_RuntimeRateMixin, AnonRateThrottle):
    """Anonymous callers (health, token): per client address, `operator_anon` per period."""

    scope = "operator_anon"


class OperatorUserThrottle(_RuntimeRateMixin, UserRateThrottle):
    """Authenticated operators: per user, `operator_user` per period."""

    scope = "operator_user"
