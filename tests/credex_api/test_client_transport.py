"""Retries, timeouts, headers and 401 handling of the client, against a fake ledger that counts requests.

The fake produces faults the sandbox cannot (connection reset after the request arrived, a proxy's HTML
502, a redirect); the same rules are checked against the real sandbox in test_auth and test_instructions.
"""

from __future__ import annotations

import json
import time

import pytest

from credex_api import services
from credex_api.errors import (
    CredexBadResponse,
    CredexBusy,
    CredexConnectionFailed,
    CredexOutcomeUnknown,
    CredexTimeout,
    CredexUnauthorized,
    CredexUnavailable,
)
from deploy.localredis import free_port
from tests.credex_api.conftest import new_phone
from tests.credex_api.fake_ledger import HANG, RESET, Reply, envelope, reply_json, reply_text
from tests.credex_api.scripted import (
    CREDEX,
    HTML_502,
    created_ok,
    credex_ok,
    found,
    get_credex,
    login_ok,
    offer,
)


@pytest.fixture
def client(fake_ledger, make_client, sleeps):
    fake_ledger.script("login", login_ok())
    return make_client(
        fake_ledger.url,
        "the-client-key",
        sleep=sleeps,
        rand=lambda: 0.5,
        read_timeout=0.5,
        backoff_base=0.2,
        backoff_cap=2.0,
    )


def test_client_key_always_and_bearer_token_except_on_keyholes(client, fake_ledger):
    fake_ledger.script("getAccountByHandle", found(Authorization="Bearer token-2"), found())
    phone = new_phone()

    services.account_by_handle(phone=phone, handle="rudo", client=client)
    services.account_by_handle(phone=phone, handle="rudo", client=client)

    login, first, second = fake_ledger.seen_headers
    assert login["x-client-api-key"] == "the-client-key"
    assert "Authorization" not in login
    assert first["x-client-api-key"] == "the-client-key"
    assert first["Authorization"] == "Bearer token-1"
    assert second["Authorization"] == "Bearer token-2"  # the refreshed token from the answer's header
    assert fake_ledger.count("login") == 1


def test_reads_are_retried_with_full_jitter_backoff(client, fake_ledger, sleeps):
    fake_ledger.script("getCredex", HTML_502, RESET, credex_ok())

    detail = get_credex(client, new_phone())

    assert detail.credex_id == CREDEX
    assert fake_ledger.count("getCredex") == 3
    assert sleeps.calls == [pytest.approx(0.5 * 0.2), pytest.approx(0.5 * 0.4)]  # rand × min(cap, base·2^n)


def test_reads_stop_after_three_attempts(client, fake_ledger):
    fake_ledger.script("getCredex", reply_json(500, {"status": "error", "statusCode": 500}))

    with pytest.raises(CredexUnavailable) as caught:
        get_credex(client, new_phone())

    assert caught.value.status == 500
    assert fake_ledger.count("getCredex") == 3


def test_a_read_timeout_on_a_read_is_retried(client, fake_ledger):
    fake_ledger.script("getCredex", HANG, credex_ok())

    assert get_credex(client, new_phone()).credex_id == CREDEX
    assert fake_ledger.count("getCredex") == 2


def test_every_call_has_a_read_timeout(client, fake_ledger, make_client):
    fake_ledger.script("getCredex", HANG)
    single = make_client(fake_ledger.url, read_timeout=0.3, max_attempts=1)
    started = time.monotonic()

    with pytest.raises(CredexTimeout):
        get_credex(single, new_phone())

    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("answer", "cause"),
    [
        (RESET, "connection lost after sending"),
        (HANG, "read timeout"),
        (HTML_502, "HTTP 502"),
        (reply_json(500, {"status": "error", "statusCode": 500}), "HTTP 500"),
        (
            Reply(
                200,
                b'{"message":"Secured credex for 10.50 USD offers cre',
                {"Content-Type": "application/json"},
            ),
            "unreadable answer",
        ),
        (reply_json(200, envelope("CREDEX_ACCEPTED", {"amount": "1"})), "unexpected success shape"),
        (created_ok(denom="EUR"), "unexpected success shape"),  # a denomination the bot cannot show
    ],
)
def test_a_mutation_that_may_have_arrived_is_never_sent_again(client, fake_ledger, answer, cause):
    fake_ledger.script("createCredex", answer, created_ok())

    with pytest.raises(CredexOutcomeUnknown) as caught:
        offer(client, new_phone())

    assert caught.value.cause == cause
    assert fake_ledger.count("createCredex") == 1


