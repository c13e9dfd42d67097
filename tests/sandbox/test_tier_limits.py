"""Daily tier limits in USD at the day's rates, and their reset with the next day (contract §3.5)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.sandbox.ledger_api import action_of, code_of, credex_id, exact


def _limit_refusal(response, available: str) -> None:
    assert response.status_code == 403, response.text
    assert action_of(response)["type"] == "ERROR_UNAUTHORIZED"
    assert code_of(response) == "TIER_LIMIT_EXCEEDED"
    assert response.json()["message"] == (
        f"You are only able to issue {available} USD until tomorrow. Limits renew at midnight UTC."
    )


def _remaining(response):
    return exact(response)["data"]["dashboard"]["member"]["remainingAvailableUSD"]


@pytest.fixture
def pair(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    sandbox.mint(alice.phone, 500)
    sandbox.mint(alice.phone, 500, denomination="CAD")
    return alice, bob


def test_tier_one_may_issue_ten_usd_a_day(api, pair):
    alice, bob = pair
    first = api.offer(alice, bob.account_id, 6)
    assert first.status_code == 200 and _remaining(first) == Decimal("4.00")
    _limit_refusal(api.offer(alice, bob.account_id, "4.01"), "4.00")
    last = api.offer(alice, bob.account_id, 4)
    assert last.status_code == 200 and _remaining(last) == Decimal("0.00")
    _limit_refusal(api.offer(alice, bob.account_id, "0.01"), "0.00")


def test_the_limit_converts_other_denominations_at_the_days_rate(api, pair):
    alice, bob = pair
    _limit_refusal(api.offer(alice, bob.account_id, "13.61", denom="CAD"), "10.00")  # 13.61 CAD > 10 USD
    assert api.offer(alice, bob.account_id, "13.60", denom="CAD").status_code == 200  # = 10 USD at 1.36
    _limit_refusal(api.offer(alice, bob.account_id, "0.01"), "0.00")


def test_declined_and_cancelled_offers_free_the_limit_again(api, pair):
    alice, bob = pair
    offer = credex_id(api.offer(alice, bob.account_id, 10))
    _limit_refusal(api.offer(alice, bob.account_id, 1), "0.00")
    assert api.post("cancelCredex", {"credexID": offer}, token=alice.token).status_code == 200
    offer = credex_id(api.offer(alice, bob.account_id, 10))
    assert api.post("declineCredex", {"credexID": offer}, token=bob.token).status_code == 200
    accepted = credex_id(api.offer(alice, bob.account_id, 10))
    assert api.post("acceptCredex", {"credexID": accepted}, token=bob.token).status_code == 200
    _limit_refusal(api.offer(alice, bob.account_id, 1), "0.00")  # accepted debts keep counting


def test_the_limit_renews_with_the_next_day(api, sandbox, pair):
    alice, bob = pair
    assert api.offer(alice, bob.account_id, 10).status_code == 200
    _limit_refusal(api.offer(alice, bob.account_id, 1), "0.00")
    sandbox.advance_day()
    renewed = api.offer(alice, bob.account_id, 10)
    assert renewed.status_code == 200 and _remaining(renewed) == Decimal("0.00")


def test_unsecured_offers_count_against_the_limit_too(api, sandbox, pair):
    alice, bob = pair
    due = (date.fromisoformat(sandbox.stats()["day"]) + timedelta(days=10)).isoformat()
    _limit_refusal(api.offer(alice, bob.account_id, 11, securedCredex=False, dueDate=due), "10.00")


def test_tier_two_has_a_hundred_and_tier_three_no_limit(api, sandbox, pair):
    alice, bob = pair
    sandbox.set_tier(2, memberID=alice.member_id)
    assert _remaining(api.login(alice.phone)) == Decimal("100.00")
    _limit_refusal(api.offer(alice, bob.account_id, "100.01"), "100.00")
    assert api.offer(alice, bob.account_id, 100).status_code == 200
    sandbox.set_tier(3, memberID=alice.member_id)
    unlimited = api.offer(alice, bob.account_id, 300)
    assert unlimited.status_code == 200 and _remaining(unlimited) is None


def test_the_limit_is_decided_in_float_like_the_ledger(api, pair):
    """credex-core compares `10 − dayTotalCXX / daynode.USD >= amount × daynode[DEN] / daynode.USD` in
    doubles (AuthForTierSpendLimit.ts:57–73, 128–142): after 7 USD the rest is 2.999999999999999, so 3 USD
    is refused while the dashboard shows 3.00 remaining; 2.99 fits."""
    alice, bob = pair
    first = api.offer(alice, bob.account_id, 7)
    assert first.status_code == 200 and _remaining(first) == Decimal("3.00")
    _limit_refusal(api.offer(alice, bob.account_id, 3), "3.00")
    assert api.offer(alice, bob.account_id, "2.99").status_code == 200
