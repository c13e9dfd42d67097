"""Who is calling: the client-key check of keyhole routes and the members' HS256 JWTs.

Tokens carry `memberID`, `iat` (seconds), `lastActivity` and `absoluteExpiry` (Unix seconds with
millisecond fractions) and no `exp`: expiry is this module's rule, as in the real middleware — idle longer
than `jwt_idle_seconds` or past `absoluteExpiry` → "Token expired". Every authenticated request gets a
re-signed token (new `lastActivity`, same `iat`/`absoluteExpiry`) for the `Authorization` response header.
"""

from __future__ import annotations

import hmac
import time
import uuid
from dataclasses import dataclass

import jwt
from django.conf import settings

from sandbox.ledger import runtime
from sandbox.ledger.envelope import bare
from sandbox.ledger.models import Member

ALGORITHM = "HS256"
CLAIMS = ("memberID", "iat", "lastActivity", "absoluteExpiry")


@dataclass(frozen=True)
class Caller:
    """An authenticated member and the refreshed token to send back."""

    member: Member
    refreshed_token: str


def check_client_key(presented: str | None) -> None:
    """Keyhole routes: the `x-client-api-key` must equal the configured key exactly."""
    expected = settings.SANDBOX_CLIENT_API_KEY
    if not expected:
        raise bare(500, "Server configuration error")
    if not presented or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise bare(401, "Unauthorized client")


def _sign(payload: dict) -> str:
    return jwt.encode(payload, settings.SANDBOX_JWT_SECRET, algorithm=ALGORITHM)


def issue_token(member_id: str, now: float | None = None) -> str:
    """A fresh token for a member (login, onboarding)."""
    moment = time.time() if now is None else now
    absolute = round(moment + runtime.current().jwt_absolute_seconds, 3)
    payload = {
        "memberID": str(member_id),
        "iat": int(moment),
        "lastActivity": round(moment, 3),
        "absoluteExpiry": absolute,
    }
    return _sign(payload)


def _token_from_header(header: str | None) -> str:
    parts = (header or "").split(" ")
    token = parts[1] if len(parts) > 1 else ""
    if not token.strip():
        raise bare(401, "Authentication required")
    return token.strip()


def _decode(token: str) -> dict:
    try:
        payload = jwt.decode(
            token,
            settings.SANDBOX_JWT_SECRET,
            algorithms=[ALGORITHM],
            options={"require": list(CLAIMS), "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise bare(401, "Invalid token") from exc
    if not all(isinstance(payload[claim], int | float) for claim in CLAIMS[1:]):
        raise bare(401, "Invalid token")
    return payload


def authenticate(header: str | None) -> Caller:
    """The member behind an `Authorization: Bearer` header, or a bare 401."""
    payload = _decode(_token_from_header(header))
    now = time.time()
    config = runtime.current()
    if now - payload["lastActivity"] > config.jwt_idle_seconds or now > payload["absoluteExpiry"]:
        raise bare(401, "Token expired")
    member = Member.objects.filter(member_id=_member_uuid(payload["memberID"])).first()
    if member is None:
        raise bare(401, "Invalid token")
    refreshed = dict(payload, lastActivity=round(now, 3))
    return Caller(member=member, refreshed_token=_sign(refreshed))


def _member_uuid(raw: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError as exc:
        raise bare(401, "Invalid token") from exc
