"""Schema validation (bare 400 with the real texts), malformed bodies, unknown routes
(contract §4.2, §4.4)."""

import pytest
import requests

from tests.sandbox.ledger_api import new_phone

UUID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
CREDEX = {
    "issuerAccountID": UUID,
    "receiverAccountID": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "Denomination": "USD",
    "InitialAmount": 5,
    "credexType": "PURCHASE",
    "OFFERSorREQUESTS": "OFFERS",
    "securedCredex": True,
}
PHONE = "Invalid phone number: must be a valid international phone number"
AMOUNT = "Invalid amount: must be a positive finite number"
NAME = "Invalid name: must be between 3 and 50 characters long. Received length: "
HANDLE_CHARS = "Invalid handle: only lowercase letters, numbers, and underscores are allowed. Received "
ACCOUNT_TYPES = "PERSONAL, BUSINESS, CREDEX_FOUNDATION, TRUST, OPERATIONS"
ONBOARD = {"firstname": "Tendai", "lastname": "Moyo", "phone": "263770009999", "defaultDenom": "USD"}
ACCOUNT = {
    "accountType": "BUSINESS",
    "accountName": "My Shop",
    "accountHandle": "myshop",
    "defaultDenom": "USD",
}


def _without(body: dict, key: str) -> dict:
    return {name: value for name, value in body.items() if name != key}


CASES = [
    ("login", {}, "Required field missing: phone"),
    ("login", {"phone": "0771234567"}, PHONE),
    ("login", {"phone": "7"}, PHONE),
    ("login", {"phone": "1234567890123456"}, PHONE),
    ("login", {"phone": 263771234567}, "Sanitization error for phone"),
    ("onboardMember", {**ONBOARD, "firstname": "Li"}, NAME + "2"),
    ("onboardMember", {**ONBOARD, "lastname": "Zoë"}, NAME + "2"),
    ("onboardMember", {**ONBOARD, "lastname": "x" * 51}, NAME + "51"),
    (
        "onboardMember",
        {**ONBOARD, "defaultDenom": "EUR"},
        "Invalid denomination: EUR is not a recognized denomination",
    ),
    ("onboardMember", _without(ONBOARD, "defaultDenom"), "Required field missing: defaultDenom"),
    (
        "getAccountByHandle",
        {"accountHandle": "ab"},
        "Invalid handle: must be between 3 and 30 characters long",
    ),
    ("getAccountByHandle", {"accountHandle": "bad-handle"}, HANDLE_CHARS + '"bad-handle"'),
    (
        "getAccountByHandle",
        {"accountHandle": "credexfoundation.dco"},
        HANDLE_CHARS + '"credexfoundation.dco"',
    ),
    ("createCredex", {**CREDEX, "issuerAccountID": "not-a-uuid"}, "Invalid UUID format"),
    (
        "createCredex",
        {**CREDEX, "receiverAccountID": UUID.replace("-40de-", "-60de-")},
        "Invalid UUID format",
    ),
    (
        "createCredex",
        {**CREDEX, "Denomination": "EUR"},
        "Invalid denomination: EUR is not a recognized denomination",
    ),
    ("createCredex", {**CREDEX, "InitialAmount": 0}, AMOUNT),
    ("createCredex", {**CREDEX, "InitialAmount": -5}, AMOUNT),
    ("createCredex", {**CREDEX, "InitialAmount": "ten"}, AMOUNT),
    ("createCredex", {**CREDEX, "InitialAmount": True}, AMOUNT),
    ("createCredex", {**CREDEX, "InitialAmount": "Infinity"}, AMOUNT),
    (
        "createCredex",
        {**CREDEX, "InitialAmount": "0.000000001"},
        "Invalid amount: at most 8 decimal places are supported",
    ),
    ("createCredex", {**CREDEX, "InitialAmount": 10**10}, "Invalid amount: must be less than 10,000,000,000"),
    ("createCredex", {**CREDEX, "securedCredex": "true"}, "Invalid value: must be a boolean (true or false)"),
    (
        "createCredex",
        {**CREDEX, "credexType": "LOAN"},
        "Invalid credex type: LOAN is not a recognized credex type",
    ),
    (
        "createCredex",
        {**CREDEX, "OFFERSorREQUESTS": "OFFER"},
        "OFFERSorREQUESTS must be either 'OFFERS' or 'REQUESTS'",
    ),
    ("createCredex", {**CREDEX, "dueDate": "2030/01/01"}, "dueDate must be in YYYY-MM-DD format"),
    ("createCredex", _without(CREDEX, "InitialAmount"), "Required field missing: InitialAmount"),
    ("acceptCredex", {"credexID": "123"}, "Invalid UUID format"),
    ("acceptCredexBulk", {"credexIDs": UUID}, "credexIDs must be an array"),
    ("acceptCredexBulk", {"credexIDs": [UUID, "nope"]}, "Invalid credexID in array: Invalid UUID format"),
    (
        "getLedger",
        {"accountID": UUID, "numRows": 0},
        "Invalid value: numRows must be an integer from 1 to 100",
    ),
    ("getLedger", {"accountID": UUID, "startRow": -1}, "Invalid value: must be a positive integer"),
    # credex-core src/api/Account/accountValidationSchemas.ts: startRow is validatePositiveInteger (> 0)
    ("getLedger", {"accountID": UUID, "startRow": 0}, "Invalid value: must be a positive integer"),
    # credex-core src/api/Credex/controllers/getCredex.ts refuses a getCredex without a valid accountID
    ("getCredex", {"credexID": UUID}, "Required field missing: accountID"),
    (
        "createAccount",
        {**ACCOUNT, "accountType": "SHOP"},
        f"Invalid account type. Must be one of: {ACCOUNT_TYPES}",
    ),
    (
        "createAccount",
        {**ACCOUNT, "accountName": "!!"},
        "Invalid account name: must be between 3 and 50 characters long. Received length: 0",
    ),
    ("unauthorizeForAccount", {"accountID": UUID}, "Required field missing: memberID"),
]


