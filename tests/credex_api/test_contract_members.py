"""Contract: login, onboardMember, getAccountByHandle through the client against the real sandbox, every
success and documented error, the production quirks, and the sandbox's fault switches."""

from __future__ import annotations

from decimal import Decimal

import pytest

from credex_api import endpoints, services
from credex_api.errors import (
    CredexBadResponse,
    CredexInvalid,
    CredexNotFound,
    CredexUnauthorized,
    DuplicateMember,
    HandleTaken,
)
from security.ledger_rules import Money
from tests.credex_api.conftest import SleepRecorder, new_phone

pytestmark = pytest.mark.django_db


def test_onboard_then_login_shows_the_personal_account(sandbox, ledger):
    phone = new_phone()

    onboarded = services.member_onboard(phone=phone, first_name="Tendai", last_name="Moyo", client=ledger)
    login = services.member_login(phone=phone, client=ledger)

    assert onboarded.member.tier == 1
    assert onboarded.member.remaining_available_usd == Decimal("10.00")
    (account,) = login.accounts
    assert (account.account_id, account.account_type, account.handle) == (
        onboarded.default_account_id,
        "PERSONAL",
        phone,
    )
    assert account.name == "Tendai Moyo Personal"
    assert account.balances.net_credex_assets == Money(Decimal("0.00"), "USD")
    assert login.member.member_id == onboarded.member.member_id


def test_onboarding_twice_is_duplicate_phone(sandbox, ledger, onboard):
    member = onboard()

    with pytest.raises(DuplicateMember) as caught:
        services.member_onboard(phone=member.phone, first_name="Tendai", last_name="Moyo", client=ledger)

    assert (caught.value.status, caught.value.code) == (409, "DUPLICATE_PHONE")
    assert sandbox.stats()["counts"]["members"] == 4  # 3 seed owners + 1


def test_onboarding_a_phone_taken_as_a_handle_is_duplicate_handle(sandbox, ledger, onboard):
    owner = onboard()
    sandbox.set_tier(3, phone=owner.phone)
    phone = new_phone()
    services.account_create(
        phone=owner.phone,
        account_type="BUSINESS",
        name="Moyo Shop",
        handle=phone,
        default_denom="USD",
        client=ledger,
    )

    with pytest.raises(HandleTaken) as caught:
        services.member_onboard(phone=phone, first_name="Rudo", last_name="Dube", client=ledger)

    assert caught.value.code == "DUPLICATE_HANDLE"


def test_invalid_names_are_refused_before_sending(sandbox, ledger):
    with pytest.raises(CredexInvalid) as caught:
        services.member_onboard(phone=new_phone(), first_name="Li", last_name="Moyo", client=ledger)

    assert (caught.value.status, caught.value.field) == (None, "firstname")
    assert sandbox.stats()["requests"] == {}


def test_the_ledgers_own_schema_400_is_mapped_when_it_happens(sandbox, ledger):
    with pytest.raises(CredexInvalid) as caught:
        ledger.call(endpoints.LOGIN, {"phone": "0123"}, phone=new_phone())

    assert caught.value.status == 400
    assert caught.value.reason == "Invalid phone number: must be a valid international phone number"


def test_account_by_handle_found_and_not_found(sandbox, ledger, onboard):
    payer, payee = onboard(), onboard("Rudo", "Dube")

    ref = services.account_by_handle(phone=payer.phone, handle=payee.phone, client=ledger)
    with pytest.raises(CredexNotFound) as caught:
        services.account_by_handle(phone=payer.phone, handle="nobody_here", client=ledger)

    assert (ref.account_id, ref.name) == (payee.account_id, "Rudo Dube Personal")
    assert (caught.value.status, caught.value.code) == (404, "ACCOUNT_NOT_FOUND")


def test_a_wrong_client_key_is_unauthorized(sandbox, make_client):
    client = make_client(sandbox.url, "not-the-key")

    with pytest.raises(CredexUnauthorized) as caught:
        services.member_login(phone=new_phone(), client=client)

    assert caught.value.reason == "Unauthorized client"


@pytest.mark.parametrize("quirks", [["neo4j_integers"], ["empty_dict_lists"], ["null_remaining"], "all"])
def test_production_quirks_are_absorbed(sandbox, ledger, onboard, quirks):
    member = onboard()
    sandbox.configure(quirks=quirks)

    login = services.member_login(phone=member.phone, client=ledger)

    assert login.member.tier == 1
    assert login.accounts[0].pending_in == ()
    nulls = quirks == "all" or "null_remaining" in quirks
    assert login.member.remaining_available_usd == (None if nulls else Decimal("10.00"))


def test_a_malformed_json_answer_to_a_read_is_retried(sandbox, ledger, onboard):
    member = onboard()
    sandbox.fault("malformedJson", route="login")

    login = services.member_login(phone=member.phone, client=ledger)

    assert login.member.tier == 1
    assert sandbox.stats()["responses"]["login"] == {"200": 2}


def test_a_read_answered_500_then_ok_succeeds(sandbox, ledger, onboard):
    member = onboard()
    sandbox.fault("error500", route="login")

    assert services.member_login(phone=member.phone, client=ledger).member.tier == 1
    assert sandbox.stats()["responses"]["login"] == {"500": 1, "200": 1}


def test_a_429_burst_is_waited_out(sandbox, make_client, onboard):
    sleeps = SleepRecorder()
    client = make_client(sandbox.url, sandbox.client_api_key, sleep=sleeps)
    member = onboard()
    sandbox.fault("burst429", route="login", retryAfter=2)

    services.member_login(phone=member.phone, client=client)

    assert sleeps.calls == [2.0]
    assert sandbox.stats()["responses"]["login"] == {"429": 1, "200": 1}


def test_a_malformed_answer_every_time_is_bad_response(sandbox, ledger, onboard):
    member = onboard()
    sandbox.fault("malformedJson", route="login", count=3)

    with pytest.raises(CredexBadResponse):
        services.member_login(phone=member.phone, client=ledger)

    assert sandbox.stats()["requests"]["login"] == 3
