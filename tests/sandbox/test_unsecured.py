"""Unsecured credex: the due-date window, its errors, and receivables/payables (contract §3.4, §3.8)."""

from datetime import date, timedelta

import pytest

from tests.sandbox.ledger_api import action_of, code_of, credex_id

WINDOW_MESSAGE = (
    "Due date must be permitted date, in format YYYY-MM-DD. First permitted due date is 1 week from today. "
    "Last permitted due date is 5 weeks from today."
)


def _day(sandbox, offset: int) -> str:
    return (date.fromisoformat(sandbox.stats()["day"]) + timedelta(days=offset)).isoformat()


@pytest.mark.parametrize(("offset", "allowed"), [(6, False), (7, True), (34, True), (35, False), (-1, False)])
def test_the_due_date_window_is_today_plus_7_to_before_today_plus_35(api, sandbox, offset, allowed):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    response = api.offer(alice, bob.account_id, 5, securedCredex=False, dueDate=_day(sandbox, offset))
    if allowed:
        assert response.status_code == 200, response.text
        assert response.json()["message"] == "Unsecured credex for 5.00 USD offers created successfully"
        assert action_of(response)["details"]["dueDate"] == _day(sandbox, offset)
    else:
        assert response.status_code == 400
        assert response.json()["message"] == WINDOW_MESSAGE
        assert code_of(response) == "INVALID_DUE_DATE"
        assert action_of(response)["details"]["field"] == "dueDate"


def test_the_window_moves_with_the_ledger_day(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    due = _day(sandbox, 7)
    sandbox.advance_day()
    response = api.offer(alice, bob.account_id, 5, securedCredex=False, dueDate=due)
    assert response.status_code == 400 and code_of(response) == "INVALID_DUE_DATE"


@pytest.mark.parametrize(
    "case",
    [
        (False, None, "MISSING_DUE_DATE", "Due date is required for unsecured credex"),
        (False, "2030-02-30", "INVALID_DUE_DATE", WINDOW_MESSAGE),
        (True, "plus-ten", "INVALID_DUE_DATE", "Due date is not allowed for secured credex"),
    ],
)
def test_due_date_errors(api, sandbox, case):
    secured, due, code, message = case
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    sandbox.mint(alice.phone, 10)
    extra = {"securedCredex": secured}
    if due:
        extra["dueDate"] = _day(sandbox, 10) if due == "plus-ten" else due
    response = api.offer(alice, bob.account_id, 5, **extra)
    assert response.status_code == 400
    assert (code_of(response), response.json()["message"]) == (code, message)


def test_unsecured_debts_are_receivables_and_payables(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda", denom="CAD")
    due = _day(sandbox, 14)
    offer = api.offer(alice, bob.account_id, 5, securedCredex=False, dueDate=due)
    [pending] = api.dashboard(bob)["pendingInData"]
    assert pending == {
        "credexID": credex_id(offer),
        "formattedInitialAmount": "5.00 USD",
        "counterpartyAccountName": "Tendai Moyo Personal",
        "dueDate": due,
    }  # no "secured" key on unsecured offers
    accepted = api.post("acceptCredex", {"credexID": credex_id(offer)}, token=bob.token)
    assert accepted.json()["message"] == "Unsecured credex for 5.00 USD accepted successfully"
    bob_balances = api.dashboard(bob)["balanceData"]
    assert bob_balances["unsecuredBalancesInDefaultDenom"] == {
        "totalPayables": "0.00 CAD",
        "totalReceivables": "6.80 CAD",
        "netPayRec": "6.80 CAD",
    }
    assert bob_balances["netCredexAssetsInDefaultDenom"] == "6.80 CAD"
    assert bob_balances["securedNetBalancesByDenom"] == []
    alice_balances = api.dashboard(alice)["balanceData"]
    assert alice_balances["unsecuredBalancesInDefaultDenom"]["netPayRec"] == "-5.00 USD"
    assert alice_balances["netCredexAssetsInDefaultDenom"] == "-5.00 USD"


def test_the_open_tier_unsecured_rule_is_a_switch_off_by_default(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    due = _day(sandbox, 10)
    assert api.offer(alice, bob.account_id, 1, securedCredex=False, dueDate=due).status_code == 200
    sandbox.configure(openTierUnsecuredRule=True)
    refused = api.offer(alice, bob.account_id, 1, securedCredex=False, dueDate=due)
    assert refused.status_code == 403
    assert refused.json()["message"] == "Unsecured credex not permitted on open tier"
    sandbox.set_tier(2, memberID=alice.member_id)
    assert api.offer(alice, bob.account_id, 1, securedCredex=False, dueDate=due).status_code == 200
