"""The shared client-side throttle (RL-6) on the real cache Redis, and the client without a cache Redis."""

from __future__ import annotations

import time

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from credex_api import services
from credex_api.client import CredexClient
from credex_api.conf import ClientConfig, cache_redis
from credex_api.errors import CredexBusy, CredexInvalid
from credex_api.throttle import Throttle
from deploy.localredis import free_port
from tests.credex_api.conftest import new_phone
from tests.credex_api.fake_ledger import reply_json
from tests.support.concurrency import run_together


def throttle(per_minute: int, burst: int, max_wait: float) -> Throttle:
    return Throttle(cache_redis(), per_minute=per_minute, burst=burst, max_wait=max_wait)


def test_a_burst_passes_then_callers_wait_for_the_rate():
    bucket = throttle(per_minute=60, burst=2, max_wait=0.2)
    bucket.acquire()
    bucket.acquire()

    with pytest.raises(CredexBusy) as caught:
        bucket.acquire()

    assert 0.8 < caught.value.retry_after <= 1.0


def test_a_caller_within_its_wait_budget_gets_the_next_slot():
    bucket = throttle(per_minute=120, burst=1, max_wait=2.0)
    bucket.acquire()
    started = time.monotonic()

    bucket.acquire()

    assert 0.3 < time.monotonic() - started < 1.5  # one slot every 0.5 s


def test_the_bucket_is_shared_by_every_process():
    first, second = throttle(60, 5, 0.0), throttle(60, 5, 0.0)
    passed: list[bool] = []

    def caller(bucket: Throttle) -> None:
        try:
            bucket.acquire()
            ok = True
        except CredexBusy:
            ok = False
        passed.append(ok)

    errors = run_together(caller, [((first, second)[i % 2],) for i in range(20)], timeout=10)

    assert errors == []
    assert sorted(passed) == [False] * 15 + [True] * 5


def test_rate_zero_switches_it_off():
    bucket = throttle(per_minute=0, burst=1, max_wait=0.0)
    for _ in range(100):
        bucket.acquire()


def test_a_throttled_call_sends_nothing(fake_ledger, make_client):
    client = make_client(fake_ledger.url, throttle_per_minute=60, throttle_burst=1, throttle_max_wait=0.0)
    fake_ledger.script("login", reply_json(400, {"message": "Invalid phone number"}))
    with pytest.raises(CredexInvalid):
        services.member_login(phone=new_phone(), client=client)

    with pytest.raises(CredexBusy):
        services.member_login(phone=new_phone(), client=client)

    assert fake_ledger.count() == 1


@pytest.mark.django_db
def test_without_a_cache_redis_members_are_still_served(sandbox, onboard):
    dead = redis.Redis(
        port=free_port(), socket_connect_timeout=0.1, socket_timeout=0.1, retry=Retry(NoBackoff(), 0)
    )
    config = ClientConfig.from_settings(
        base_url=sandbox.url, api_key=sandbox.client_api_key, throttle_per_minute=60
    )
    client = CredexClient(config, redis_client=dead)
    member = onboard()
    try:
        ref = services.account_by_handle(phone=member.phone, handle=member.phone, client=client)
        again = services.account_by_handle(phone=member.phone, handle=member.phone, client=client)
    finally:
        client.close()

    assert ref.account_id == again.account_id == member.account_id
    assert sandbox.stats()["loginCalls"] == 2  # no token cache: each call logged in first
