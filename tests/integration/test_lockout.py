"""Admin login lockout (django-axes) and login rate limit (django-ratelimit), through the real login view.

What an operator or an attacker would notice: 10 wrong passwords lock the account for 30 minutes, even
against the right password and token; after 30 minutes the right ones work; a forged X-Forwarded-For
escapes nothing; 10 failures from one address over many usernames lock that address; a success clears
the count. The limiter lets exactly 5 attempts a minute per IP and per username reach the password check,
also under 50 concurrent attempts, and refuses every attempt, unevaluated, while the cache Redis is down.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client

from deploy.localredis import free_port
from security.login_guard import TOO_MANY, UNAVAILABLE
from tests.support.admin import PASSWORD, count_password_checks, logged_in, login, make_operator, token
from tests.support.concurrency import run_together

pytestmark = pytest.mark.django_db

WRONG = PASSWORD + "-wrong"
CLIENT_IP, OTHER_IP = "198.51.100.7", "198.51.100.99"
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def operator(settings):
    settings.LOGIN_RATE_PER_MINUTE = 1000  # the lockout tests need more than 5 attempts a minute
    return make_operator()


def fail(client, operator, times, **extra):
    return [login(client, operator, password=WRONG, **extra).status_code for _ in range(times)]


# --- lockout ----------------------------------------------------------------------------------------------


def test_ten_wrong_passwords_lock_out_even_the_right_password_and_token(client, operator):
    assert fail(client, operator, 9, REMOTE_ADDR=CLIENT_IP) == [200] * 9
    assert fail(client, operator, 1, REMOTE_ADDR=CLIENT_IP) == [429]  # the 10th failure locks
    eleventh = login(client, operator, REMOTE_ADDR=CLIENT_IP)
    assert eleventh.status_code == 429
    assert "too many login attempts" in eleventh.content.decode()
    assert client.get("/admin/bot/inboxmessage/").status_code == 302


def test_the_lock_ends_after_30_minutes(client, operator):
    with time_machine.travel(START, tick=False) as clock:
        fail(client, operator, 10, REMOTE_ADDR=CLIENT_IP)
        clock.shift(timedelta(minutes=30, seconds=1))
        assert logged_in(login(client, operator, REMOTE_ADDR=CLIENT_IP))


def test_still_locked_at_29_minutes_and_each_attempt_while_locked_restarts_the_30(client, operator):
    with time_machine.travel(START, tick=False) as clock:
        fail(client, operator, 10, REMOTE_ADDR=CLIENT_IP)
        clock.shift(timedelta(minutes=29))
        assert login(client, operator, REMOTE_ADDR=CLIENT_IP).status_code == 429
        clock.shift(timedelta(minutes=2))  # 31 minutes after the lock, 2 after the last attempt
        assert login(client, operator, REMOTE_ADDR=CLIENT_IP).status_code == 429
        clock.shift(timedelta(minutes=30, seconds=1))  # 30 quiet minutes
        assert logged_in(login(client, operator, REMOTE_ADDR=CLIENT_IP))


@pytest.mark.parametrize("forged", ["203.0.113.50", "127.0.0.1", f"{OTHER_IP}, 203.0.113.50", "unknown"])
def test_a_forged_x_forwarded_for_from_the_locked_address_escapes_nothing(client, operator, forged):
    fail(client, operator, 10, REMOTE_ADDR=CLIENT_IP)
    response = login(client, operator, REMOTE_ADDR=CLIENT_IP, HTTP_X_FORWARDED_FOR=forged)
    assert response.status_code == 429


def test_behind_one_trusted_proxy_only_the_address_it_appended_counts(operator, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    fail(Client(), operator, 10, HTTP_X_FORWARDED_FOR=CLIENT_IP, **proxy)
    forged = f"{OTHER_IP}, {CLIENT_IP}"  # the client wrote OTHER_IP; the proxy appended the real one
    assert login(Client(), operator, HTTP_X_FORWARDED_FOR=forged, **proxy).status_code == 429
    # Another real client behind the same proxy is not locked: the key is the appended hop, not the proxy.
    # (Another operator: this username is now locked from every address.)
    colleague = make_operator("colleague")
    assert logged_in(login(Client(), colleague, HTTP_X_FORWARDED_FOR=OTHER_IP, **proxy))


def test_ten_failures_over_many_usernames_lock_the_address(operator):
    for number in range(10):
        login(Client(), operator, username=f"guess-{number}", password=WRONG, REMOTE_ADDR=CLIENT_IP)
    assert login(Client(), operator, REMOTE_ADDR=CLIENT_IP).status_code == 429
    assert logged_in(login(Client(), operator, REMOTE_ADDR=OTHER_IP))


def test_a_successful_login_clears_the_failure_count(operator):
    assert fail(Client(), operator, 9, REMOTE_ADDR=CLIENT_IP) == [200] * 9
    assert logged_in(login(Client(), operator, REMOTE_ADDR=CLIENT_IP))
    assert not AccessAttempt.objects.exists()
    with time_machine.travel(datetime.now(tz=UTC) + timedelta(seconds=31)):  # a fresh TOTP step
        assert fail(Client(), operator, 9, REMOTE_ADDR=CLIENT_IP) == [200] * 9  # 18 in all, still open
        assert logged_in(login(Client(), operator, REMOTE_ADDR=CLIENT_IP))


def test_the_stored_attempt_keeps_no_password_or_token(client, operator):
    used = token(operator.device)
    login(client, operator, password=WRONG, token_value=used)
    (attempt,) = AccessAttempt.objects.all()
    assert attempt.failures_since_start == 1
    assert WRONG not in attempt.post_data and used not in attempt.post_data


# --- login rate limit ---------------------------------------------------------------------------------------


@pytest.fixture
def counting(settings):
    return count_password_checks(settings)


def test_the_sixth_attempt_in_a_minute_is_refused_unevaluated(counting):
    operator = make_operator()
    with time_machine.travel(START, tick=False):
        assert fail(Client(), operator, 5, REMOTE_ADDR=CLIENT_IP) == [200] * 5
        refused = login(Client(), operator, REMOTE_ADDR=CLIENT_IP, HTTP_X_FORWARDED_FOR=OTHER_IP)
        assert refused.status_code == 429 and refused["Retry-After"] == "60"
        assert TOO_MANY in refused.content.decode()
        assert counting.calls == 5
        # The username's budget is spent too, from any address; a new minute brings a new budget.
        assert login(Client(), operator, REMOTE_ADDR=OTHER_IP).status_code == 429
    with time_machine.travel(START + timedelta(minutes=1, seconds=1), tick=False):
        assert logged_in(login(Client(), operator, REMOTE_ADDR=CLIENT_IP))
    assert counting.calls == 6


@pytest.mark.db_both
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("spread", ["one address, one username", "50 addresses", "50 usernames"])
def test_fifty_concurrent_attempts_against_five_a_minute_evaluate_exactly_five(counting, spread):
    operator = make_operator()
    statuses = []

    def attempt(address, username):
        response = login(Client(), operator, username=username, password=WRONG, REMOTE_ADDR=address)
        statuses.append(response.status_code)

    arguments = [
        (
            f"198.51.100.{number + 1}" if spread == "50 addresses" else CLIENT_IP,
            f"guess-{number}" if spread == "50 usernames" else operator.user.username,
        )
        for number in range(50)
    ]
    with time_machine.travel(START, tick=False):  # one limiter window for all 50
        errors = run_together(attempt, arguments)
    assert errors == []
    assert sorted(statuses) == [200] * 5 + [429] * 45
    assert counting.calls == 5
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 5


def test_without_the_cache_redis_every_login_is_refused_unevaluated(counting, settings, caplog):
    operator = make_operator()
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": dead}}
    client = Client()
    for password in (WRONG, PASSWORD):
        response = login(client, operator, password=password, token_value="000000")
        assert response.status_code == 503
        assert UNAVAILABLE in response.content.decode()
    assert counting.calls == 0
    assert not AccessAttempt.objects.exists()
    assert client.get("/admin/bot/inboxmessage/").status_code == 302
    assert "the rate limiter cannot count" in caplog.text
