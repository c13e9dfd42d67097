"""The guard every password-checking endpoint shares: the admin's login page and the operator API's token.

Rate limit (django-ratelimit, atomic `cache.add`/`incr` on the cache Redis): each attempt counts first
against its client address, then, only while the address is under its limit, against the username typed
(case-folded, so case variants share one budget). Over either limit (settings.LOGIN_RATE_PER_MINUTE, 5 by
default) the attempt is refused before any password is checked, so N concurrent attempts get exactly the
limit evaluated. The counters are the same for both endpoints: 3 admin attempts and 3 token requests for one
username in a minute are 6. If the cache Redis cannot count, the attempt fails closed, unevaluated.

Lockout (django-axes, settings.AXES_*): 10 failures lock that username from that address, that address over
any usernames, and that username from any address, for 30 minutes. Failures are counted by axes from Django's
`user_login_failed` signal, which both endpoints send for a wrong password and for a wrong second-factor
code (`login_failed`), into the same AccessAttempt rows, so the lockout, too, is shared; a success (password
and code) clears them on either endpoint (`login_succeeded` for the token). The client address is
`security.client_ip` (trusted proxy hops) for both the limiter and axes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from security.login_audit import record_login

logger = logging.getLogger("security.login")

RETRY_AFTER_SECONDS = 60
TOO_MANY = "Too many login attempts. Please wait a minute, then try again."
UNAVAILABLE = "Logging in is unavailable for a moment. Please try again shortly."
LOCKED_OUT = "Too many failed login attempts: this login is locked for 30 minutes. Please try again later."


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused unevaluated: the HTTP status and the sentence to show."""

    status: int
    message: str
    retry_after: int = RETRY_AFTER_SECONDS


def client_address(request: HttpRequest) -> str:
    """The trusted client address (django-axes' resolution, set to `security.client_ip`)."""
    return get_client_ip_address(request) or "unknown"


def fold_username(username: object) -> str:
    """The typed username as the limiter counts it: a string, stripped and case-folded."""
    return str(username if isinstance(username, str) else "").strip().casefold()


def login_refusal(request: HttpRequest, username: object) -> Refusal | None:
    """A refusal when this login attempt is over a limit or cannot be counted; None to let it through."""
    rate = f"{settings.LOGIN_RATE_PER_MINUTE}/m"
    folded = fold_username(username)
    keys = (
        ("login:ip", lambda group, req: client_address(req)),
        ("login:username", lambda group, req: folded),
    )
    try:
        for group, key in keys:
            if is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True):
                logger.warning("login refused: over the %s limit (client %s)", group, client_address(request))
                return Refusal(429, TOO_MANY)
    except Exception as error:  # any failure to count refuses: the limiter fails closed
        logger.error("login refused: the rate limiter cannot count (%s)", type(error).__name__)
        return Refusal(503, UNAVAILABLE)
    return None


def lockout_refusal() -> Refusal:
    """The answer while django-axes has this login locked: 429 for the lockout's cool-off."""
    return Refusal(429, LOCKED_OUT, int(settings.AXES_COOLOFF_TIME.total_seconds()))


def login_failed(request: HttpRequest, username: str) -> None:
    """Count a failed second factor as a failed login (axes listens to Django's signal). Axes creates its
    attempt row with get_or_create, which two concurrent failures of one login can race on PostgreSQL (a
    unique violation): the loser counts again, inside a savepoint, and then finds the row."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def login_succeeded(request: HttpRequest, username: str) -> None:
    """Clear the failures of this username and this address, as axes does after a successful admin login,
    and audit the login.

    (The admin's success goes through `django.contrib.auth.login`, whose signal axes and the audit handle;
    the token endpoint opens no session, so it clears the same rows and writes the same row itself.)"""
    AxesProxyHandler.reset_attempts(
        ip_address=client_address(request), username=username, ip_or_username=True
    )
    record_login(request, username, via="api")
