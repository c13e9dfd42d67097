"""The per-client rate limit (plain-text 429), the dev-admin key, the counters and every fault switch."""

import time

import pytest
import requests

from tests.sandbox.ledger_api import credex_id

TOO_MANY = "Too many requests, please try again later"


def test_the_rate_limit_answers_plain_text_429_with_retry_after(api, sandbox):
    sandbox.configure(rateLimitPerMinute=3)
    member = api.onboard()  # 1
    assert api.login(member.phone).status_code == 200  # 2
    assert api.login("263779999999").status_code == 404  # 3: any answer counts
    limited = api.login(member.phone)
    assert limited.status_code == 429
    assert limited.text == TOO_MANY
    assert limited.headers["Content-Type"].startswith("text/plain")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert api.post("nosuchroute").status_code == 429  # unknown routes count too
    assert requests.get(f"{sandbox.url}/health", timeout=10).status_code == 200  # never limited
    assert sandbox.stats()["responses"]["login"] == {"200": 1, "404": 1, "429": 1}
    sandbox.reset()
    assert api.login(member.phone).status_code == 404  # limit lifted (and the member wiped)


@pytest.mark.parametrize("key", [None, "", "wrong-admin-key"])
def test_dev_admin_routes_need_the_admin_key(api, sandbox, key):
    member = api.onboard()
    headers = {} if key is None else {"x-dev-admin-key": key}
    for action in ("reset", "mint", "setTier", "advanceDay", "config", "faults", "clearFaults", "stats"):
        response = requests.post(f"{sandbox.url}/devadmin/{action}", json={}, headers=headers, timeout=10)
        assert (response.status_code, response.json()) == (401, {"message": "Invalid dev admin key"})
    assert api.login(member.phone).status_code == 200  # the refused reset wiped nothing


def test_stats_count_login_calls(api, sandbox):
    member = api.onboard()
    for _ in range(5):
        api.login(member.phone)
    stats = sandbox.stats()
    assert stats["loginCalls"] == 5
    assert stats["requests"]["onboardMember"] == 1
    assert stats["counts"]["members"] == 4


def test_latency_fault_delays_only_its_route(api, sandbox):
    member = api.onboard()
    sandbox.fault("latency", ms=800, route="login")
    started = time.monotonic()
    assert api.login(member.phone).status_code == 200
    assert time.monotonic() - started >= 0.8
    started = time.monotonic()
    assert (
        api.post("getAccountByHandle", {"accountHandle": member.phone}, token=member.token).status_code == 200
    )
    assert time.monotonic() - started < 0.8
    sandbox.admin("clearFaults")
    started = time.monotonic()
    api.login(member.phone)
    assert time.monotonic() - started < 0.8


