"""Serializers of the operator API: staff-only token issue, atomic refresh rotation, the audit log's filters.

`OperatorTokenObtainSerializer` issues tokens only after both factors: the password (Django's
`authenticate`, through django-axes) and then a TOTP code (`otp_token`, 6–8 ASCII digits; `otp_device`
optionally names the device) checked with django-otp as the admin checks it (`security.second_factor`:
single use, throttled). A wrong code is a failed login for the shared lockout (`security.login_guard`).
Every failure — unknown user, wrong password, not staff, no device, wrong code — gets the same 401.

`AtomicTokenRefreshSerializer` exists because simplejwt 5.5.1's rotation is not atomic: concurrent refreshes
of one token can each get a new pair. Here the old token's blacklisting is the claim: in one transaction, its
`OutstandingToken` row is locked (`select_for_update`, PostgreSQL; SQLite serialises writers with BEGIN
IMMEDIATE) and `BlacklistedToken.objects.get_or_create` decides: only the caller that *created* the blacklist
row gets a new pair; `created is False` means another request already used this token, and it is refused
(401). It also refuses a refresh token of a user who is no longer an active staff member, whose password
changed since, or whose TOTP device named in the token is gone or unconfirmed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.db import transaction
from rest_framework import exceptions, serializers
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import (
    PasswordField,
    TokenObtainPairSerializer,
    TokenObtainSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from operator_api.auth import OTP_DEVICE_CLAIM, require_signing_key
from security.login_guard import login_failed, login_succeeded
from security.second_factor import device_in_force, verified_device

MAX_TOKEN_LENGTH = 4096
NO_ACCOUNT = "No active operator account found with the given credentials and code."
OTP_CODE = r"\A[0-9]{6,8}\Z"  # ASCII digits only (Python's \d would take any script's digits)


def _refuse() -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed(NO_ACCOUNT, "no_active_account")


def is_operator(user: Any) -> bool:
    """An active staff user (the same rule as the API's `IsStaff` permission)."""
    return bool(user is not None and jwt_settings.USER_AUTHENTICATION_RULE(user) and user.is_staff)


class OperatorTokenObtainSerializer(TokenObtainPairSerializer):
    """Username, password and TOTP code → refresh and access tokens, for active staff users only.

    A wrong password, an inactive or non-staff user, a user without a device and a wrong code all get the
    same 401 (no enumeration); a malformed code is a 400 before any password is checked.
    """

    default_error_messages = {"no_active_account": NO_ACCOUNT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[self.username_field] = serializers.CharField(write_only=True, max_length=150)
        self.fields["password"] = PasswordField(max_length=1024)
        self.fields["otp_token"] = serializers.RegexField(
            OTP_CODE, write_only=True, error_messages={"invalid": "The code is 6 to 8 digits."}
        )
        self.fields["otp_device"] = serializers.CharField(write_only=True, required=False, max_length=128)

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        require_signing_key()
        TokenObtainSerializer.validate(self, attrs)  # authenticate() (axes counts a failure) and is_active
        if not is_operator(self.user):
            raise _refuse()
        request, username = self.context["request"], attrs[self.username_field]
        device = verified_device(self.user, attrs["otp_token"], attrs.get("otp_device"))
        if device is None:
            login_failed(request, username)
            raise _refuse()
        login_succeeded(request, username)
        refresh = self.get_token(self.user)
        refresh[OTP_DEVICE_CLAIM] = device.persistent_id
        if jwt_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, self.user)
        return {"refresh": str(refresh), "access": str(refresh.access_token)}


class AtomicTokenRefreshSerializer(TokenRefreshSerializer):
    """A refresh token → a new access token and a new refresh token; the old one works exactly once."""

    refresh = serializers.CharField(max_length=MAX_TOKEN_LENGTH)

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        require_signing_key()
        refresh = self.token_class(attrs["refresh"])  # signature, expiry, type, audience, issuer, blacklist
        user = _operator_of(refresh)
        with transaction.atomic():
            claim_once(refresh, user)
            data = {"access": str(refresh.access_token)}
            refresh.set_jti()
            refresh.set_exp()
            refresh.set_iat()
            refresh.outstand()
            data["refresh"] = str(refresh)
        return data


def claim_once(refresh: RefreshToken, user: Any) -> None:
    """Blacklist `refresh` inside the caller's transaction; TokenError if it was already blacklisted."""
    jti = refresh[jwt_settings.JTI_CLAIM]
    refresh.outstand()  # issued tokens are outstanding already; a no-op then
    outstanding = OutstandingToken.objects.select_for_update().get(jti=jti)
    _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    if not created:
        raise TokenError("Token is blacklisted")


def _operator_of(refresh: RefreshToken) -> Any:
    user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
    try:
        user = get_user_model().objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
    except (TypeError, ValueError):  # a malformed id claim
        user = None
    if not is_operator(user):
        raise _refuse()
    if jwt_settings.CHECK_REVOKE_TOKEN and refresh.get(jwt_settings.REVOKE_TOKEN_CLAIM) != (
        get_md5_hash_password(user.password)
    ):
        raise TokenError("The user's password has been changed.")
    if not device_in_force(user, refresh.get(OTP_DEVICE_CLAIM)):
        raise TokenError("The token's second factor is no longer valid.")
    return user


class AuditQuerySerializer(serializers.Serializer):
    """Filters of `GET /api/audit/`: all optional, all bounded."""

    action = serializers.CharField(required=False, max_length=64)
    actor = serializers.CharField(required=False, max_length=120)
    since = serializers.DateTimeField(required=False, help_text="From this time (inclusive, ISO 8601).")
    until = serializers.DateTimeField(required=False, help_text="Before this time (exclusive, ISO 8601).")
    page = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "since" in attrs and "until" in attrs and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError("since must be before until")
        return attrs


class AuditEventSerializer(serializers.Serializer):
    """One audit row, read-only (the audit log is append-only)."""

    id = serializers.IntegerField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    actor = serializers.CharField(read_only=True)
    action = serializers.CharField(read_only=True)
    obj = serializers.CharField(read_only=True)
    old_values = serializers.JSONField(read_only=True)
    new_values = serializers.JSONField(read_only=True)
    client_ip = serializers.CharField(read_only=True)
    user_agent = serializers.CharField(read_only=True)
    correlation_id = serializers.CharField(read_only=True)
