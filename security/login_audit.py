"""Audit rows for operator logins and lockouts, on both password-checking endpoints.

- `operator.login`: a login that passed both factors — the admin's (Django's `user_logged_in` signal, sent
  by `django.contrib.auth.login` after the password and the TOTP code) and the operator API's token
  (`security.login_guard.login_succeeded` calls `record_login`), with `via` saying which.
- `operator.locked_out`: django-axes locked a login (its `user_locked_out` signal). axes sends that signal
  again for every attempt while the lock lasts, so one row per username per cool-off period is written
  (a flag on the cache Redis; without it, every signal is written): a locked-out attacker cannot flood the
  append-only log.
Single failed attempts are not audited: axes keeps them (AccessAttempt, AccessFailureLog, admin pages).
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in

from security import audit, ratelimit


def record_login(request: Any, username: str, *, via: str) -> None:
    """One `operator.login` row: `username` passed both factors through `via` ("admin" or "api")."""
    audit.record("operator.login", actor=audit.staff(username), new={"via": via}, request=request)


def _on_admin_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None:
        record_login(request, user.get_username(), via="admin")


def _on_locked_out(sender: Any, request: Any, username: str | None = None, **kwargs: Any) -> None:
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    try:
        first = ratelimit.first_time("audit-lockout", str(username), window_seconds=seconds)
    except ratelimit.LimiterDown:
        first = True
    if first:
        audit.record(
            "operator.locked_out",
            actor=audit.staff(str(username or "")),
            new={"path": getattr(request, "path", "")},
            request=request,
        )


def connect() -> None:
    """Called once from `SecurityConfig.ready`."""
    user_logged_in.connect(_on_admin_login, dispatch_uid="security.login_audit.login")
    user_locked_out.connect(_on_locked_out, dispatch_uid="security.login_audit.locked_out")