@pytest.fixture
def offer_pair(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    sandbox.mint(alice.phone, 10)
    return alice, bob


def _offers(sandbox) -> int:
    return sandbox.stats()["counts"]["credexesByStatus"].get("OFFERS", 0)


def test_error500_before_runs_nothing(api, sandbox, offer_pair):
    alice, bob = offer_pair
    sandbox.fault("error500", count=2, route="createCredex")
    for _ in range(2):
        failed = api.offer(alice, bob.account_id, 1)
        assert failed.status_code == 500
        assert failed.json() == {"status": "error", "statusCode": 500, "message": "Internal Server Error"}
    assert _offers(sandbox) == 0
    assert api.offer(alice, bob.account_id, 1).status_code == 200
    assert _offers(sandbox) == 1


def test_error500_after_commit_hides_a_committed_offer(api, sandbox, offer_pair):
    alice, bob = offer_pair
    sandbox.fault("error500", route="createCredex", phase="after")
    assert api.offer(alice, bob.account_id, 1).status_code == 500
    assert _offers(sandbox) == 1


def test_read_timeout_fault_commits_then_answers_too_late(api, sandbox, offer_pair):
    alice, bob = offer_pair
    sandbox.fault("readTimeout", seconds=2, route="createCredex")
    body = {
        "issuerAccountID": alice.account_id,
        "receiverAccountID": bob.account_id,
        "Denomination": "USD",
        "InitialAmount": 1,
        "credexType": "PURCHASE",
        "OFFERSorREQUESTS": "OFFERS",
        "securedCredex": True,
    }
    headers = {"x-client-api-key": sandbox.client_api_key, "Authorization": f"Bearer {alice.token}"}
    with pytest.raises(requests.ReadTimeout):
        requests.post(f"{sandbox.url}/createCredex", json=body, headers=headers, timeout=(3, 0.5))
    assert _offers(sandbox) == 1  # committed although the caller never heard back
    assert api.offer(alice, bob.account_id, 1).status_code == 200  # the fault was used up
    assert _offers(sandbox) == 2


def test_burst429_refuses_without_running(api, sandbox, offer_pair):
    alice, bob = offer_pair
    sandbox.fault("burst429", count=2, retryAfter=7)
    for _ in range(2):
        limited = api.offer(alice, bob.account_id, 1)
        assert (limited.status_code, limited.text, limited.headers["Retry-After"]) == (429, TOO_MANY, "7")
    assert _offers(sandbox) == 0
    assert api.offer(alice, bob.account_id, 1).status_code == 200


def test_malformed_json_fault_commits_but_garbles_the_answer(api, sandbox, offer_pair):
    alice, bob = offer_pair
    offer = credex_id(api.offer(alice, bob.account_id, 1))
    sandbox.fault("malformedJson", route="acceptCredex")
    garbled = api.post("acceptCredex", {"credexID": offer}, token=bob.token)
    assert garbled.status_code == 200
    assert garbled.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError, match=r"Expecting|Unterminated|Invalid"):
        garbled.json()
    again = api.post("acceptCredex", {"credexID": offer}, token=bob.token)
    assert again.status_code == 409  # it had been accepted


SIGNATURE_DETAILS = {"code": "SIGNATURE_ERROR", "reason": "Digital signature error"}
SIGNATURE_ERROR = {
    "message": "Failed to create credex",
    "data": {"action": {"type": "ERROR_INTERNAL", "details": SIGNATURE_DETAILS}, "dashboard": {}},
}


def test_commit_then_error_commits_the_offer_then_answers_the_given_error(api, sandbox, offer_pair):
    alice, bob = offer_pair
    sandbox.fault("commitThenError", route="createCredex", status=400, body=SIGNATURE_ERROR)
    answered = api.offer(alice, bob.account_id, 1)
    assert (answered.status_code, answered.json()) == (400, SIGNATURE_ERROR)
    assert answered.headers["Authorization"].startswith("Bearer ")  # authenticated: the token was refreshed
    assert _offers(sandbox) == 1  # committed although the answer says it failed
    assert api.offer(alice, bob.account_id, 1).status_code == 200  # the fault was used up


def test_commit_then_error_leaves_a_refusal_alone(api, sandbox, offer_pair):
    alice, bob = offer_pair
    sandbox.fault("commitThenError", route="createCredex", status=404, body={"error": "x"})
    refused = api.offer(alice, bob.account_id, 500)  # more than the 10.00 USD secured
    assert refused.status_code == 400
    assert refused.json()["data"]["action"]["details"]["code"] == "INSUFFICIENT_SECURED_BALANCE"
    assert _offers(sandbox) == 0
    fault = {"kind": "commitThenError", "status": 200}
    assert "status must be" in sandbox.admin("faults", fault, expect=400)["message"]


def test_faults_are_listed_cleared_and_validated(sandbox):
    sandbox.fault("error500", count=3, route="login")
    [listed] = sandbox.admin("faults", {}, expect=200)["faults"]
    assert (listed["kind"], listed["remaining"], listed["route"]) == ("error500", 3, "login")
    assert sandbox.admin("clearFaults")["faults"] == []
    assert sandbox.admin("faults", {"kind": "explode"}, expect=400)["message"].startswith(
        "kind must be one of"
    )
    assert sandbox.admin("faults", {"kind": "latency", "route": "nowhere"}, expect=400)["message"].startswith(
        "route must be one of"
    )
    sandbox.fault("error500", route="login")
    sandbox.reset()
    assert sandbox.admin("faults")["faults"] == []
