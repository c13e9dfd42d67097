"""getLedger with working pagination (a deliberate fix, with a quirk switch) and getCredex
(contract §2.9–2.10)."""

from decimal import Decimal

import pytest

from tests.sandbox.ledger_api import action_of, code_of, credex_id, exact


@pytest.fixture
def busy(api, sandbox):
    """Alice received 12 accepted credexes of 1..12 USD and sent 5 USD to Bob (accepted)."""
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    for amount in range(1, 13):
        sandbox.mint(alice.phone, amount)
    sent = credex_id(api.offer(alice, bob.account_id, 5))
    assert api.post("acceptCredex", {"credexID": sent}, token=bob.token).status_code == 200
    return alice, bob, sent


def _page(api, member, **page):
    response = api.post("getLedger", {"accountID": member.account_id, **page}, token=member.token)
    assert response.status_code == 200, response.text
    return exact(response)["data"]


def test_ledger_pages_by_start_row_and_num_rows_with_has_more(api, busy):
    alice, _, _ = busy
    first = _page(api, alice, numRows=5)  # no startRow: the first row
    assert [e["amount"] for e in first["dashboard"]["ledger"]] == [Decimal(n) for n in range(1, 6)]
    assert first["dashboard"]["pagination"] == {"startRow": 0, "numRows": 5, "hasMore": True}
    assert first["action"]["type"] == "LEDGER_RETRIEVED"
    assert first["action"]["details"]["ledger"] == first["dashboard"]["ledger"]
    middle = _page(api, alice, startRow=10, numRows=2)
    assert [e["formattedAmount"] for e in middle["dashboard"]["ledger"]] == ["11.00 USD", "12.00 USD"]
    assert middle["dashboard"]["pagination"]["hasMore"] is True
    last = _page(api, alice, startRow=12, numRows=5)
    [entry] = last["dashboard"]["ledger"]
    assert last["dashboard"]["pagination"] == {"startRow": 12, "numRows": 5, "hasMore": False}
    assert entry["formattedInitialAmount"] == "-5.00 USD"  # Alice is the debtor
    assert entry["amount"] == Decimal("-5.00")
    assert entry["counterpartyAccountName"] == "Bob Banda Personal"
    assert entry["type"] == "OWES" and entry["timestamp"].endswith("Z")
    assert _page(api, alice)["dashboard"]["pagination"] == {"startRow": 0, "numRows": 10, "hasMore": True}


def test_the_pagination_quirk_returns_the_first_ten_rows_whatever_is_asked(api, sandbox, busy):
    alice, _, _ = busy
    sandbox.configure(quirks="ledger_pagination")
    page = _page(api, alice, startRow=10, numRows=7)
    assert len(page["dashboard"]["ledger"]) == 10
    assert page["dashboard"]["ledger"][0]["amount"] == Decimal("1.00")
    assert page["dashboard"]["pagination"] == {"startRow": 0, "numRows": 10, "hasMore": True}


def test_ledger_access_is_for_authorised_members(api, busy):
    alice, bob, _ = busy
    refused = api.post("getLedger", {"accountID": alice.account_id}, token=bob.token)
    assert (refused.status_code, code_of(refused)) == (403, "UNAUTHORIZED_ACCESS")
    assert refused.json()["message"] == "Unauthorized access to account"
    missing = api.post("getLedger", {"accountID": "7c9e6679-7425-40de-944b-e07fc1f90ae7"}, token=bob.token)
    assert (missing.status_code, code_of(missing)) == (404, "ACCOUNT_NOT_FOUND")


def test_get_credex_from_each_side(api, busy):
    alice, bob, sent = busy
    carol = api.onboard(first="Carol", last="Dube")
    mine = {"credexID": sent, "accountID": alice.account_id}
    issuer_view = action_of(api.post("getCredex", mine, token=alice.token))
    assert issuer_view["type"] == "CREDEX_RETRIEVED"
    assert issuer_view["details"]["amount"] == "-5.00"
    assert issuer_view["details"]["receiverAccountName"] == "Bob Banda Personal"
    assert issuer_view["details"]["transactionType"] == "OWES"
    assert issuer_view["details"]["status"]["outstandingAmount"] == "5.00 USD"
    assert issuer_view["details"]["status"]["acceptedAt"].endswith("Z")
    receiver_view = action_of(
        api.post("getCredex", {"credexID": sent, "accountID": bob.account_id}, token=bob.token)
    )
    assert receiver_view["details"]["amount"] == "5.00"
    assert receiver_view["details"]["receiverAccountName"] == "Tendai Moyo Personal"
    outsider = api.post("getCredex", {"credexID": sent, "accountID": carol.account_id}, token=carol.token)
    assert (outsider.status_code, code_of(outsider)) == (403, "UNAUTHORIZED")
    wrong_side = api.post("getCredex", {"credexID": sent, "accountID": bob.account_id}, token=alice.token)
    assert wrong_side.status_code == 403
    unknown = {"credexID": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "accountID": alice.account_id}
    missing = api.post("getCredex", unknown, token=alice.token)
    assert (missing.status_code, code_of(missing)) == (404, "NOT_FOUND")