def test_connection_refused_is_retried_even_for_mutations(make_client, sleeps):
    client = make_client(f"http://127.0.0.1:{free_port()}", sleep=sleeps, rand=lambda: 1.0)

    with pytest.raises(CredexConnectionFailed):
        services.member_onboard(phone=new_phone(), first_name="Tendai", last_name="Moyo", client=client)

    assert len(sleeps.calls) == 2  # three attempts: nothing left the machine, so repeating is safe


def test_a_429_is_back_pressure_honouring_retry_after(client, fake_ledger, sleeps):
    busy = reply_text(429, "Too many requests, please try again later", **{"Retry-After": "2"})
    fake_ledger.script("createCredex", busy, created_ok())

    created = offer(client, new_phone())  # a 429 means nothing ran: even a mutation may be sent again

    assert created.credex_id == CREDEX
    assert sleeps.calls == [2.0]
    assert fake_ledger.count("createCredex") == 2
    assert client.breaker.status()["consecutive_failures"] == 0


def test_a_429_asking_for_too_long_a_wait_is_busy_at_once(client, fake_ledger, sleeps):
    fake_ledger.script("login", reply_text(429, "Too many requests", **{"Retry-After": "30"}))

    with pytest.raises(CredexBusy) as caught:
        services.member_login(phone=new_phone(), client=client)

    assert caught.value.retry_after == 30
    assert sleeps.calls == []
    assert fake_ledger.count("login") == 1


def test_redirects_are_never_followed(client, fake_ledger):
    fake_ledger.script("login", Reply(302, b"", {"Location": f"{fake_ledger.url}/elsewhere"}))

    with pytest.raises(CredexBadResponse):
        services.member_login(phone=new_phone(), client=client)

    assert fake_ledger.count("elsewhere") == 0


def test_retries_stay_inside_the_call_budget(fake_ledger, make_client, sleeps):
    fake_ledger.script("login", HTML_502)
    client = make_client(
        fake_ledger.url, sleep=sleeps, rand=lambda: 1.0, backoff_base=5.0, backoff_cap=5.0, call_budget=3.0
    )

    with pytest.raises(CredexUnavailable):
        services.member_login(phone=new_phone(), client=client)

    assert fake_ledger.count("login") == 1
    assert sleeps.calls == []


def test_amounts_are_sent_with_their_exact_digits(client, fake_ledger):
    fake_ledger.script("createCredex", created_ok())

    offer(client, new_phone())

    sent = fake_ledger.seen_bodies[-1]
    assert b'"InitialAmount":10.50' in sent
    assert json.loads(sent)["securedCredex"] is True


def test_a_200_read_with_an_unexpected_shape_is_bad_response(client, fake_ledger):
    fake_ledger.script("getCredex", reply_json(200, {"message": "ok", "data": {}}))

    with pytest.raises(CredexBadResponse):
        get_credex(client, new_phone())


# --- 401: one re-login, one replay ------------------------------------------------------------------


def test_a_401_gets_one_relogin_and_one_replay_then_is_surfaced(client, fake_ledger):
    fake_ledger.script("getAccountByHandle", reply_json(401, {"message": "Token expired"}))

    with pytest.raises(CredexUnauthorized) as caught:
        services.account_by_handle(phone=new_phone(), handle="rudo", client=client)

    assert caught.value.reason == "Token expired"
    assert fake_ledger.count("login") == 2  # the first token, then the one re-login
    assert fake_ledger.count("getAccountByHandle") == 2  # the call and its one replay


def test_a_mutation_refused_with_401_is_replayed_once_with_the_new_token(client, fake_ledger):
    fake_ledger.script("login", login_ok("token-1"), login_ok("token-2"))
    fake_ledger.script("createCredex", reply_json(401, {"message": "Token expired"}), created_ok())

    assert offer(client, new_phone()).credex_id == CREDEX

    assert fake_ledger.count("createCredex") == 2
    assert fake_ledger.seen_headers[-1]["Authorization"] == "Bearer token-2"


def test_a_wrong_client_key_is_unauthorized_without_login_loops(client, fake_ledger):
    fake_ledger.script("login", reply_json(401, {"message": "Unauthorized client"}))

    with pytest.raises(CredexUnauthorized):
        services.account_by_handle(phone=new_phone(), handle="rudo", client=client)

    assert fake_ledger.count("login") == 1
    assert fake_ledger.count("getAccountByHandle") == 0


def test_cookies_never_travel_from_one_call_to_the_next(client, fake_ledger):
    fake_ledger.script("getAccountByHandle", found(**{"Set-Cookie": "session=member-a; Path=/"}))
    phone = new_phone()

    services.account_by_handle(phone=phone, handle="rudo", client=client)
    services.account_by_handle(phone=new_phone(), handle="rudo", client=client)

    assert all("Cookie" not in headers for headers in fake_ledger.seen_headers)
    assert len(fake_ledger.seen_headers) == 4  # two logins, two lookups
