"""The shared client-side throttle (RL-6) on the real cache Redis, and the client without a cache Redis.

Its fair shares (issue 18, hole 4): each class fills the one bucket only to its own depth, a higher class
goes first while callers wait, each number has its own bucket, and money gets through whatever guests did."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from credex_api import services
from credex_api.client import CredexClient
from credex_api.conf import ClientConfig, cache_redis
from credex_api.errors import CredexBusy, CredexInvalid, CredexNotFound
from credex_api.throttle import Priority, Throttle
from deploy.localredis import free_port
from tests.credex_api.conftest import new_phone
from tests.credex_api.fake_ledger import reply_json
from tests.support.concurrency import run_together

MONEY, MEMBER, GUEST = Priority.MONEY, Priority.MEMBER, Priority.GUEST


def throttle(per_minute: int, burst: int, max_wait: float, **shares: int) -> Throttle:
    return Throttle(cache_redis(), per_minute=per_minute, burst=burst, max_wait=max_wait, **shares)


def passes(bucket: Throttle, priority: Priority, caller: str | None = None) -> bool:
    try:
        bucket.acquire(priority, caller)
    except CredexBusy:
        return False
    return True


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


# --- fair shares (issue 18, hole 4) -------------------------------------------------------------------------
SLOW = {"per_minute": 1, "max_wait": 0.0}  # nothing refills during a test


def test_each_class_fills_the_bucket_only_to_its_own_depth():
    bucket = throttle(burst=6, member_burst=4, guest_burst=2, **SLOW)

    guests = [passes(bucket, GUEST, new_phone()) for _ in range(4)]
    members = [passes(bucket, MEMBER, new_phone()) for _ in range(4)]
    money = [passes(bucket, MONEY, new_phone()) for _ in range(4)]

    assert guests == [True, True, False, False]
    assert members == [True, True, False, False]  # 2 guest slots + 2 = the members' depth of 4
    assert money == [True, True, False, False]  # the last 2 slots were kept for money


def test_a_members_money_action_gets_through_while_the_guest_share_is_exhausted():
    bucket = throttle(burst=10, member_burst=7, guest_burst=3, **SLOW)
    while passes(bucket, GUEST, new_phone()):
        pass
    assert not passes(bucket, GUEST, new_phone())

    assert passes(bucket, MEMBER, new_phone())
    assert all(passes(bucket, MONEY, new_phone()) for _ in range(6))


def test_while_callers_wait_the_higher_class_gets_the_next_slot():
    bucket = throttle(per_minute=120, burst=2, member_burst=2, guest_burst=1, max_wait=3.0)  # a slot / 0.5 s
    assert passes(bucket, MONEY) and passes(bucket, MONEY)  # full
    order: list[str] = []

    def wait_for_a_slot(name: str, priority: Priority) -> None:
        bucket.acquire(priority, new_phone())
        order.append(name)

    errors = run_together(wait_for_a_slot, [("guest", GUEST), ("member", MEMBER)], timeout=10)

    assert errors == []
    assert order == ["member", "guest"]


def test_one_number_cannot_take_more_than_its_own_bucket():
    bucket = throttle(burst=10, per_number_per_minute=1, per_number_burst=3, **SLOW)
    flooder, other = new_phone(), new_phone()

    assert [passes(bucket, MEMBER, flooder) for _ in range(5)] == [True] * 3 + [False] * 2
    assert passes(bucket, GUEST, flooder) is False  # the same number in any read class
    assert passes(bucket, MEMBER, other)
    assert passes(bucket, MONEY, flooder)  # money is capped by MONEY_PER_MINUTE, not here


def test_a_refused_call_takes_no_slot_in_either_bucket():
    bucket = throttle(burst=2, member_burst=1, per_number_per_minute=1, per_number_burst=1, **SLOW)
    caller = new_phone()
    assert passes(bucket, MEMBER, caller)
    assert not passes(bucket, MEMBER, new_phone())  # refused by the members' depth: no slot taken

    assert passes(bucket, MONEY, caller)  # so the one slot left is still there


def test_the_number_is_never_in_a_key_name():
    phone = new_phone()
    throttle(burst=5, per_number_per_minute=10, per_number_burst=2, **SLOW).acquire(MEMBER, phone)

    names = [key.decode() for key in cache_redis().keys("*")]
    assert len(names) == 2 and all(phone not in name for name in names)


def test_a_crowd_of_guests_racing_members_and_money_never_takes_more_than_its_share():
    # 3 members and 3 money actions fit in the room above the guests' 3 slots, in whatever order they come
    shares = {"burst": 12, "member_burst": 9, "guest_burst": 3, **SLOW}
    processes = [throttle(**shares), throttle(**shares)]  # two processes' throttles, one bucket
    arguments = [(GUEST, processes[i % 2]) for i in range(30)]
    arguments += [(MEMBER, processes[i % 2]) for i in range(3)] + [
        (MONEY, processes[i % 2]) for i in range(3)
    ]
    passed: list[Priority] = []

    def call(priority: Priority, bucket: Throttle) -> None:
        if passes(bucket, priority, new_phone()):
            passed.append(priority)

    errors = run_together(call, arguments, timeout=10)

    assert errors == []
    assert passed.count(MONEY) == 3 and passed.count(MEMBER) == 3
    assert passed.count(GUEST) <= 3


@pytest.mark.django_db
def test_guest_logins_stop_at_their_share_and_a_money_call_still_goes_out(sandbox, onboard, make_client):
    payer, payee = onboard("Tendai", "Moyo"), onboard("Rudo", "Dube")
    sandbox.mint(payer.phone, "5.00")
    services.member_login(phone=payer.phone, client=make_client(sandbox.url))  # the payer's token is cached
    client = make_client(
        sandbox.url, throttle_per_minute=1, throttle_burst=6, throttle_member_burst=4, throttle_guest_burst=2,
        throttle_max_wait=0.0,
    )  # fmt: skip
    logins = sandbox.stats()["loginCalls"]
    refused = 0
    for _ in range(10):
        try:
            services.member_login(phone=new_phone(), client=client, priority=GUEST)
        except CredexBusy:
            refused += 1
        except CredexNotFound:
            pass

    offer = services.credex_offer(
        phone=payer.phone, issuer_account_id=payer.account_id, receiver_account_id=payee.account_id,
        amount=Decimal("1.00"), denom="USD", secured=True, client=client,
    )  # fmt: skip

    assert (sandbox.stats()["loginCalls"] - logins, refused) == (2, 8)  # refused calls were never sent
    assert offer.credex_id and sandbox.stats()["requests"]["createCredex"] == 1