@pytest.mark.parametrize(("route", "body", "message"), CASES)
def test_schema_failures_are_bare_400s_with_the_real_texts(api, route, body, message):
    token = api.onboard().token
    response = api.post(route, body, token=None if route in ("login", "onboardMember") else token)
    assert response.status_code == 400, response.text
    assert response.json() == {"message": message}


def test_a_numeric_string_amount_passes_like_javascript_number(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    sandbox.mint(alice.phone, 20)
    response = api.offer(alice, bob.account_id, " 7.50 ")
    assert response.status_code == 200, response.text
    assert response.json()["message"] == "Secured credex for 7.50 USD offers created successfully"


def test_unknown_fields_are_dropped_before_the_handler(api):
    response = api.post("onboardMember", {**ONBOARD, "phone": new_phone(), "memberTier": 5})
    assert response.status_code == 201
    assert response.json()["data"]["dashboard"]["member"]["memberTier"] == 1


@pytest.mark.parametrize("payload", [b'{"phone": "2637', b"not json", b'{"phone": NaN}', b'"just a string"'])
def test_malformed_json_is_a_400_in_the_error_handler_shape(api, payload):
    response = api.post("login", data=payload)
    assert response.status_code == 400
    assert response.json() == {
        "status": "error",
        "statusCode": 400,
        "message": "Malformed JSON in request body",
    }


def test_a_body_over_100_kb_is_refused_with_413(api):
    response = api.post("login", data=b'{"phone": "' + b"1" * 110_000 + b'"}')
    assert response.status_code == 413
    assert response.json()["statusCode"] == 413


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/nosuchroute"), ("POST", "/v1/login"), ("GET", "/login"), ("POST", "/health")],
)
def test_unknown_routes_answer_the_404_shape(sandbox, method, path):
    response = requests.request(method, f"{sandbox.url}{path}", json={}, timeout=10)
    assert response.status_code == 404
    assert response.json() == {"status": "error", "statusCode": 404, "message": "Not Found"}


def test_health(sandbox):
    response = requests.get(f"{sandbox.url}/health", timeout=10)
    assert (response.status_code, response.json()) == (200, {"status": "healthy"})
