"""The shared circuit breaker on the real cache Redis, driven by an injected clock (AV-2, §2.9 figures)."""

from __future__ import annotations

import json
import logging
import statistics
import time

import pytest
import redis
from django.core.management import call_command
from redis.backoff import NoBackoff
from redis.retry import Retry

from credex_api import services
from credex_api.breaker import FAILURE, NEUTRAL, SUCCESS, CircuitBreaker, Permit, breaker_status
from credex_api.conf import BreakerPolicy, cache_redis
from credex_api.errors import CircuitOpen, CredexBusy, CredexInvalid, CredexUnavailable
from deploy.localredis import free_port
from tests.credex_api.conftest import FakeClock, new_phone
from tests.credex_api.fake_ledger import reply_json, reply_text
from tests.support.concurrency import run_together


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_breaker(clock, rand=lambda: 0.0, **policy) -> CircuitBreaker:
    return CircuitBreaker(cache_redis(), BreakerPolicy(**policy), clock=clock, rand=rand)


@pytest.fixture
def breaker(clock) -> CircuitBreaker:
    return make_breaker(clock)


def call(breaker: CircuitBreaker, outcome: str) -> None:
    breaker.record(breaker.acquire(), outcome)


def is_open(breaker: CircuitBreaker) -> bool:
    try:
        permit = breaker.acquire()
    except CircuitOpen:
        return True
    breaker.record(permit, NEUTRAL)  # give back a trial slot if we took one
    return False


def test_five_consecutive_failures_open_it(breaker):
    for _ in range(4):
        call(breaker, FAILURE)
    assert not is_open(breaker)

    call(breaker, FAILURE)

    with pytest.raises(CircuitOpen) as caught:
        breaker.acquire()
    assert caught.value.retry_after == pytest.approx(60.0)
    assert breaker.status()["state"] == "open"


def test_a_success_resets_the_consecutive_run(breaker):
    for outcome in [FAILURE] * 4 + [SUCCESS] + [FAILURE] * 4:
        call(breaker, outcome)

    assert not is_open(breaker)
    status = breaker.status()
    assert (status["state"], status["consecutive_failures"], status["failures_in_window"]) == ("closed", 4, 8)


def test_twenty_scattered_failures_within_an_hour_open_it(breaker, clock):
    for _ in range(19):
        call(breaker, FAILURE)
        call(breaker, SUCCESS)  # never two in a row: only the window can open it
        clock.advance(180)  # 19 × 3 min = 57 min
    assert not is_open(breaker)

    call(breaker, FAILURE)

    assert is_open(breaker)


def test_failures_older_than_the_window_drop_out(breaker, clock):
    for _ in range(19):
        call(breaker, FAILURE)
        call(breaker, SUCCESS)
        clock.advance(180)
    clock.advance(3600 - 19 * 180 + 1)  # the first failure is now more than an hour old

    call(breaker, FAILURE)

    assert not is_open(breaker)
    assert breaker.status()["failures_in_window"] == 19


def open_it(breaker: CircuitBreaker) -> None:
    for _ in range(5):
        call(breaker, FAILURE)
    assert is_open(breaker)


def test_half_open_admits_exactly_one_trial_among_twenty_concurrent_callers(breaker, clock):
    open_it(breaker)
    clock.advance(59.9)
    assert is_open(breaker)
    clock.advance(0.1)
    outcomes: list[str] = []

    def caller() -> None:
        try:
            permit = breaker.acquire()
            result = "trial" if permit.trial else "allowed"
        except CircuitOpen:
            result = "rejected"
        outcomes.append(result)

    errors = run_together(caller, [()] * 20, timeout=10)

    assert errors == []
    assert sorted(outcomes) == ["rejected"] * 19 + ["trial"]


def test_each_failed_trial_doubles_the_open_period_up_to_the_cap(breaker, clock):
    open_it(breaker)
    periods = []
    for _ in range(6):
        clock.advance(breaker.status()["seconds_until_trial"])
        permit = breaker.acquire()
        assert permit.trial
        breaker.record(permit, FAILURE)
        periods.append(breaker.status()["seconds_until_trial"])
        clock.advance(periods[-1] - 0.01)
        assert is_open(breaker)  # still open just before the period ends

    assert periods == [120, 240, 480, 600, 600, 600]


def test_open_periods_get_up_to_ten_percent_jitter(clock):
    for rand, expected in ((lambda: 0.0, 60.0), (lambda: 0.5, 63.0), (lambda: 0.999, 65.994)):
        cache_redis().flushdb()
        breaker = make_breaker(clock, rand=rand)
        open_it(breaker)
        assert breaker.status()["seconds_until_trial"] == pytest.approx(expected)


