"""Token lifecycle against the real sandbox: newest token kept, idle expiry cured by one transparent
re-login, and 50 concurrent callers refused with 401 → exactly 1 login call (sandbox `loginCalls`)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from credex_api import services
from credex_api.conf import cache_redis
from credex_api.errors import CredexNotFound
from tests.credex_api.conftest import FakeClock, new_phone
from tests.support.concurrency import run_together

pytestmark = pytest.mark.django_db


def login_calls(sandbox) -> int:
    return sandbox.stats()["loginCalls"]


def test_tokens_are_keyed_by_an_hmac_of_the_phone_with_a_ttl_inside_the_idle_window(ledger, onboard):
    member = onboard()
    keys = [key.decode() for key in cache_redis().keys("*credex:token*")]

    assert keys == [ledger.tokens.member_key(member.phone)]
    assert member.phone not in keys[0]
    assert 0 < cache_redis().ttl(keys[0]) <= 240


def test_a_refreshed_token_replaces_one_idle_for_a_minute_but_not_a_fresh_one(sandbox, make_client):
    clock = FakeClock(time.time())
    client = make_client(sandbox.url, sandbox.client_api_key, clock=clock)
    phone = new_phone()
    services.member_onboard(phone=phone, first_name="Tendai", last_name="Moyo", client=client)
    first = client.tokens.get(phone)

    services.account_by_handle(phone=phone, handle=phone, client=client)
    kept = client.tokens.get(phone) == first  # a token seconds old keeps its idle window: no write
    clock.advance(61)
    services.account_by_handle(phone=phone, handle=phone, client=client)
    replaced = client.tokens.get(phone) not in (None, first)

    assert (kept, replaced) == (True, True)  # booleans only: a token never reaches the test output
    assert login_calls(sandbox) == 0  # the onboarding token and its refresh did; no login was needed


def test_idle_expiry_costs_one_transparent_relogin(sandbox, make_client, onboard):
    client = make_client(sandbox.url, sandbox.client_api_key, token_ttl_seconds=120)
    member = onboard()
    services.account_by_handle(phone=member.phone, handle=member.phone, client=client)
    sandbox.configure(jwtIdleSeconds=1)
    time.sleep(1.6)  # the cached token is now idle-expired at the ledger (our TTL is longer on purpose)

    ref = services.account_by_handle(phone=member.phone, handle=member.phone, client=client)

    assert ref.account_id == member.account_id
    assert login_calls(sandbox) == 1
    assert sandbox.stats()["responses"]["getAccountByHandle"] == {"200": 2, "401": 1}


def test_a_mutation_refused_for_an_expired_token_is_replayed_once_and_made_once(
    sandbox, make_client, onboard
):
    client = make_client(sandbox.url, sandbox.client_api_key, token_ttl_seconds=120)
    payer, payee = onboard(), onboard("Rudo", "Dube")
    sandbox.mint(payer.phone, "50.00")
    sandbox.configure(jwtIdleSeconds=1)
    time.sleep(1.6)

    created = services.credex_offer(
        phone=payer.phone,
        issuer_account_id=payer.account_id,
        receiver_account_id=payee.account_id,
        amount=Decimal("5.00"),
        denom="USD",
        secured=True,
        client=client,
    )

    stats = sandbox.stats()
    assert created.amount.amount == Decimal("5.00")
    assert stats["responses"]["createCredex"] == {"401": 1, "200": 1}
    assert stats["counts"]["credexesByStatus"].get("OFFERS") == 1
    assert stats["loginCalls"] == 1


def test_fifty_concurrent_callers_refused_with_401_share_one_login(sandbox, ledger, onboard):
    member = onboard()
    ledger.tokens.put(
        member.phone, "expired.or.forged"
    )  # every caller starts with a token the ledger refuses
    results: list[object] = []

    def caller() -> None:
        try:
            outcome: object = services.account_by_handle(
                phone=member.phone, handle=member.phone, client=ledger
            )
        except Exception as exc:  # collected, asserted below
            outcome = exc
        results.append(outcome)

    errors = run_together(caller, [()] * 50)

    assert errors == []
    assert [getattr(result, "account_id", result) for result in results] == [member.account_id] * 50
    assert login_calls(sandbox) == 1
    assert sandbox.stats()["responses"]["getAccountByHandle"]["401"] <= 50


def test_a_phone_unknown_to_the_ledger_is_not_found_which_means_onboard(sandbox, ledger):
    with pytest.raises(CredexNotFound) as caught:
        services.member_login(phone=new_phone(), client=ledger)

    assert (caught.value.status, caught.value.code) == (404, "NOT_FOUND")
    assert login_calls(sandbox) == 1
