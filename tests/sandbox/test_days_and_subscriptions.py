"""createRecurring (MEMBERTIER_SUBSCRIPTION) and the day advance: expiry, defaults, subscriptions, tiers
(contract §2.11, §3.2, §3.6)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.sandbox.ledger_api import action_of, code_of, credex_id

SUBSCRIPTION = {
    "templateType": "MEMBERTIER_SUBSCRIPTION",
    "memberTier": 3,
    "payFrequency": 28,
    "amount": 1,
    "denomination": "USD",
    "securedCredex": True,
}


def _subscribe(api, member, **changes):
    body = {**SUBSCRIPTION, "sourceAccountID": member.account_id, **changes}
    return api.post("createRecurring", body, token=member.token)


def _tier(api, member) -> int:
    return api.login(member.phone).json()["data"]["dashboard"]["member"]["memberTier"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"templateType": "WEEKLY"}, "INVALID_TEMPLATE_TYPE"),
        ({"memberTier": 4}, "INVALID_TIER"),
        ({"amount": 2}, "INVALID_AMOUNT"),
        ({"amount": "1.00"}, "INVALID_AMOUNT"),
        ({"denomination": "CAD"}, "INVALID_DENOMINATION"),
        ({"payFrequency": 30}, "INVALID_FREQUENCY"),
        ({"securedCredex": False}, "INVALID_SECURITY"),
    ],
)
def test_subscription_rules(api, changes, code):
    alice = api.onboard()
    response = _subscribe(api, alice, **changes)
    assert (response.status_code, code_of(response)) == (400, code)
    assert action_of(response)["type"] == "ERROR_VALIDATION"


def test_a_subscription_is_recorded_but_changes_nothing_until_the_next_day(api, sandbox):
    alice = api.onboard()
    sandbox.mint(alice.phone, 5)
    response = _subscribe(api, alice, startDate=sandbox.stats()["day"])
    assert response.status_code == 201, response.text
    details = action_of(response)["details"]
    assert action_of(response)["type"] == "RECURRING_CREATED"
    assert (details["amount"], details["status"], details["payFrequency"]) == ("1.00 USD", "ACTIVE", 28)
    assert details["scheduleInfo"]["memberTier"] == 3
    assert details["execution"] == {"totalExecutions": 0}
    assert response.json()["data"]["dashboard"]["success"] is True  # the raw service result, as in reality
    assert _tier(api, alice) == 1
    again = _subscribe(api, alice)
    assert (again.status_code, code_of(again)) == (400, "ACTIVE_EXISTS")

    run = sandbox.advance_day()["runs"][0]
    assert (run["subscriptionsPaid"], run["tiersChanged"]) == (1, 1)
    login = api.login(alice.phone).json()["data"]["dashboard"]
    assert login["member"]["memberTier"] == 3 and login["member"]["remainingAvailableUSD"] is None
    assert login["accounts"][0]["balanceData"]["securedNetBalancesByDenom"] == ["4.00 USD"]
    ops = api.post("getAccountByHandle", {"accountHandle": "greatsun_ops"}, token=alice.token)
    ops_ledger = api.login("999000000001").json()["data"]["dashboard"]["accounts"][0]
    assert ops_ledger["accountID"] == action_of(ops)["details"]["accountID"]
    assert ops_ledger["balanceData"]["securedNetBalancesByDenom"] == ["1.00 USD"]


def test_a_subscription_without_securable_balance_upgrades_nobody(api, sandbox):
    alice = api.onboard()
    assert _subscribe(api, alice).status_code == 201
    run = sandbox.advance_day()["runs"][0]
    assert (run["subscriptionsPaid"], run["subscriptionsFailed"]) == (0, 1)
    assert _tier(api, alice) == 1


def test_a_lapsed_subscription_falls_back_to_tier_one(api, sandbox):
    alice = api.onboard()
    sandbox.mint(alice.phone, 1)
    assert _subscribe(api, alice).status_code == 201
    sandbox.advance_day()
    assert _tier(api, alice) == 3
    sandbox.advance_day(27)
    assert _tier(api, alice) == 3  # the first payment still covers the last 28 days
    runs = sandbox.advance_day()["runs"]
    assert runs[0]["subscriptionsFailed"] == 1  # the second payment finds no balance
    assert _tier(api, alice) == 1


def test_only_owners_subscribe_from_their_account(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    response = _subscribe(api, bob, sourceAccountID=alice.account_id)
    assert (response.status_code, code_of(response)) == (403, "UNAUTHORIZED")


def test_pending_offers_expire_when_the_day_after_their_day_closes(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    sandbox.mint(alice.phone, 10)
    offer = credex_id(api.offer(alice, bob.account_id, 10))
    assert sandbox.advance_day(2)["runs"][-1]["expiredOffers"] == 0
    assert len(api.dashboard(bob)["pendingInData"]) == 1
    assert sandbox.advance_day()["runs"][0]["expiredOffers"] == 1
    assert api.dashboard(bob)["pendingInData"] == []
    late = api.post("acceptCredex", {"credexID": offer}, token=bob.token)
    assert (late.status_code, code_of(late)) == (400, "ACCEPT_FAILED")
    assert api.dashboard(alice)["balanceData"]["securedNetBalancesByDenom"] == ["10.00 USD"]  # released


def test_overdue_unsecured_debts_default_after_their_due_day_closes(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    due = (date.fromisoformat(sandbox.stats()["day"]) + timedelta(days=7)).isoformat()
    offer = credex_id(api.offer(alice, bob.account_id, 4, securedCredex=False, dueDate=due))
    assert api.post("acceptCredex", {"credexID": offer}, token=bob.token).status_code == 200
    assert sum(run["defaultedCredexes"] for run in sandbox.advance_day(7)["runs"]) == 0
    assert sandbox.advance_day()["runs"][0]["defaultedCredexes"] == 1  # the due day itself closed
    status = action_of(
        api.post("getCredex", {"credexID": offer, "accountID": bob.account_id}, token=bob.token)
    )["details"]["status"]
    assert (status["defaultedAmount"], status["outstandingAmount"], status["dueDate"]) == (
        "4.00 USD",
        "4.00 USD",
        due,
    )


def test_new_rates_apply_from_the_new_day(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    sandbox.mint(alice.phone, 100, denomination="CAD")
    day = sandbox.advance_day(rates={"USD": "1.25"})
    assert sandbox.stats()["rates"]["USD"] == Decimal("1.25")
    assert day["runs"][0]["day"] == sandbox.stats()["day"]
    assert api.offer(alice, bob.account_id, "12.50", denom="CAD").status_code == 200  # = 10 USD at 1.25
    refused = api.offer(alice, bob.account_id, "0.01", denom="CAD")
    assert (refused.status_code, code_of(refused)) == (403, "TIER_LIMIT_EXCEEDED")
    bad = sandbox.admin("advanceDay", {"rates": {"USD": 0}}, expect=400)
    assert bad == {"message": "rate for USD must be a positive number"}
