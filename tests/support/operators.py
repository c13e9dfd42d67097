"""Operator API test helpers: staff users with TOTP devices and permissions, real tokens from
`POST /api/token/` (password and the device's current code), and forged JWTs.

`forge(user, ...)` builds an access token exactly as simplejwt would (same claims, same key) unless told to
change one thing, so each attack in the matrix differs from an accepted token in that one thing only.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.utils import get_md5_hash_password

from tests.support.admin import token as totp_code

PASSWORD = "correct-horse-battery-staple-42"
# The named permission of each protected endpoint (operator_api.views: `required_permission`).
ENDPOINT_PERMISSIONS = {
    ("get", "/api/breaker/"): "credex_api.view_breaker",
    ("get", "/api/audit/"): "security.view_auditevent",
    ("get", "/api/schema/"): "bot.view_operator_api_schema",
    ("get", "/api/members/263771234567/export/"): "bot.export_member_data",
    ("post", "/api/members/263771234567/erase/"): "bot.erase_member_data",
}
ALL_PERMISSIONS = tuple(ENDPOINT_PERMISSIONS.values())
CURRENT = object()  # `obtain(code=CURRENT)`: the user's device's code for this moment


def make_user(
    username: str = "operator",
    *,
    staff: bool = True,
    active: bool = True,
    permissions: tuple[str, ...] = ALL_PERMISSIONS,
    device: bool = True,
) -> Any:
    """A user with `permissions` ("app.codename") and, unless told not to, a confirmed TOTP device."""
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=staff, is_active=active
    )
    for label in permissions:
        app_label, codename = label.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    if device:
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def device_of(username: str = "operator") -> TOTPDevice:
    return TOTPDevice.objects.get(user__username=username)


def obtain(
    client: Client,
    username: str = "operator",
    password: str = PASSWORD,
    *,
    code: object = CURRENT,
    **extra: Any,
) -> Any:
    """POST /api/token/ with the username, password and a code (CURRENT: the device's, else "000000")."""
    if code is CURRENT:
        found = TOTPDevice.objects.filter(user__username=username).first()
        code = totp_code(found) if found is not None else "000000"
    body = {"username": username, "password": password, "otp_token": code}
    return client.post("/api/token/", body, content_type="application/json", **extra)


def code(device: TOTPDevice | None, *, steps_ago: int = 0) -> str:
    """The device's code now (or `steps_ago` 30-second steps ago); "000000" for no device."""
    return totp_code(device, at=time.time() - 30 * steps_ago) if device is not None else "000000"


def wrong_code(device: TOTPDevice | None) -> str:
    """A code the device does not show now (its current code plus one)."""
    return f"{(int(code(device)) + 1) % 1_000_000:06d}"


def next_step(username: str = "operator") -> None:
    """As if a new 30-second TOTP step had begun since the device's last accepted code (the replay rule
    refuses a second code in one step; tests that need several token pairs call this between them)."""
    TOTPDevice.objects.filter(user__username=username).update(last_t=-1)


def tokens(client: Client, username: str = "operator") -> dict[str, str]:
    next_step(username)
    response = obtain(client, username)
    assert response.status_code == 200, response.content
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def refresh(client: Client, token: str) -> Any:
    return client.post("/api/token/refresh/", {"refresh": token}, content_type="application/json")


def claims(user: Any, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    payload = {
        "token_type": "access",
        "exp": now + 300,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "user_id": str(user.pk),
        "hash_password": get_md5_hash_password(user.password),
        "otp_device": _device_id(user),
        "aud": settings.SIMPLE_JWT["AUDIENCE"],
        "iss": settings.SIMPLE_JWT["ISSUER"],
    }
    payload.update(changes)
    return {name: value for name, value in payload.items() if value is not None}


def _device_id(user: Any) -> str | None:
    device = TOTPDevice.objects.filter(user=user).first()
    return device.persistent_id if device is not None else None


def forge(user: Any, *, key: str | None = None, algorithm: str = "HS256", **changes: Any) -> str:
    signing_key = settings.SIMPLE_JWT["SIGNING_KEY"] if key is None else key
    return jwt.encode(claims(user, **changes), signing_key, algorithm=algorithm)


def unsigned(user: Any) -> str:
    """An `alg: none` token: header and claims, empty signature."""

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims(user))}."
