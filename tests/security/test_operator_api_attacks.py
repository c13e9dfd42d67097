"""The operator API's attack matrix (issue 18, holes 1 and 2), through the real views and the real database.

- `TOKEN_REQUESTS`: one `POST /api/token/` each, differing from the honest request (password and the
  device's current code) in one thing; expected: the status and no token issued.
- `ENDPOINTS`: every protected endpoint × {no token, a token without its permission, a token holding every
  other endpoint's permission, a token holding its own} → 401, 403, 403, 2xx.
Then the race: one code in ten concurrent requests gets one pair. The lockout and the rate limit the token
endpoint shares with the admin login are in test_login_attacks.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from tests.support.concurrency import run_together
from tests.support.operators import (
    ALL_PERMISSIONS,
    ENDPOINT_PERMISSIONS,
    PASSWORD,
    bearer,
    code,
    device_of,
    forge,
    make_user,
    obtain,
    refresh,
    tokens,
    wrong_code,
)

pytestmark = pytest.mark.django_db

WRONG = PASSWORD + "-wrong"


# --- token requests -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TokenRequest:
    """A token request by `operator` (made with `user`'s options) with `change(device, other)` applied."""

    name: str
    status: int
    change: Callable[[TOTPDevice | None, TOTPDevice], dict[str, Any]] = lambda device, other: {}
    user: dict[str, Any] = field(default_factory=dict)


TOKEN_REQUESTS = [
    TokenRequest("control: password and current code", 200),
    TokenRequest("password only, no code", 400, lambda d, o: {"otp_token": None}),
    TokenRequest("empty code", 400, lambda d, o: {"otp_token": ""}),
    TokenRequest("code with a letter", 400, lambda d, o: {"otp_token": "12345a"}),
    TokenRequest("five digits", 400, lambda d, o: {"otp_token": "12345"}),
    TokenRequest("nine digits", 400, lambda d, o: {"otp_token": "123456789"}),
    TokenRequest("Arabic-Indic digits", 400, lambda d, o: {"otp_token": "١٢٣٤٥٦"}),
    TokenRequest("code as a JSON list", 400, lambda d, o: {"otp_token": ["123456"]}),
    TokenRequest("wrong code", 401, lambda d, o: {"otp_token": wrong_code(d)}),
    TokenRequest("code of two steps ago", 401, lambda d, o: {"otp_token": code(d, steps_ago=2)}),
    TokenRequest("another operator's current code", 401, lambda d, o: {"otp_token": code(o)}),
    TokenRequest(
        "another operator's device named, with its code",
        401,
        lambda d, o: {"otp_token": code(o), "otp_device": o.persistent_id},
    ),
    TokenRequest("wrong password, right code", 401, lambda d, o: {"password": WRONG}),
    TokenRequest("staff user without a TOTP device", 401, user={"device": False}),
    TokenRequest(
        "staff user without permissions or device (the reported repro)",
        401,
        user={"device": False, "permissions": ()},
    ),
    TokenRequest("unconfirmed device", 401, user={"confirmed": False}),
    TokenRequest("non-staff user with a device and its code", 401, user={"staff": False}),
    TokenRequest("inactive staff user with a device and its code", 401, user={"active": False}),
]


@pytest.mark.parametrize("attempt", TOKEN_REQUESTS, ids=lambda attempt: attempt.name)
def test_token_requests(client, attempt):
    options = dict(attempt.user)
    confirmed = options.pop("confirmed", True)
    make_user(**options)
    TOTPDevice.objects.filter(user__username="operator").update(confirmed=confirmed)
    make_user("colleague")
    device = TOTPDevice.objects.filter(user__username="operator").first()
    body = {"username": "operator", "password": PASSWORD, "otp_token": code(device)}
    body.update(attempt.change(device, device_of("colleague")))
    body = {name: value for name, value in body.items() if value is not None}
    response = client.post("/api/token/", body, content_type="application/json")
    assert response.status_code == attempt.status, response.content
    assert response["Cache-Control"] == "no-store"
    issued = OutstandingToken.objects.count()
    if attempt.status == 200:
        assert set(response.json()) == {"access", "refresh"} and issued == 1
    else:
        assert "access" not in response.json() and issued == 0


def test_every_refusal_of_a_well_formed_request_reads_the_same(client):
    """Unknown user, wrong password, no device, wrong code: one answer, so none says which factor failed."""
    make_user()
    make_user("deviceless", device=False)
    answers = {
        obtain(client, "nobody").content,
        obtain(client, password=WRONG).content,
        obtain(client, "deviceless").content,
        obtain(client, code=wrong_code(device_of())).content,
    }
    assert len(answers) == 1


def test_a_code_works_once_in_its_step(client):
    make_user()
    used = code(device_of())
    assert obtain(client, code=used).status_code == 200
    assert obtain(client, code=used).status_code == 401


# --- endpoints and their permissions -------------------------------------------------------------------
@dataclass(frozen=True)
class EndpointCall:
    name: str
    method: str
    path: str
    token_for: str  # "none", or which permissions the caller's token carries: "own", "others", "nothing"
    status: int


ENDPOINTS = [
    EndpointCall(f"{method} {path}: {who}", method, path, who, status)
    for (method, path), permission in ENDPOINT_PERMISSIONS.items()
    for who, status in (("none", 401), ("nothing", 403), ("others", 403), ("own", 200))
]


def _grants(call: EndpointCall) -> tuple[str, ...]:
    own = ENDPOINT_PERMISSIONS[(call.method, call.path)]
    if call.token_for == "own":
        return (own,)
    return tuple(p for p in ALL_PERMISSIONS if p != own) if call.token_for == "others" else ()


@pytest.mark.parametrize("call", ENDPOINTS, ids=lambda call: call.name)
def test_each_endpoint_wants_a_token_and_its_named_permission(client, call):
    headers = {}
    if call.token_for != "none":
        make_user(permissions=_grants(call))
        headers = bearer(tokens(client)["access"])
    response = getattr(client, call.method)(call.path, content_type="application/json", **headers)
    assert response.status_code == call.status, response.content
    if call.status == 403:
        assert "permission" in response.json()["detail"]


def test_every_operator_endpoint_names_its_permission_and_the_matrix_covers_it():
    from operator_api import urls

    open_views = {"TokenObtainView", "TokenRefreshGuardedView", "HealthView"}
    named = {
        pattern.callback.view_class.__name__: pattern.callback.view_class.required_permission
        for pattern in urls.urlpatterns
        if pattern.callback.view_class.__name__ not in open_views
    }
    assert all(named.values()), named
    assert sorted(named.values()) == sorted(ALL_PERMISSIONS)


@pytest.mark.parametrize("change", ["deleted", "unconfirmed"])
def test_a_token_ends_with_its_device(client, change):
    make_user()
    pair = tokens(client)
    devices = TOTPDevice.objects.filter(user__username="operator")
    devices.delete() if change == "deleted" else devices.update(confirmed=False)
    for (method, path), _ in ENDPOINT_PERMISSIONS.items():
        response = getattr(client, method)(path, content_type="application/json", **bearer(pair["access"]))
        assert response.status_code == 401, path
    assert refresh(client, pair["refresh"]).status_code == 401


def test_a_token_naming_no_device_opens_nothing(client):
    user = make_user()
    assert client.get("/api/breaker/", **bearer(forge(user))).status_code == 200  # the control
    assert client.get("/api/breaker/", **bearer(forge(user, otp_device=None))).status_code == 401


# --- races ----------------------------------------------------------------------------------------------
@pytest.mark.db_both
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_token_requests_with_one_code_get_one_pair(settings):
    settings.LOGIN_RATE_PER_MINUTE = 1000
    make_user()
    used = code(device_of())
    statuses = []
    errors = run_together(lambda: statuses.append(obtain(Client(), code=used).status_code), [()] * 10)
    assert errors == []
    assert sorted(statuses) == [200] + [401] * 9
    assert OutstandingToken.objects.count() == 1
