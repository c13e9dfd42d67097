"""Client key, login, onboarding and the JWT rules of the sandbox (contract §1, §2.1–2.2)."""

import base64
import json
import time
from decimal import Decimal

import jwt
import pytest
import requests

from tests.sandbox.ledger_api import LedgerApi, action_of, code_of, concurrently, exact, new_phone
from tests.support.sandbox_server import JWT_SECRET

ONBOARD = {"firstname": "Tendai", "lastname": "Moyo", "defaultDenom": "USD"}


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.mark.parametrize("route", ["login", "onboardMember"])
@pytest.mark.parametrize("key", [None, "", "wrong-key", "TEST-SANDBOX-CLIENT-KEY"])
def test_keyhole_routes_refuse_a_missing_or_wrong_client_key(sandbox, route, key):
    headers = {} if key is None else {"x-client-api-key": key}
    body = {"phone": new_phone(), **ONBOARD}
    response = requests.post(f"{sandbox.url}/{route}", json=body, headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized client"}
    assert sandbox.stats()["counts"]["members"] == 3  # the seed owners only: nothing was created


def test_login_of_an_unknown_phone_is_the_enveloped_not_found_that_starts_onboarding(api):
    response = api.login(new_phone())
    assert response.status_code == 404
    body = response.json()
    assert body["message"] == "Member not found"
    assert body["data"]["action"]["type"] == "ERROR_NOT_FOUND"
    assert body["data"]["action"]["details"]["code"] == "NOT_FOUND"
    assert body["data"]["dashboard"] == {}


def test_onboarding_creates_a_tier_one_member_with_a_personal_account(api):
    phone = new_phone()
    response = api.post(
        "onboardMember", {**ONBOARD, "phone": f"+{phone[:3]} {phone[3:]}", "defaultDenom": "usd"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "Tendai Moyo: Personal account created with a default denomination of USD."
    details = body["data"]["action"]["details"]
    assert body["data"]["action"]["type"] == "MEMBER_ONBOARDED"
    assert details["memberHandle"] == phone and details["defaultDenom"] == "USD"
    member = body["data"]["dashboard"]["member"]
    assert member["memberID"] == details["memberID"] and member["memberTier"] == 1
    assert exact(response)["data"]["dashboard"]["member"]["remainingAvailableUSD"] == Decimal("10.00")
    [account] = body["data"]["dashboard"]["accounts"]
    assert account["accountID"] == details["defaultAccountID"]
    assert account["accountType"] == "PERSONAL"
    assert account["accountName"] == "Tendai Moyo Personal"
    assert account["accountHandle"] == phone
    assert account["pendingInData"] == [] and account["pendingOutData"] == []
    found = api.post("getAccountByHandle", {"accountHandle": phone}, token=details["token"])
    assert found.status_code == 200


def test_onboarding_a_phone_twice_is_a_409_and_creates_nothing(api, sandbox):
    member = api.onboard()
    response = api.post("onboardMember", {**ONBOARD, "phone": f"+{member.phone}"})
    assert response.status_code == 409
    assert response.json()["message"] == "Phone number already in use"
    assert action_of(response)["type"] == "ERROR_VALIDATION"
    assert code_of(response) == "DUPLICATE_PHONE"
    assert sandbox.stats()["counts"]["members"] == 4


def test_concurrent_onboarding_of_one_phone_creates_exactly_one_member(sandbox):
    phone = new_phone()
    calls = [lambda: LedgerApi(sandbox).post("onboardMember", {**ONBOARD, "phone": phone}) for _ in range(8)]
    statuses = sorted(response.status_code for response in concurrently(calls))
    assert statuses == [201] + [409] * 7
    assert sandbox.stats()["counts"]["accounts"] == 5 + 1


def test_login_returns_a_working_token_and_the_full_dashboard(api):
    member = api.onboard()
    response = api.post("login", {"phone": f"+{member.phone[:3]}-{member.phone[3:]}"})
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Successfully logged in"
    assert action_of(response)["type"] == "MEMBER_LOGIN"
    token = action_of(response)["details"]["token"]
    assert set(_claims(token)) == {"memberID", "iat", "lastActivity", "absoluteExpiry"}
    assert body["data"]["dashboard"]["member"]["memberID"] == member.member_id
    assert api.post("getAccountByHandle", {"accountHandle": member.phone}, token=token).status_code == 200


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Authentication required"),
        ("", "Authentication required"),
        ("Bearer", "Authentication required"),
        ("Bearer not-a-jwt", "Invalid token"),
    ],
)
def test_jwt_routes_answer_bare_401s(sandbox, authorization, message):
    headers = {"x-client-api-key": sandbox.client_api_key}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = requests.post(f"{sandbox.url}/getAccountByHandle", json={}, headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json() == {"message": message}
    assert "Authorization" not in response.headers


def _forge(secret: str = JWT_SECRET, **changes) -> str:
    now = time.time()
    claims = {"memberID": "", "iat": int(now), "lastActivity": now, "absoluteExpiry": now + 3600, **changes}
    return jwt.encode(claims, secret, algorithm="HS256")


def _unsigned(**claims) -> str:
    now = time.time()
    body = {"iat": int(now), "lastActivity": now, "absoluteExpiry": now + 3600, **claims}
    return jwt.encode(body, None, algorithm="none")


def test_forged_stale_and_orphan_tokens_are_refused(api):
    member = api.onboard()
    cases = {
        _forge(
            "another-secret-that-is-long-enough-for-hs256-0123", memberID=member.member_id
        ): "Invalid token",
        _forge(memberID="7c9e6679-7425-40de-944b-e07fc1f90ae7"): "Invalid token",  # no such member
        _forge(memberID=member.member_id, lastActivity=time.time() - 301): "Token expired",
        _forge(memberID=member.member_id, absoluteExpiry=time.time() - 1): "Token expired",
        jwt.encode({"memberID": member.member_id}, JWT_SECRET, algorithm="HS256"): "Invalid token",
        _forge(memberID="not-a-uuid"): "Invalid token",
        _forge(memberID=member.member_id, lastActivity="recently"): "Invalid token",
        _unsigned(memberID=member.member_id): "Invalid token",
    }
    for token, message in cases.items():
        response = api.post("getAccountByHandle", {"accountHandle": member.phone}, token=token)
        assert (response.status_code, response.json()) == (401, {"message": message})
    good = _forge(memberID=member.member_id)
    assert api.post("getAccountByHandle", {"accountHandle": member.phone}, token=good).status_code == 200


def test_every_authenticated_answer_carries_a_refreshed_token(api):
    member = api.onboard()
    old = _claims(member.token)
    time.sleep(0.05)
    response = api.post("getAccountByHandle", {"accountHandle": "nosuchhandle"}, token=member.token)
    assert response.status_code == 404  # a business error still refreshes the token
    scheme, refreshed = response.headers["Authorization"].split(" ")
    new = _claims(refreshed)
    assert scheme == "Bearer"
    assert new["iat"] == old["iat"] and new["absoluteExpiry"] == old["absoluteExpiry"]
    assert new["lastActivity"] > old["lastActivity"]
    invalid = api.post("createCredex", {}, token=refreshed)
    assert invalid.status_code == 400 and invalid.headers["Authorization"].startswith("Bearer ")


def test_idle_tokens_expire_and_refreshed_ones_keep_the_session_alive(api, sandbox):
    sandbox.configure(jwtIdleSeconds=1.5)
    member = api.onboard()
    token = member.token
    for _ in range(3):  # 3 × 0.7 s > 1.5 s in all, but never idle that long
        time.sleep(0.7)
        response = api.post("getAccountByHandle", {"accountHandle": member.phone}, token=token)
        assert response.status_code == 200, response.text
        token = response.headers["Authorization"].split(" ")[1]
    expired = api.post("getAccountByHandle", {"accountHandle": member.phone}, token=member.token)
    assert (expired.status_code, expired.json()) == (401, {"message": "Token expired"})
    time.sleep(1.7)
    idle = api.post("getAccountByHandle", {"accountHandle": member.phone}, token=token)
    assert (idle.status_code, idle.json()) == (401, {"message": "Token expired"})


def test_the_absolute_expiry_ends_even_an_active_session(api, sandbox):
    sandbox.configure(jwtAbsoluteSeconds=2)
    member = api.onboard()
    token = member.token
    time.sleep(0.3)
    response = api.post("getAccountByHandle", {"accountHandle": member.phone}, token=token)
    assert response.status_code == 200
    time.sleep(2.0)
    refreshed = response.headers["Authorization"].split(" ")[1]
    late = api.post("getAccountByHandle", {"accountHandle": member.phone}, token=refreshed)
    assert (late.status_code, late.json()) == (401, {"message": "Token expired"})


def test_tokens_of_members_wiped_by_a_reset_are_invalid(api, sandbox):
    member = api.onboard()
    sandbox.reset()
    response = api.post("getAccountByHandle", {"accountHandle": "greatsun_ops"}, token=member.token)
    assert (response.status_code, response.json()) == (401, {"message": "Invalid token"})


def test_authentication_comes_before_schema_validation(api):
    response = api.post("createCredex", {})
    assert (response.status_code, response.json()) == (401, {"message": "Authentication required"})
