"""Dashboards: formatted amounts, pending lists, balances, net assets, and the switchable quirks
(contract §2.0, §3.8)."""

from decimal import Decimal

from tests.sandbox.ledger_api import credex_id, exact

SEED_GREATSUN_PHONE = "999000000001"


def test_amounts_have_thousands_separators_and_per_denomination_decimals(api, sandbox):
    alice = api.onboard()
    sandbox.mint(alice.phone, "1234.5")
    sandbox.mint(alice.phone, "0.0312", denomination="XAU")
    sandbox.mint(alice.phone, "1.5", denomination="CXX")
    sandbox.mint(alice.phone, "2500000", denomination="ZWG")
    balances = api.dashboard(alice)["balanceData"]
    assert balances["securedNetBalancesByDenom"] == [
        "1.500 CXX",
        "1,234.50 USD",
        "0.0312 XAU",
        "2,500,000.00 ZWG",
    ]
    # 1234.5 USD + 0.0312×3600/1.36 + 1.5/1.36 + 2,500,000×0.05/1.36, in USD, rounded half up
    expected = Decimal("1234.5") + (Decimal("112.32") + Decimal("1.5") + Decimal(125000)) / Decimal("1.36")
    assert balances["netCredexAssetsInDefaultDenom"] == f"{expected.quantize(Decimal('0.01')):,} USD"
    assert balances["netCredexAssetsInDefaultDenom"] == "93,229.96 USD"


def test_pending_lists_show_signed_amounts_and_counterparties(api, sandbox):
    alice, bob = api.onboard(), api.onboard(first="Bob", last="Banda")
    sandbox.mint(alice.phone, 5000)
    sandbox.set_tier(3, memberID=alice.member_id)
    offer = credex_id(api.offer(alice, bob.account_id, "1234.5"))
    out = api.dashboard(alice)
    assert out["pendingOutData"] == [
        {
            "credexID": offer,
            "formattedInitialAmount": "-1,234.50 USD",
            "counterpartyAccountName": "Bob Banda Personal",
            "secured": True,
        }
    ]
    assert out["balanceData"]["securedNetBalancesByDenom"] == ["3,765.50 USD"]
    assert out["balanceData"]["netCredexAssetsInDefaultDenom"] == "5,000.00 USD"  # pending excluded
    [incoming] = api.dashboard(bob)["pendingInData"]
    assert incoming["formattedInitialAmount"] == "1,234.50 USD"
    assert incoming["counterpartyAccountName"] == "Tendai Moyo Personal"


def test_trust_accounts_show_negative_secured_balances(api, sandbox):
    alice = api.onboard()
    sandbox.mint(alice.phone, "1234.5", **{"from": "greatsun_trust"})
    accounts = api.login(SEED_GREATSUN_PHONE).json()["data"]["dashboard"]["accounts"]
    assert [a["accountHandle"] for a in accounts] == ["greatsun_ops", "greatsun_trust"]
    trust = accounts[1]["balanceData"]
    assert trust["securedNetBalancesByDenom"] == ["-1,234.50 USD"]
    assert trust["netCredexAssetsInDefaultDenom"] == "-1,234.50 USD"


def test_remaining_available_usd_is_a_json_number(api):
    alice = api.onboard()
    response = api.login(alice.phone)
    assert '"remainingAvailableUSD":10.00' in response.text
    assert exact(response)["data"]["dashboard"]["member"]["memberTier"] == 1


def test_quirks_reproduce_the_real_services_shapes_when_switched_on(api, sandbox):
    alice = api.onboard()
    sandbox.configure(quirks="neo4j_integers,empty_dict_lists,null_remaining")
    dashboard = api.login(alice.phone).json()["data"]["dashboard"]
    assert dashboard["member"]["memberTier"] == {"low": 1, "high": 0}
    assert dashboard["member"]["remainingAvailableUSD"] is None
    assert dashboard["accounts"][0]["pendingInData"] == {}
    assert dashboard["accounts"][0]["pendingOutData"] == {}
    sandbox.reset()
    alice = api.onboard()
    plain = api.login(alice.phone).json()["data"]["dashboard"]
    assert plain["member"]["memberTier"] == 1 and plain["accounts"][0]["pendingInData"] == []


def test_unknown_quirks_are_refused(sandbox):
    response = sandbox.admin("config", {"quirks": "teleportation"}, expect=400)
    assert response == {"message": "unknown quirks: teleportation"}
