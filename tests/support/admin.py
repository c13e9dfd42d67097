"""Helpers for the admin tests: a staff user enrolled in TOTP, its tokens, and the real admin login form.

Tokens come from `django_otp.oath.TOTP` with the device's own key, step and drift, exactly as an
authenticator app computes them; `login` posts the admin's login form as a browser does.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import Permission, User
from django.http import HttpResponse
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

USERNAME = "operator"
PASSWORD = "tawny-ledger-sparrow-41"
LOGIN_URL = "/admin/login/?next=/admin/"
CURRENT = object()  # `login(token=CURRENT)`: the device's token for this moment


@dataclass(frozen=True)
class Operator:
    """A staff user and their confirmed TOTP device."""

    user: User
    device: TOTPDevice


def make_operator(
    username: str = USERNAME, *, superuser: bool = True, permissions: tuple[str, ...] = ()
) -> Operator:
    """A staff user (a superuser unless told otherwise) with `permissions` ("app.codename") and a device."""
    if superuser:
        user = User.objects.create_superuser(username, f"{username}@example.org", PASSWORD)
    else:
        user = User.objects.create_user(username, f"{username}@example.org", PASSWORD, is_staff=True)
        for label in permissions:
            app_label, codename = label.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return Operator(user, TOTPDevice.objects.create(user=user, name="phone", confirmed=True))


def token(device: TOTPDevice, *, at: float | None = None) -> str:
    """The device's 6-digit token at Unix time `at` (now by default)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def login(
    client: Client,
    operator: Operator,
    *,
    token_value: object = CURRENT,
    password: str = PASSWORD,
    username: str | None = None,
    **extra: object,
) -> HttpResponse:
    """POST the admin login form: username, password, the device and a token (CURRENT, a string or None)."""
    otp = token(operator.device) if token_value is CURRENT else (token_value or "")
    data = {
        "username": operator.user.username if username is None else username,
        "password": password,
        "otp_device": operator.device.persistent_id,
        "otp_token": otp,
    }
    return client.post(LOGIN_URL, data, **extra)


def logged_in(response: HttpResponse) -> bool:
    """Whether a login POST succeeded (the admin redirects to its index)."""
    return response.status_code == 302 and response["Location"] == "/admin/"


class CountingBackend(BaseBackend):
    """Counts the logins that reach the password check (then lets ModelBackend decide)."""

    calls = 0
    lock = threading.Lock()

    def authenticate(self, request, **credentials):
        with CountingBackend.lock:
            CountingBackend.calls += 1


def count_password_checks(settings) -> type[CountingBackend]:
    """Put `CountingBackend` between axes and ModelBackend (pytest-django's `settings`), its count at 0."""
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "tests.support.admin.CountingBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    CountingBackend.calls = 0
    return CountingBackend
