"""Contract: createAccount, authorizeForAccount, unauthorizeForAccount, updateSendOffersTo and createRecurring
(MEMBERTIER_SUBSCRIPTION) through the client against the real sandbox — successes and documented errors."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from credex_api import endpoints, services
from credex_api.errors import (
    ActiveSubscriptionExists,
    CredexForbidden,
    CredexInvalid,
    CredexNotFound,
    CredexOutcomeUnknown,
    CredexRejected,
    HandleTaken,
    TierLimitExceeded,
)
from security.ledger_rules import Money

pytestmark = pytest.mark.django_db


def create_account(ledger, owner, handle="moyo_shop", **changes):
    values = {
        "phone": owner.phone,
        "account_type": "BUSINESS",
        "name": "Moyo Shop",
        "handle": handle,
        "default_denom": "USD",
        "client": ledger,
        **changes,
    }
    return services.account_create(**values)


def test_create_account_from_tier_three_and_its_errors(sandbox, ledger, onboard):
    owner, other = onboard(), onboard("Rudo", "Dube")
    with pytest.raises(TierLimitExceeded) as open_tier:
        create_account(ledger, owner)
    sandbox.set_tier(3, phone=owner.phone)
    sandbox.set_tier(3, phone=other.phone)

    created = create_account(ledger, owner, handle="Moyo_Shop")
    with pytest.raises(HandleTaken) as taken:
        create_account(ledger, other)

    assert open_tier.value.status == 403
    assert (created.handle, created.name) == ("moyo_shop", "Moyo Shop")
    assert created.dashboard.accounts[0].account_id == created.account_id
    assert (taken.value.status, taken.value.code) == (409, "HANDLE_EXISTS")
    handles = {a.handle for a in services.member_login(phone=owner.phone, client=ledger).accounts}
    assert handles == {owner.phone, "moyo_shop"}


def test_authorize_unauthorize_and_send_offers_to(sandbox, ledger, onboard):
    owner, helper = onboard(), onboard("Rudo", "Dube")
    sandbox.set_tier(4, phone=owner.phone)
    account = owner.account_id

    authorized = services.account_authorize(
        phone=owner.phone, account_id=account, member_handle=helper.phone, client=ledger
    )
    routed = services.send_offers_to_update(
        phone=owner.phone, account_id=account, member_id=helper.member_id, client=ledger
    )
    helper_accounts = {
        a.account_id for a in services.member_login(phone=helper.phone, client=ledger).accounts
    }
    removed = services.account_unauthorize(
        phone=owner.phone, account_id=account, member_id=helper.member_id, client=ledger
    )

    assert (authorized.action_type, authorized.member_id) == ("ACCOUNT_AUTHORIZED", helper.member_id)
    assert routed.dashboard.accounts[0].send_offers_to == helper.member_id
    assert account in helper_accounts
    assert removed.action_type == "ACCOUNT_UNAUTHORIZED"
    assert removed.dashboard.accounts[0].send_offers_to == owner.member_id  # falls back to the owner


def test_authorization_errors(sandbox, ledger, onboard):
    owner, helper, stranger = onboard(), onboard("Rudo", "Dube"), onboard("Chipo", "Ncube")
    account = owner.account_id
    with pytest.raises(TierLimitExceeded) as low_tier:
        services.account_authorize(
            phone=owner.phone, account_id=account, member_handle=helper.phone, client=ledger
        )
    sandbox.set_tier(4, phone=owner.phone)
    with pytest.raises(CredexNotFound) as no_member:
        services.account_authorize(
            phone=owner.phone, account_id=account, member_handle="nobody_here", client=ledger
        )
    with pytest.raises(CredexForbidden) as not_owner:
        services.account_authorize(
            phone=stranger.phone, account_id=account, member_handle=helper.phone, client=ledger
        )
    with pytest.raises(CredexNotFound) as no_account:
        services.account_authorize(
            phone=owner.phone, account_id=str(uuid.uuid4()), member_handle=helper.phone, client=ledger
        )

    assert (low_tier.value.code, low_tier.value.status) == ("TIER_REQUIREMENT", 403)
    assert no_member.value.code == "MEMBER_NOT_FOUND"
    assert not_owner.value.code == "FORBIDDEN"
    assert no_account.value.code == "ACCOUNT_NOT_FOUND"


def test_at_most_five_members_per_account(sandbox, ledger, onboard):
    owner = onboard()
    sandbox.set_tier(4, phone=owner.phone)
    helpers = [onboard("Helper", name) for name in ("Aaa", "Bbb", "Ccc", "Ddd", "Eee")]
    for helper in helpers[:4]:
        services.account_authorize(
            phone=owner.phone, account_id=owner.account_id, member_handle=helper.phone, client=ledger
        )

    with pytest.raises(CredexRejected) as caught:
        services.account_authorize(
            phone=owner.phone, account_id=owner.account_id, member_handle=helpers[4].phone, client=ledger
        )

    assert (caught.value.status, caught.value.code) == (400, "LIMIT_EXCEEDED")


def test_unauthorize_and_send_offers_to_errors(sandbox, ledger, onboard):
    owner, stranger = onboard(), onboard("Rudo", "Dube")
    account = owner.account_id

    with pytest.raises(CredexNotFound) as not_authorized:
        services.account_unauthorize(
            phone=owner.phone, account_id=account, member_id=stranger.member_id, client=ledger
        )
    with pytest.raises(CredexOutcomeUnknown) as owner_removed:  # a sandbox-only refusal: not in the table
        services.account_unauthorize(
            phone=owner.phone, account_id=account, member_id=owner.member_id, client=ledger
        )
    with pytest.raises(CredexRejected) as not_eligible:
        services.send_offers_to_update(
            phone=owner.phone, account_id=account, member_id=stranger.member_id, client=ledger
        )

    assert not_authorized.value.code == "MEMBER_NOT_AUTHORIZED"
    assert owner_removed.value.cause == "HTTP 400 CANNOT_UNAUTHORIZE_OWNER"
    assert (not_eligible.value.status, not_eligible.value.code) == (400, "MEMBER_NOT_AUTHORIZED")


def test_tier_upgrade_subscription_and_its_errors(sandbox, ledger, onboard):
    member, helper = onboard(), onboard("Rudo", "Dube")
    sandbox.mint(member.phone, "5.00")

    created = services.tier_upgrade(phone=member.phone, source_account_id=member.account_id, client=ledger)
    with pytest.raises(ActiveSubscriptionExists) as again:
        services.tier_upgrade(phone=member.phone, source_account_id=member.account_id, client=ledger)
    with pytest.raises(CredexForbidden) as not_owner:
        services.tier_upgrade(phone=helper.phone, source_account_id=member.account_id, client=ledger)
    sandbox.advance_day()

    assert (created.amount, created.pay_frequency, created.member_tier) == (
        Money(Decimal("1.00"), "USD"),
        28,
        3,
    )
    assert again.value.status == 400
    assert not_owner.value.code == "UNAUTHORIZED"
    assert services.member_login(phone=member.phone, client=ledger).member.tier == 3


def test_the_ledger_refuses_other_subscription_terms(sandbox, ledger, onboard):
    member = onboard()
    body = {
        "sourceAccountID": member.account_id,
        "templateType": "MEMBERTIER_SUBSCRIPTION",
        "memberTier": 3,
        "payFrequency": 28,
        "amount": Decimal("2.00"),
        "denomination": "USD",
        "securedCredex": True,
    }

    with pytest.raises(CredexInvalid) as caught:
        ledger.call(endpoints.recurring.CREATE, body, phone=member.phone)

    assert (caught.value.code, caught.value.field) == ("INVALID_AMOUNT", "amount")
