"""Accounts: lookup by handle, creation by tier, authorising others, offer recipients
(contract §2.3, §2.12–2.14)."""

import pytest

from tests.sandbox.ledger_api import action_of, code_of, credex_id

NEW_ACCOUNT = {
    "accountType": "business",
    "accountName": "Moyo Hardware",
    "accountHandle": "moyo_hw",
    "defaultDenom": "USD",
}


def test_get_account_by_handle(api):
    alice = api.onboard()
    found = api.post("getAccountByHandle", {"accountHandle": " GREATSUN_OPS "}, token=alice.token)
    assert found.status_code == 200
    assert found.json()["message"] == "Account retrieved successfully"
    assert action_of(found)["type"] == "ACCOUNT_FOUND" and action_of(found)["actor"] == "system"
    assert action_of(found)["details"]["accountName"] == "Great Sun Operations"
    assert action_of(found)["details"]["accountHandle"] == "greatsun_ops"
    assert found.json()["data"]["dashboard"] == {}
    missing = api.post("getAccountByHandle", {"accountHandle": "nobody_here"}, token=alice.token)
    assert (missing.status_code, code_of(missing)) == (404, "ACCOUNT_NOT_FOUND")
    assert action_of(missing)["type"] == "ERROR_NOT_FOUND"


def test_extra_accounts_need_tier_three_and_a_free_handle(api, sandbox):
    alice = api.onboard()
    refused = api.post("createAccount", NEW_ACCOUNT, token=alice.token)
    assert (refused.status_code, code_of(refused)) == (403, "TIER_LIMIT_EXCEEDED")
    sandbox.set_tier(3, memberID=alice.member_id)
    created = api.post("createAccount", NEW_ACCOUNT, token=alice.token)
    assert created.status_code == 201, created.text
    details = action_of(created)["details"]
    assert action_of(created)["type"] == "ACCOUNT_CREATED"
    assert (details["accountHandle"], details["ownerID"]) == ("moyo_hw", alice.member_id)
    assert created.json()["data"]["dashboard"]["accounts"][0]["accountType"] == "BUSINESS"
    handles = [a["accountHandle"] for a in api.login(alice.phone).json()["data"]["dashboard"]["accounts"]]
    assert handles == [alice.phone, "moyo_hw"]
    duplicate = api.post("createAccount", NEW_ACCOUNT, token=alice.token)
    assert (duplicate.status_code, code_of(duplicate)) == (409, "HANDLE_EXISTS")


@pytest.fixture
def shop(api, sandbox):
    """Alice (tier 4) owns a business account with 50 USD; Bob and Carol are other members."""
    alice = api.onboard()
    bob, carol = api.onboard(first="Bob", last="Banda"), api.onboard(first="Carol", last="Dube")
    sandbox.set_tier(4, memberID=alice.member_id)
    account_id = action_of(api.post("createAccount", NEW_ACCOUNT, token=alice.token))["id"]
    sandbox.mint("moyo_hw", 50)
    return alice, bob, carol, account_id


def test_authorisation_needs_the_entrepreneur_tier(api, sandbox, shop):
    alice, bob, _, account_id = shop
    sandbox.set_tier(3, memberID=alice.member_id)
    body = {"accountID": account_id, "memberHandleToBeAuthorized": bob.phone}
    refused = api.post("authorizeForAccount", body, token=alice.token)
    assert refused.status_code == 403
    assert (action_of(refused)["type"], code_of(refused)) == (
        "ACCOUNT_AUTHORIZATION_FAILED",
        "TIER_REQUIREMENT",
    )


def test_authorised_members_act_for_the_account_until_unauthorised(api, shop):
    alice, bob, carol, account_id = shop
    body = {"accountID": account_id, "memberHandleToBeAuthorized": bob.phone}
    granted = api.post("authorizeForAccount", body, token=alice.token)
    assert granted.status_code == 200 and action_of(granted)["type"] == "ACCOUNT_AUTHORIZED"
    assert action_of(granted)["details"]["memberIdAuthorized"] == bob.member_id
    bob_accounts = api.login(bob.phone).json()["data"]["dashboard"]["accounts"]
    assert [(a["accountHandle"], a["isOwnedAccount"]) for a in bob_accounts][1] == ("moyo_hw", False)
    bob_for_shop = type(bob)(bob.phone, bob.member_id, account_id, bob.token)
    offer = api.offer(bob_for_shop, carol.account_id, 5)
    assert offer.status_code == 200, offer.text
    removed = api.post(
        "unauthorizeForAccount",
        {"accountID": account_id, "memberIDtoBeUnauthorized": bob.member_id},
        token=alice.token,
    )
    assert removed.status_code == 200 and action_of(removed)["type"] == "ACCOUNT_UNAUTHORIZED"
    refused = api.offer(bob_for_shop, carol.account_id, 5)
    assert (refused.status_code, code_of(refused)) == (403, "FORBIDDEN")
    cancel = api.post("cancelCredex", {"credexID": credex_id(offer)}, token=bob.token)
    assert (cancel.status_code, code_of(cancel)) == (403, "UNAUTHORIZED")
    again = api.post(
        "unauthorizeForAccount", {"accountID": account_id, "memberID": bob.member_id}, token=alice.token
    )
    assert (again.status_code, code_of(again)) == (404, "MEMBER_NOT_AUTHORIZED")


def test_at_most_five_members_per_account(api, shop):
    alice, _, _, account_id = shop
    for index in range(4):  # the owner is the first of the five
        member = api.onboard(first="Extra", last=f"Member{'abcd'[index]}")
        body = {"accountID": account_id, "memberHandleToBeAuthorized": member.phone}
        assert api.post("authorizeForAccount", body, token=alice.token).status_code == 200
    sixth = api.onboard(first="Sixth", last="Member")
    body = {"accountID": account_id, "memberHandleToBeAuthorized": sixth.phone}
    refused = api.post("authorizeForAccount", body, token=alice.token)
    assert (refused.status_code, code_of(refused)) == (400, "LIMIT_EXCEEDED")


def test_send_offers_to_accepts_either_field_name_and_needs_an_authorised_member(api, shop):
    alice, bob, carol, account_id = shop
    api.post(
        "authorizeForAccount",
        {"accountID": account_id, "memberHandleToBeAuthorized": bob.phone},
        token=alice.token,
    )
    updated = api.post(
        "updateSendOffersTo",
        {"accountID": account_id, "memberIDtoSendOffers": bob.member_id},
        token=alice.token,
    )
    assert updated.status_code == 200 and action_of(updated)["type"] == "SEND_OFFERS_UPDATED"
    assert updated.json()["data"]["dashboard"]["accounts"][0]["sendOffersTo"]["memberID"] == bob.member_id
    refused = api.post(
        "updateSendOffersTo", {"accountID": account_id, "memberID": carol.member_id}, token=alice.token
    )
    assert (refused.status_code, code_of(refused)) == (400, "MEMBER_NOT_AUTHORIZED")
    not_owner = api.post(
        "updateSendOffersTo", {"accountID": account_id, "memberID": bob.member_id}, token=bob.token
    )
    assert (not_owner.status_code, code_of(not_owner)) == (403, "FORBIDDEN")
