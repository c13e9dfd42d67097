"""Operator API test helpers: staff users, real tokens from `POST /api/token/`, and forged JWTs.

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
from django.test import Client
from rest_framework_simplejwt.utils import get_md5_hash_password

PASSWORD = "correct-horse-battery-staple-42"


def make_user(username: str = "operator", *, staff: bool = True, active: bool = True) -> Any:
    return get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=staff, is_active=active
    )


def obtain(client: Client, username: str = "operator", password: str = PASSWORD) -> Any:
    return client.post(
        "/api/token/", {"username": username, "password": password}, content_type="application/json"
    )


def tokens(client: Client, username: str = "operator") -> dict[str, str]:
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
        "aud": settings.SIMPLE_JWT["AUDIENCE"],
        "iss": settings.SIMPLE_JWT["ISSUER"],
    }
    payload.update(changes)
    return {name: value for name, value in payload.items() if value is not None}


def forge(user: Any, *, key: str | None = None, algorithm: str = "HS256", **changes: Any) -> str:
    signing_key = settings.SIMPLE_JWT["SIGNING_KEY"] if key is None else key
    return jwt.encode(claims(user, **changes), signing_key, algorithm=algorithm)


def unsigned(user: Any) -> str:
    """An `alg: none` token: header and claims, empty signature."""

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims(user))}."
