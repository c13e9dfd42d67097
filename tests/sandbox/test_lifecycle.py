"""The offer state machine and who may move it: accept, decline, cancel, bulk accept
(contract §2.5–2.8, §3.6–3.7)."""

import pytest

from tests.sandbox.ledger_api import LedgerApi, action_of, code_of, concurrently, credex_id

MISSING = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


@pytest.fixture
def trio(api, sandbox):
    """Alice (100 USD secured), Bob and Carol."""
    alice = api.onboard()
    bob, carol = api.onboard(first="Bob", last="Banda"), api.onboard(first="Carol", last="Dube")
    sandbox.mint(alice.phone, 100)
    return alice, bob, carol


def test_only_the_receiving_side_may_accept(api, trio):
    alice, bob, carol = trio
    offer = credex_id(api.offer(alice, bob.account_id, 10))
    for outsider in (alice, carol):
        refused = api.post("acceptCredex", {"credexID": offer}, token=outsider.token)
        assert refused.status_code == 400
        assert (action_of(refused)["type"], code_of(refused)) == ("ERROR_INTERNAL", "ACCEPT_FAILED")
    accepted = api.post("acceptCredex", {"credexID": offer}, token=bob.token)
    assert accepted.status_code == 200
    body = accepted.json()
    assert body["message"] == "Secured credex for 10.00 USD accepted successfully"
    assert action_of(accepted)["type"] == "CREDEX_ACCEPTED"
    assert action_of(accepted)["details"] == {
        "amount": "10.00",
        "denomination": "USD",
        "securedCredex": True,
        "acceptorAccountID": bob.account_id,
    }
    [account] = body["data"]["dashboard"]["accounts"]
    assert account["accountID"] == bob.account_id and account["pendingInData"] == []
    assert account["balanceData"]["securedNetBalancesByDenom"] == ["10.00 USD"]


def test_nothing_moves_twice(api, trio):
    alice, bob, _ = trio
    offer = credex_id(api.offer(alice, bob.account_id, 10))
    assert api.post("acceptCredex", {"credexID": offer}, token=bob.token).status_code == 200
    again = api.post("acceptCredex", {"credexID": offer}, token=bob.token)
    assert (again.status_code, code_of(again)) == (409, "ALREADY_ACCEPTED")
    for route, who in (("declineCredex", bob), ("cancelCredex", alice)):
        closed = api.post(route, {"credexID": offer}, token=who.token)
        assert (closed.status_code, code_of(closed)) == (409, "ALREADY_PROCESSED")


def test_decline_is_for_the_receiving_side(api, trio):
    alice, bob, _ = trio
    offer = credex_id(api.offer(alice, bob.account_id, 10))
    refused = api.post("declineCredex", {"credexID": offer}, token=alice.token)
    assert (refused.status_code, code_of(refused)) == (403, "UNAUTHORIZED")
    declined = api.post("declineCredex", {"credexID": offer}, token=bob.token)
    assert declined.status_code == 200
    assert declined.json()["message"] == "Credex declined successfully"
    details = action_of(declined)["details"]
    assert action_of(declined)["type"] == "CREDEX_DECLINED"
    assert (details["amount"], details["reason"]) == ("0", "Declined by receiver")
    assert declined.json()["data"]["dashboard"]["accounts"][0]["accountID"] == bob.account_id
    late = api.post("acceptCredex", {"credexID": offer}, token=bob.token)
    assert (late.status_code, code_of(late)) == (400, "ACCEPT_FAILED")
    assert api.dashboard(alice)["pendingOutData"] == []


def test_cancel_is_for_the_issuing_side(api, trio):
    alice, bob, carol = trio
    offer = credex_id(api.offer(alice, bob.account_id, 10))
    for outsider in (bob, carol):
        refused = api.post("cancelCredex", {"credexID": offer}, token=outsider.token)
        assert (refused.status_code, code_of(refused)) == (403, "UNAUTHORIZED")
    cancelled = api.post("cancelCredex", {"credexID": offer}, token=alice.token)
    assert cancelled.status_code == 200
    assert cancelled.json()["message"] == "Credex cancelled successfully"
    assert action_of(cancelled)["details"]["reason"] == "Cancelled by issuer"
    [account] = cancelled.json()["data"]["dashboard"]["accounts"]
    assert account["accountID"] == alice.account_id and account["pendingOutData"] == []
    assert api.dashboard(bob)["pendingInData"] == []


@pytest.mark.parametrize(
    ("route", "status", "code"),
    [
        ("acceptCredex", 404, "CREDEX_NOT_FOUND"),
        ("declineCredex", 404, "NOT_FOUND"),
        ("cancelCredex", 404, "NOT_FOUND"),
    ],
)
def test_unknown_credexes(api, trio, route, status, code):
    response = api.post(route, {"credexID": MISSING}, token=trio[0].token)
    assert (response.status_code, code_of(response)) == (status, code)
    assert action_of(response)["type"] == "ERROR_NOT_FOUND"


def test_concurrent_accepts_of_one_offer_succeed_exactly_once(api, sandbox, trio):
    alice, bob, _ = trio
    offer = credex_id(api.offer(alice, bob.account_id, 10))
    calls = [lambda: LedgerApi(sandbox).post("acceptCredex", {"credexID": offer}, token=bob.token)] * 20
    statuses = sorted(response.status_code for response in concurrently(calls))
    assert statuses == [200] + [409] * 19
    assert api.dashboard(bob)["balanceData"]["securedNetBalancesByDenom"] == ["10.00 USD"]


def test_accept_racing_cancel_has_one_winner(api, sandbox, trio):
    alice, bob, _ = trio
    offer = credex_id(api.offer(alice, bob.account_id, 10))
    calls = [
        lambda: LedgerApi(sandbox).post("acceptCredex", {"credexID": offer}, token=bob.token),
        lambda: LedgerApi(sandbox).post("cancelCredex", {"credexID": offer}, token=alice.token),
    ] * 5
    winners = [r for r in concurrently(calls) if r.status_code == 200]
    assert len(winners) == 1
    final = sandbox.stats()["counts"]["credexesByStatus"]
    assert final.get("OFFERS", 0) == 0 and final.get("OWES", 0) + final.get("CANCELLED", 0) == 2


def test_bulk_accept_reports_each_credex(api, trio):
    alice, bob, carol = trio
    mine = [credex_id(api.offer(alice, bob.account_id, amount)) for amount in (1, 2)]
    done = credex_id(api.offer(alice, bob.account_id, 3))
    assert api.post("acceptCredex", {"credexID": done}, token=bob.token).status_code == 200
    foreign = credex_id(api.offer(alice, carol.account_id, 4))
    response = api.post("acceptCredexBulk", {"credexIDs": [*mine, done, foreign]}, token=bob.token)
    assert response.status_code == 200
    details = action_of(response)["details"]
    assert action_of(response)["type"] == "CREDEX_BULK_ACCEPTED"
    assert details["summary"]["accepted"] == mine
    assert details["summary"]["alreadyAccepted"] == [done]
    assert [entry["credexID"] for entry in details["summary"]["failed"]] == [foreign]
    assert (details["totalProcessed"], details["successCount"], details["failureCount"]) == (4, 3, 1)
    assert response.json()["data"]["dashboard"]["success"] is True
    failed = api.post("acceptCredexBulk", {"credexIDs": [foreign, MISSING]}, token=bob.token)
    assert (failed.status_code, code_of(failed)) == (400, "BULK_ACCEPT_FAILED")
