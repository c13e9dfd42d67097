"""The login attack matrix (issue 18, hole 2): the admin login page and the operator API's token endpoint
share one lockout and one rate limit (`security.login_guard`), through the real views and database.

- `LOCKOUTS`: failed logins spread over addresses and over the two endpoints, then the right password and
  code → locked (429) or open.
- The rate limit: 5 attempts a minute per address and per username, counted over both endpoints, refused
  before any password is checked; 503 while the cache Redis cannot count; 50 at once → exactly 5 evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from deploy.localredis import free_port
from security.login_guard import LOCKED_OUT, TOO_MANY, UNAVAILABLE
from tests.support.admin import Operator, count_password_checks, logged_in, login
from tests.support.concurrency import run_together
from tests.support.operators import PASSWORD, code, device_of, make_user, obtain, wrong_code

pytestmark = pytest.mark.django_db

WRONG = PASSWORD + "-wrong"
MINUTE_START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # rate-limit tests run inside one limiter window


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