def test_a_successful_trial_closes_it_and_resets_the_backoff(breaker, clock):
    open_it(breaker)
    clock.advance(60)
    breaker.record(breaker.acquire(), FAILURE)  # next period 120 s
    clock.advance(120)
    permit = breaker.acquire()

    breaker.record(permit, SUCCESS)

    status = breaker.status()
    assert (status["state"], status["consecutive_failures"], status["failures_in_window"]) == ("closed", 0, 0)
    open_it(breaker)
    assert breaker.status()["seconds_until_trial"] == pytest.approx(60)  # back to the first period


def test_a_trial_that_never_reports_frees_its_slot_after_the_lease(breaker, clock):
    open_it(breaker)
    clock.advance(60)
    assert breaker.acquire().trial  # ... and that caller dies
    clock.advance(29)
    assert is_open(breaker)
    clock.advance(1)
    assert breaker.acquire().trial


def test_a_trial_answered_429_judges_nothing_and_frees_the_slot(breaker, clock):
    open_it(breaker)
    clock.advance(60)
    breaker.record(breaker.acquire(), NEUTRAL)

    second = breaker.acquire()

    assert second.trial
    assert breaker.status()["open_seconds"] == 60


def test_state_is_shared_by_every_process(clock):
    first, second = make_breaker(clock), make_breaker(clock)
    for _ in range(3):
        call(first, FAILURE)
    for _ in range(2):
        call(second, FAILURE)

    with pytest.raises(CircuitOpen):
        first.acquire()


def test_transitions_are_logged(breaker, clock, caplog):
    caplog.set_level(logging.INFO, logger="credex_api.breaker")
    open_it(breaker)
    clock.advance(60)
    breaker.record(breaker.acquire(), SUCCESS)

    transitions = [
        record.breaker_transition for record in caplog.records if hasattr(record, "breaker_transition")
    ]
    assert transitions == ["closed->open", "open->half_open", "half_open->closed"]
    assert caplog.records[0].levelno == logging.WARNING


def test_breaker_status_for_ops(settings):
    breaker = CircuitBreaker(cache_redis(), BreakerPolicy(), key_prefix=settings.REDIS_KEY_PREFIX)
    for _ in range(2):
        call(breaker, FAILURE)

    status = breaker_status()

    assert status["state"] == "closed"
    assert status["consecutive_failures"] == 2
    assert status["failures_in_window"] == 2


def test_if_the_cache_redis_is_down_calls_go_through(clock):
    no_retry = Retry(NoBackoff(), 0)
    dead = redis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2, retry=no_retry)
    breaker = CircuitBreaker(dead, BreakerPolicy(), clock=clock)

    permit = breaker.acquire()
    breaker.record(permit, FAILURE)

    assert permit == Permit()


# --- through the client, against a fake ledger that counts requests ----------------------------------


def test_an_open_breaker_fails_in_under_a_millisecond_without_sending(fake_ledger, make_client, clock):
    fake_ledger.script("login", reply_json(500, {"status": "error", "statusCode": 500, "message": "boom"}))
    client = make_client(fake_ledger.url, clock=clock, max_attempts=1)
    phone = new_phone()
    for _ in range(5):
        with pytest.raises(CredexUnavailable):
            services.member_login(phone=phone, client=client)
    assert fake_ledger.count("login") == 5

    durations = []
    for _ in range(25):
        started = time.perf_counter()
        with pytest.raises(CircuitOpen):
            services.member_login(phone=phone, client=client)
        durations.append(time.perf_counter() - started)

    assert fake_ledger.count() == 5
    assert statistics.median(durations) < 0.001


def test_rejections_and_429s_never_open_it(fake_ledger, make_client, clock):
    fake_ledger.script("login", reply_json(400, {"message": "Invalid phone number"}))
    client = make_client(fake_ledger.url, clock=clock, max_attempts=1)
    for _ in range(6):
        with pytest.raises(CredexInvalid):
            services.member_login(phone=new_phone(), client=client)
    fake_ledger.script(
        "login", reply_text(429, "Too many requests, please try again later", **{"Retry-After": "60"})
    )
    for _ in range(6):
        with pytest.raises(CredexBusy):
            services.member_login(phone=new_phone(), client=client)

    assert client.breaker.status()["state"] == "closed"
    assert fake_ledger.count("login") == 12


def test_the_ops_command_shows_and_resets_the_shared_breaker(settings, capsys):
    breaker = CircuitBreaker(cache_redis(), BreakerPolicy(), key_prefix=settings.REDIS_KEY_PREFIX)
    for _ in range(5):
        call(breaker, FAILURE)

    call_command("credex_breaker")
    shown = json.loads(capsys.readouterr().out)
    call_command("credex_breaker", "--reset")
    after = json.loads(capsys.readouterr().out)

    assert (shown["state"], shown["open_seconds"]) == ("open", 60.0)
    assert (after["state"], after["failures_in_window"]) == ("closed", 0)
    assert not is_open(breaker)
