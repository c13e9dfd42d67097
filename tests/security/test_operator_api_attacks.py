"""The operator API's attack matrix (issue 18, holes 1 and 2), through the real views and the real database.

- `TOKEN_REQUESTS`: one `POST /api/token/` each, differing from the honest request (password and the
  device's current code) in one thing; expected: the status and no token issued.
- `ENDPOINTS`: every protected endpoint × {no token, a token without its permission, a token holding every
  other endpoint's permission, a token holding its own} → 401, 403, 403, 2xx.
- `LOCKOUTS`: failed logins spread over addresses and over the two password-checking endpoints (the admin
  login page and the token endpoint), then the right password and code → locked (429) or open.
The rate limit and the races (one code, ten requests; fifty requests against five a minute) follow them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from deploy.localredis import free_port
from security.login_guard import LOCKED_OUT, TOO_MANY, UNAVAILABLE
from tests.support.admin import Operator, count_password_checks, logged_in, login, token
from tests.support.concurrency import run_together
from tests.support.operators import (
    ALL_PERMISSIONS,
    ENDPOINT_PERMISSIONS,
    PASSWORD,
    bearer,
    device_of,
    forge,
    make_user,
    obtain,
    refresh,
    tokens,
)

pytestmark = pytest.mark.django_db

WRONG = PASSWORD + "-wrong"
MINUTE_START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # rate-limit tests run inside one limiter window


# --- token requests -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TokenRequest:
    """A token request by `operator` (made with `user`'s options) with `change(device, other)` applied."""

    name: str
    status: int
    change: Callable[[TOTPDevice | None, TOTPDevice], dict[str, Any]] = lambda device, other: {}
    user: dict[str, Any] = field(default_factory=dict)


def code(device: TOTPDevice | None, *, steps_ago: int = 0) -> str:
    return token(device, at=time.time() - 30 * steps_ago) if device is not None else "000000"


def wrong_code(device: TOTPDevice | None) -> str:
    return f"{(int(code(device)) + 1) % 1_000_000:06d}"


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
    from bot.api import urls

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


# --- lockout, shared by the admin login and the token endpoint -----------------------------------------
@dataclass(frozen=True)
class Tries:
    via: str  # "api" (POST /api/token/) or "admin" (the admin login form)
    address: str
    password: str = WRONG
    code: str = "current"  # "current" or "wrong"
    times: int = 1


@dataclass(frozen=True)
class Lockout:
    name: str
    tries: tuple[Tries, ...]
    then: Tries
    locked: bool


def _address(number: int) -> str:
    return f"198.51.100.{number}"


LOCKOUTS = [
    Lockout(
        "48 wrong passwords from 4 addresses, then the right one from a fifth (the reported repro)",
        tuple(Tries("api", _address(n), times=12) for n in range(1, 5)),
        Tries("api", _address(5), PASSWORD),
        locked=True,
    ),
    Lockout(
        "the same against the admin login",
        tuple(Tries("admin", _address(n), times=12) for n in range(1, 5)),
        Tries("admin", _address(5), PASSWORD),
        locked=True,
    ),
    Lockout(
        "5 wrong on the admin and 5 on the token endpoint lock the token endpoint",
        (Tries("admin", _address(1), times=5), Tries("api", _address(2), times=5)),
        Tries("api", _address(3), PASSWORD),
        locked=True,
    ),
    Lockout(
        "5 on the token endpoint and 5 on the admin lock the admin",
        (Tries("api", _address(1), times=5), Tries("admin", _address(2), times=5)),
        Tries("admin", _address(3), PASSWORD),
        locked=True,
    ),
    Lockout(
        "10 wrong codes after the right password lock out the right code",
        (Tries("api", _address(1), PASSWORD, "wrong", times=10),),
        Tries("api", _address(2), PASSWORD),
        locked=True,
    ),
    Lockout(
        "wrong admin codes count on the token endpoint",
        (Tries("admin", _address(1), PASSWORD, "wrong", times=10),),
        Tries("api", _address(2), PASSWORD),
        locked=True,
    ),
    Lockout(
        "control: 9 failures over both endpoints leave it open",
        (Tries("admin", _address(1), times=4), Tries("api", _address(2), times=5)),
        Tries("api", _address(3), PASSWORD),
        locked=False,
    ),
]


def _try(user: Any, tries: Tries) -> int:
    device = device_of(user.username)
    for _ in range(tries.times):
        value = code(device) if tries.code == "current" else wrong_code(device)
        if tries.via == "api":
            answer = obtain(Client(), password=tries.password, code=value, REMOTE_ADDR=tries.address)
        else:
            operator = Operator(user, device)
            answer = login(
                Client(), operator, password=tries.password, token_value=value, REMOTE_ADDR=tries.address
            )
        TOTPDevice.objects.filter(pk=device.pk).update(  # the throttle and the step, not under test here
            throttling_failure_count=0, throttling_failure_timestamp=None, last_t=-1
        )
    return answer


@pytest.mark.parametrize("case", LOCKOUTS, ids=lambda case: case.name)
def test_lockouts(settings, case):
    settings.LOGIN_RATE_PER_MINUTE = 1000  # the lockout, not the rate limit, is under test here
    user = make_user()
    for tries in case.tries:
        _try(user, tries)
    answer = _try(user, case.then)
    if case.locked:
        assert answer.status_code == 429
        text = answer.json()["detail"] if case.then.via == "api" else answer.content.decode()
        assert (LOCKED_OUT in text) if case.then.via == "api" else ("too many login attempts" in text)
        if case.then.via == "api":
            assert int(answer["Retry-After"]) == 30 * 60
    else:
        assert answer.status_code == 200 if case.then.via == "api" else logged_in(answer)


def test_a_successful_token_request_clears_the_shared_count(settings):
    settings.LOGIN_RATE_PER_MINUTE = 1000
    user = make_user()
    _try(user, Tries("admin", _address(1), times=9))
    assert _try(user, Tries("api", _address(1), PASSWORD)).status_code == 200
    _try(user, Tries("api", _address(2), times=9))
    assert logged_in(_try(user, Tries("admin", _address(2), PASSWORD)))


# --- rate limit, shared by the admin login and the token endpoint ---------------------------------------
@time_machine.travel(MINUTE_START, tick=False)
def test_the_sixth_token_request_in_a_minute_is_refused_unevaluated(settings):
    counting = count_password_checks(settings)
    make_user()
    for number in range(5):
        assert obtain(Client(), password=WRONG, REMOTE_ADDR=_address(number + 1)).status_code == 401
    refused = obtain(Client(), REMOTE_ADDR=_address(9))  # right password and code, another address
    assert refused.status_code == 429 and refused.json() == {"detail": TOO_MANY}
    assert refused["Retry-After"] == "60"
    assert counting.calls == 5


@time_machine.travel(MINUTE_START, tick=False)
def test_admin_logins_and_token_requests_share_one_budget(settings):
    counting = count_password_checks(settings)
    user = make_user()
    for number in range(3):
        _try(user, Tries("admin", _address(number + 1)))
    for number in range(2):
        _try(user, Tries("api", _address(number + 10)))
    assert _try(user, Tries("api", _address(20), PASSWORD)).status_code == 429
    assert _try(user, Tries("admin", _address(21), PASSWORD)).status_code == 429
    assert counting.calls == 5


def test_without_the_cache_redis_every_token_request_is_refused_unevaluated(settings):
    counting = count_password_checks(settings)
    make_user()
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": dead}}
    answer = obtain(Client())
    assert answer.status_code == 503 and answer.json() == {"detail": UNAVAILABLE}
    assert counting.calls == 0 and OutstandingToken.objects.count() == 0


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


@pytest.mark.db_both
@pytest.mark.django_db(transaction=True)
@time_machine.travel(MINUTE_START, tick=False)
def test_fifty_concurrent_token_requests_against_five_a_minute_evaluate_exactly_five(settings):
    counting = count_password_checks(settings)
    make_user()
    statuses = []

    def attempt(number: int) -> None:
        answer = obtain(Client(), password=WRONG, REMOTE_ADDR=_address(number + 1))
        statuses.append(answer.status_code)

    errors = run_together(attempt, [(number,) for number in range(50)])
    assert errors == []
    assert sorted(statuses) == [401] * 5 + [429] * 45
    assert counting.calls == 5
