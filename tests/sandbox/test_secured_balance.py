"""Secured balance rules: largest single securer, no cross-denomination backing, reservation by pending
offers, audited issuers, exact arithmetic, and no double spend under concurrency (contract §3.3)."""

import json

from tests.sandbox.ledger_api import LedgerApi, action_of, code_of, concurrently, credex_id

SEED_TRUST_PHONE = "999000000002"  # owner of vimbisopay_trust


def _refusal(response, offered: str, securable: str, denom: str = "USD") -> None:
    assert response.status_code == 400, response.text
    assert action_of(response)["type"] == "CREDEX_CREATE_FAILED"
    assert code_of(response) == "INSUFFICIENT_SECURED_BALANCE"
    assert response.json()["message"] == (
        f"Your secured credex for {offered} {denom} cannot be issued because your maximum securable "
        f"{denom} balance is {securable} {denom}"
    )


def test_the_largest_single_securer_counts_not_the_sum(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    sandbox.set_tier(3, memberID=alice.member_id)
    sandbox.mint(alice.phone, 30, **{"from": "vimbisopay_trust"})
    sandbox.mint(alice.phone, 20, **{"from": "greatsun_trust"})
    assert api.dashboard(alice)["balanceData"]["securedNetBalancesByDenom"] == ["50.00 USD"]
    _refusal(api.offer(alice, bob.account_id, 30.01), "30.01", "30.00")
    assert api.offer(alice, bob.account_id, 30).status_code == 200
    _refusal(api.offer(alice, bob.account_id, 21), "21.00", "20.00")  # the other securer now leads
    assert api.offer(alice, bob.account_id, 20).status_code == 200


def test_no_cross_denomination_backing(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    sandbox.mint(alice.phone, 100)
    _refusal(api.offer(alice, bob.account_id, 1, denom="ZWG"), "1.00", "0.00", denom="ZWG")
    _refusal(api.offer(alice, bob.account_id, "0.001", denom="XAU"), "0.0010", "0.0000", denom="XAU")


def test_pending_offers_reserve_the_balance_until_cancelled_or_declined(api, sandbox):
    alice = api.onboard()
    bob, carol = api.onboard(first="Bob", last="Banda"), api.onboard(first="Carol", last="Dube")
    sandbox.mint(alice.phone, 10)
    first = credex_id(api.offer(alice, bob.account_id, 6))
    assert api.dashboard(alice)["balanceData"]["securedNetBalancesByDenom"] == ["4.00 USD"]
    _refusal(api.offer(alice, carol.account_id, 6), "6.00", "4.00")
    assert api.post("cancelCredex", {"credexID": first}, token=alice.token).status_code == 200
    second = credex_id(api.offer(alice, carol.account_id, 6))
    _refusal(api.offer(alice, bob.account_id, 6), "6.00", "4.00")
    assert api.post("declineCredex", {"credexID": second}, token=carol.token).status_code == 200
    assert api.offer(alice, bob.account_id, 4).status_code == 200


def test_concurrent_offers_cannot_spend_the_same_balance_twice(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    sandbox.set_tier(3, memberID=alice.member_id)
    sandbox.mint(alice.phone, 10)
    calls = [lambda: LedgerApi(sandbox).offer(alice, bob.account_id, 3) for _ in range(10)]
    responses = concurrently(calls)
    assert sorted(r.status_code for r in responses) == [200] * 3 + [400] * 7
    assert {code_of(r) for r in responses if r.status_code == 400} == {"INSUFFICIENT_SECURED_BALANCE"}
    assert sandbox.stats()["counts"]["credexesByStatus"] == {"OWES": 1, "OFFERS": 3}
    assert api.dashboard(alice)["balanceData"]["securedNetBalancesByDenom"] == ["1.00 USD"]


def test_only_accepted_incoming_credex_can_be_passed_on(api, sandbox):
    alice = api.onboard()
    bob, carol = api.onboard(first="Bob", last="Banda"), api.onboard(first="Carol", last="Dube")
    sandbox.mint(alice.phone, 10)
    offer = credex_id(api.offer(alice, bob.account_id, 6))
    _refusal(api.offer(bob, carol.account_id, 1), "1.00", "0.00")  # a pending incoming offer secures nothing
    assert api.post("acceptCredex", {"credexID": offer}, token=bob.token).status_code == 200
    _refusal(api.offer(bob, carol.account_id, 7), "7.00", "6.00")
    assert api.offer(bob, carol.account_id, 6).status_code == 200


def test_audited_trust_accounts_issue_secured_credex_without_limit(api):
    alice = api.onboard()
    trust = api.login(SEED_TRUST_PHONE).json()["data"]
    token = trust["action"]["details"]["token"]
    trust_account = next(
        a for a in trust["dashboard"]["accounts"] if a["accountHandle"] == "vimbisopay_trust"
    )
    body = {
        "issuerAccountID": trust_account["accountID"],
        "receiverAccountID": alice.account_id,
        "Denomination": "USD",
        "InitialAmount": 1_000_000,
        "credexType": "PURCHASE",
        "OFFERSorREQUESTS": "OFFERS",
        "securedCredex": True,
    }
    offer = api.post("createCredex", body, token=token)
    assert offer.status_code == 200, offer.text
    accepted = api.post("acceptCredex", {"credexID": credex_id(offer)}, token=alice.token)
    assert accepted.status_code == 200
    balances = accepted.json()["data"]["dashboard"]["accounts"][0]["balanceData"]
    assert balances["securedNetBalancesByDenom"] == ["1,000,000.00 USD"]
    trust_after = api.login(SEED_TRUST_PHONE).json()["data"]["dashboard"]["accounts"]
    trust_balances = next(a for a in trust_after if a["accountHandle"] == "vimbisopay_trust")["balanceData"]
    assert trust_balances["securedNetBalancesByDenom"] == ["-1,000,000.00 USD"]


def test_balances_are_exact_decimal_arithmetic(api, sandbox):
    """0.3 − 0.1 leaves exactly 0.2 (binary floats would leave 0.19999999999999998 and refuse)."""
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    sandbox.mint(alice.phone, "0.3")
    for amount in ("0.1", "0.2"):
        body = {
            "issuerAccountID": alice.account_id,
            "receiverAccountID": bob.account_id,
            "Denomination": "USD",
            "credexType": "PURCHASE",
            "OFFERSorREQUESTS": "OFFERS",
            "securedCredex": True,
        }
        raw = json.dumps(body)[:-1] + f', "InitialAmount": {amount}}}'  # a JSON number literal
        response = api.post("createCredex", data=raw.encode(), token=alice.token)
        assert response.status_code == 200, response.text
    _refusal(api.offer(alice, bob.account_id, "0.00000001"), "0.00", "0.00")


def test_the_securable_balance_is_compared_in_float_like_the_ledger(api, sandbox):
    """credex-core sums CXX floats and compares `securableAmountInDenom < InitialAmount` in float
    (GetSecuredAuthorization.ts, CreateCredex.ts:36): 10.00 − 0.03 comes out as 9.969999…, so 9.97 is refused
    although the balance shows 9.97 USD; 9.96 fits."""
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    sandbox.set_tier(3, memberID=alice.member_id)  # no daily limit in the way
    sandbox.mint(alice.phone, "10.00")
    assert api.offer(alice, bob.account_id, 0.03).status_code == 200
    assert api.dashboard(alice)["balanceData"]["securedNetBalancesByDenom"] == ["9.97 USD"]  # stored exactly
    _refusal(api.offer(alice, bob.account_id, 9.97), "9.97", "9.97")
    assert api.offer(alice, bob.account_id, 9.96).status_code == 200
    assert api.dashboard(alice)["balanceData"]["securedNetBalancesByDenom"] == ["0.01 USD"]
