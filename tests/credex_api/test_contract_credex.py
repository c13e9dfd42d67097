"""Contract: createCredex, acceptCredex, acceptCredexBulk, declineCredex, cancelCredex, getCredex, getLedger
through the client against the real sandbox — every success and documented error (sandbox README table)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from credex_api import endpoints, services
from credex_api.errors import (
    AlreadyProcessed,
    CredexForbidden,
    CredexInvalid,
    CredexNotFound,
    CredexOutcomeUnknown,
    CredexRejected,
    InsufficientSecuredBalance,
    TierLimitExceeded,
)
from security.ledger_rules import Money
from tests.credex_api.conftest import MemberInfo

pytestmark = pytest.mark.django_db


@dataclass
class Pair:
    payer: MemberInfo
    payee: MemberInfo


@pytest.fixture
def members(sandbox, onboard) -> Pair:
    """Two members; the payer holds 100.00 USD secured."""
    payer, payee = onboard("Tendai", "Moyo"), onboard("Rudo", "Dube")
    sandbox.mint(payer.phone, "100.00")
    return Pair(payer, payee)


def offer(ledger, members: Pair, amount: str = "5.50", **changes):
    values = {
        "phone": members.payer.phone,
        "issuer_account_id": members.payer.account_id,
        "receiver_account_id": members.payee.account_id,
        "amount": Decimal(amount),
        "denom": "USD",
        "secured": True,
        "client": ledger,
        **changes,
    }
    return services.credex_offer(**values)


def test_secured_offer_reserves_balance_and_shows_as_pending(sandbox, ledger, members):
    created = offer(ledger, members, "5.50")

    assert created.amount == Money(Decimal("5.50"), "USD")
    assert (created.secured, created.receiver_account_id) == (True, members.payee.account_id)
    issuer = created.dashboard.accounts[0]
    assert issuer.balances.secured_net == (Money(Decimal("94.50"), "USD"),)
    assert [o.credex_id for o in issuer.pending_out] == [created.credex_id]
    payee = services.member_login(phone=members.payee.phone, client=ledger).accounts[0]
    assert payee.pending_in[0].amount == Money(Decimal("5.50"), "USD")


def test_unsecured_offer_inside_the_due_date_window(sandbox, ledger, members):
    due = date.fromisoformat(sandbox.stats()["day"]) + timedelta(days=7)

    created = offer(ledger, members, "3.00", secured=False, due_date=due)

    assert (created.secured, created.due_date) == (False, due)


def test_unsecured_offer_outside_the_window_is_refused_by_the_ledger(sandbox, ledger, members):
    due = date.fromisoformat(sandbox.stats()["day"]) + timedelta(days=6)

    with pytest.raises(CredexInvalid) as caught:
        offer(ledger, members, "3.00", secured=False, due_date=due)

    assert (caught.value.status, caught.value.code, caught.value.field) == (
        400,
        "INVALID_DUE_DATE",
        "dueDate",
    )


def test_more_than_the_secured_balance_is_refused(sandbox, ledger, members):
    sandbox.set_tier(3, phone=members.payer.phone)  # no daily limit, so only the balance rule applies

    with pytest.raises(InsufficientSecuredBalance) as caught:
        offer(ledger, members, "100.01")

    assert caught.value.reason == (
        "Your secured credex for 100.01 USD cannot be issued because your maximum securable USD balance "
        "is 100.00 USD"
    )


def test_the_tier_daily_limit_is_refused(sandbox, ledger, members):
    offer(ledger, members, "8.00")

    with pytest.raises(TierLimitExceeded) as caught:
        offer(ledger, members, "5.00")

    assert caught.value.status == 403


def test_offering_from_someone_elses_account_is_forbidden(sandbox, ledger, members):
    with pytest.raises(CredexForbidden) as caught:
        offer(
            ledger,
            members,
            issuer_account_id=members.payee.account_id,
            receiver_account_id=members.payer.account_id,
        )
    assert caught.value.code == "FORBIDDEN"


def test_an_unknown_receiver_leaves_the_outcome_unknown(sandbox, ledger, members):
    # credex-core answers 400 CREATE_FAILED after its CREATE too (CreateCredex.ts), so it proves nothing
    with pytest.raises(CredexOutcomeUnknown) as caught:
        offer(ledger, members, receiver_account_id=str(uuid.uuid4()))
    assert (caught.value.status, caught.value.cause) == (400, "HTTP 400 CREATE_FAILED")


def test_same_account_refusals_from_the_ledger_itself(sandbox, ledger, members):
    body = {
        "issuerAccountID": members.payer.account_id,
        "receiverAccountID": members.payer.account_id,
        "Denomination": "USD",
        "InitialAmount": Decimal(1),
        "credexType": "PURCHASE",
        "OFFERSorREQUESTS": "OFFERS",
        "securedCredex": True,
    }

    with pytest.raises(CredexInvalid) as caught:
        ledger.call(endpoints.credex.CREATE, body, phone=members.payer.phone)

    assert caught.value.code == "INVALID_ACCOUNTS"


def test_accept_and_its_errors(sandbox, ledger, members):
    created = offer(ledger, members)
    with pytest.raises(CredexRejected) as not_mine:
        services.credex_accept(phone=members.payer.phone, credex_id=created.credex_id, client=ledger)

    accepted = services.credex_accept(phone=members.payee.phone, credex_id=created.credex_id, client=ledger)
    with pytest.raises(AlreadyProcessed) as again:
        services.credex_accept(phone=members.payee.phone, credex_id=created.credex_id, client=ledger)
    with pytest.raises(CredexNotFound) as missing:
        services.credex_accept(phone=members.payee.phone, credex_id=str(uuid.uuid4()), client=ledger)

    assert (not_mine.value.status, not_mine.value.code) == (400, "ACCEPT_FAILED")
    assert accepted.acceptor_account_id == members.payee.account_id
    assert accepted.dashboard.accounts[0].balances.secured_net == (Money(Decimal("5.50"), "USD"),)
    assert (again.value.status, again.value.code) == (409, "ALREADY_ACCEPTED")
    assert missing.value.code == "CREDEX_NOT_FOUND"


def test_bulk_accept_summary_and_total_failure(sandbox, ledger, members):
    first, second = offer(ledger, members, "1.00"), offer(ledger, members, "2.00")
    services.credex_accept(phone=members.payee.phone, credex_id=first.credex_id, client=ledger)

    bulk = services.credex_accept_bulk(
        phone=members.payee.phone, credex_ids=[first.credex_id, second.credex_id], client=ledger
    )
    with pytest.raises(CredexOutcomeUnknown) as caught:  # its failures may include signed-late accepts
        services.credex_accept_bulk(phone=members.payee.phone, credex_ids=[str(uuid.uuid4())], client=ledger)

    assert (bulk.accepted, bulk.already_accepted, bulk.failed) == (
        (second.credex_id,),
        (first.credex_id,),
        (),
    )
    assert caught.value.cause == "HTTP 400 BULK_ACCEPT_FAILED"


@pytest.mark.parametrize("sides", [("decline", "payee", "payer"), ("cancel", "payer", "payee")])
def test_decline_and_cancel_with_their_errors(sandbox, ledger, members, sides):
    action, right, wrong = sides
    service = services.credex_decline if action == "decline" else services.credex_cancel
    created = offer(ledger, members)
    with pytest.raises(CredexForbidden) as wrong_side:
        service(phone=getattr(members, wrong).phone, credex_id=created.credex_id, client=ledger)

    closed = service(phone=getattr(members, right).phone, credex_id=created.credex_id, client=ledger)
    with pytest.raises(AlreadyProcessed) as again:
        service(phone=getattr(members, right).phone, credex_id=created.credex_id, client=ledger)
    with pytest.raises(CredexNotFound) as missing:
        service(phone=getattr(members, right).phone, credex_id=str(uuid.uuid4()), client=ledger)

    assert wrong_side.value.code == "UNAUTHORIZED"
    assert closed.status == ("DECLINED" if action == "decline" else "CANCELLED")
    assert (again.value.status, again.value.code) == (409, "ALREADY_PROCESSED")
    assert missing.value.code == "NOT_FOUND"
    payer = services.member_login(phone=members.payer.phone, client=ledger).accounts[0]
    assert payer.balances.secured_net == (Money(Decimal("100.00"), "USD"),)  # the reservation is released


def test_get_credex_from_each_side_and_its_errors(sandbox, ledger, members, onboard):
    created = offer(ledger, members)
    stranger = onboard("Chipo", "Ncube")

    issuer_view = services.credex_get(
        phone=members.payer.phone,
        credex_id=created.credex_id,
        account_id=members.payer.account_id,
        client=ledger,
    )
    receiver_view = services.credex_get(
        phone=members.payee.phone,
        credex_id=created.credex_id,
        account_id=members.payee.account_id,
        client=ledger,
    )
    with pytest.raises(CredexForbidden):
        services.credex_get(
            phone=stranger.phone, credex_id=created.credex_id, account_id=stranger.account_id, client=ledger
        )
    with pytest.raises(CredexNotFound):
        services.credex_get(
            phone=members.payer.phone,
            credex_id=str(uuid.uuid4()),
            account_id=members.payer.account_id,
            client=ledger,
        )

    assert issuer_view.amount == Money(Decimal("-5.50"), "USD")
    assert receiver_view.amount == Money(Decimal("5.50"), "USD")
    assert issuer_view.transaction_type == "OFFERS"
    assert issuer_view.outstanding == Money(Decimal("5.50"), "USD")


def test_ledger_pages_and_its_errors(sandbox, ledger, members, onboard):
    for amount in ("1.00", "2.00", "3.00"):
        created = offer(ledger, members, amount)
        services.credex_accept(phone=members.payee.phone, credex_id=created.credex_id, client=ledger)
    stranger = onboard("Chipo", "Ncube")

    first = services.ledger_get(
        phone=members.payer.phone, account_id=members.payer.account_id, num_rows=2, client=ledger
    )
    rest = services.ledger_get(
        phone=members.payer.phone, account_id=members.payer.account_id, start_row=2, num_rows=2, client=ledger
    )
    with pytest.raises(CredexForbidden) as not_mine:
        services.ledger_get(phone=stranger.phone, account_id=members.payer.account_id, client=ledger)
    with pytest.raises(CredexNotFound) as missing:
        services.ledger_get(phone=members.payer.phone, account_id=str(uuid.uuid4()), client=ledger)

    amounts = [entry.amount.amount for entry in first.entries + rest.entries]
    assert amounts == [Decimal("100.00"), Decimal("-1.00"), Decimal("-2.00"), Decimal("-3.00")]
    assert (first.has_more, rest.has_more) == (True, False)
    assert not_mine.value.code == "UNAUTHORIZED_ACCESS"
    assert missing.value.code == "ACCOUNT_NOT_FOUND"


def test_ledger_without_working_pagination_still_reads(sandbox, ledger, members):
    sandbox.configure(quirks=["ledger_pagination"])

    page = services.ledger_get(
        phone=members.payer.phone, account_id=members.payer.account_id, start_row=5, num_rows=2, client=ledger
    )

    assert (page.start_row, page.num_rows, len(page.entries)) == (0, 10, 1)
