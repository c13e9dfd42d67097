"""Reconciliation never settles one instruction with another's ledger effect, and never re-sends twice
(issue 20, defects 7 and 8), against the real sandbox over HTTP.

Defect 7: two members on one shared account make identical offers; the credex one of them made must never
settle the other's instruction. Defect 8: sweeps running at the same time re-send an `unknown`
re-sendable instruction (a tier upgrade's `createRecurring`) at most once between them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from credex_api import services
from credex_api.instructions import instruction_confirm, instruction_create, instruction_execute
from credex_api.models import Instruction
from credex_api.reconcile import instruction_reconcile, reconcile_unknown
from tests.credex_api.instruction_helpers import State, credexes, execute_with_read_timeout, offer_params
from tests.support.concurrency import run_together


@pytest.fixture
def shared(sandbox, ledger, pair, onboard):
    """(owner, helper, payee): the helper is authorised on the owner's account (needs the owner at tier 4)."""
    owner, payee = pair
    helper = onboard("Farai", "Ncube")
    sandbox.set_tier(4, phone=owner.phone)
    services.account_authorize(
        phone=owner.phone, account_id=owner.account_id, member_handle=helper.phone, client=ledger
    )
    return owner, helper, payee


def _offer_by(member, pair, amount: str = "5.50") -> Instruction:
    return instruction_create(member=member.phone, action="credex_offer", params=offer_params(pair, amount))


def _unknown_since(row: Instruction, sent_at) -> None:
    """The call left no answer: the row is `unknown`, as the executor leaves it after a lost reply."""
    Instruction.objects.filter(pk=row.pk).update(state=State.UNKNOWN, sent_at=sent_at)


@pytest.mark.django_db
def test_another_members_identical_credex_never_settles_an_offer_that_was_not_created(
    sandbox, ledger, pair, shared, settings
):
    settings.MYCREDEX_RECONCILE_SETTLE_SECONDS = 60
    owner, helper, _payee = shared
    made = _offer_by(owner, pair)
    instruction_confirm(made.key)
    owners_credex = instruction_execute(made.key, client=ledger).credex_id
    lost = _offer_by(helper, pair)  # the helper's identical offer: its call never reached the ledger
    now = timezone.now()
    _unknown_since(lost, now)

    early = instruction_reconcile(lost.key, client=ledger, now=now + timedelta(seconds=5))
    late = instruction_reconcile(lost.key, client=ledger, now=now + timedelta(seconds=61))

    lost.refresh_from_db()
    assert early == State.UNKNOWN
    assert late == State.FAILED
    assert lost.ledger_ref != owners_credex
    assert credexes(sandbox) == 1


@pytest.mark.django_db
def test_a_credex_accepted_before_the_offer_was_sent_is_not_taken_for_it(sandbox, ledger, pair, settings):
    settings.MYCREDEX_RECONCILE_SETTLE_SECONDS = 60
    payer, payee = pair
    earlier = services.credex_offer(phone=payer.phone, client=ledger, **offer_params(pair))  # outside the bot
    services.credex_accept(phone=payee.phone, credex_id=earlier.credex_id, client=ledger)
    lost = _offer_by(payer, pair)
    sent = timezone.now() + timedelta(minutes=10)  # sent well after that credex was accepted
    _unknown_since(lost, sent)

    state = instruction_reconcile(lost.key, client=ledger, now=sent + timedelta(seconds=5))

    lost.refresh_from_db()
    assert state == State.UNKNOWN
    assert lost.ledger_ref == ""


@pytest.mark.django_db
def test_an_offer_with_another_due_date_or_security_is_not_taken_for_it(sandbox, ledger, pair, settings):
    settings.MYCREDEX_RECONCILE_SETTLE_SECONDS = 60
    payer, _payee = pair
    due = timezone.localdate() + timedelta(days=10)
    services.credex_offer(
        phone=payer.phone, client=ledger, **{**offer_params(pair), "secured": False, "due_date": due}
    )
    wanted = {**offer_params(pair), "secured": False, "due_date": due + timedelta(days=1)}
    lost = instruction_create(member=payer.phone, action="credex_offer", params=wanted)
    now = timezone.now()
    _unknown_since(lost, now - timedelta(seconds=1))

    assert instruction_reconcile(lost.key, client=ledger, now=now) == State.UNKNOWN


@pytest.mark.django_db
def test_two_members_identical_unknown_offers_with_one_credex_are_not_settled_by_guess(
    sandbox, make_client, pair, shared, settings
):
    settings.MYCREDEX_RECONCILE_SETTLE_SECONDS = 60
    client = make_client(sandbox.url, sandbox.client_api_key, read_timeout=1.0)
    owner, helper, _payee = shared
    reached = _offer_by(owner, pair)
    execute_with_read_timeout(sandbox, client, reached)  # created at the ledger, answer lost
    lost = _offer_by(helper, pair)  # identical, never arrived
    _unknown_since(lost, timezone.now())

    state = instruction_reconcile(lost.key, client=client)

    lost.refresh_from_db()
    assert state == State.UNKNOWN  # which member's credex it is cannot be told apart: never guessed
    assert lost.ledger_ref == ""


def _unknown_tier_upgrade(sandbox, make_client, member) -> Instruction:
    client = make_client(sandbox.url, sandbox.client_api_key, read_timeout=1.0)
    row = instruction_create(
        member=member.phone, action="tier_upgrade", params={"source_account_id": member.account_id}
    )
    execute_with_read_timeout(sandbox, client, row, route="createRecurring")
    return row


def _recurring_requests(sandbox) -> int:
    return sandbox.stats()["requests"].get("createRecurring", 0)


@pytest.mark.db_both
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_re_send_a_tier_upgrade_at_most_once(sandbox, make_client, pair):
    row = _unknown_tier_upgrade(sandbox, make_client, pair[0])
    before = _recurring_requests(sandbox)
    clients = [make_client(sandbox.url, sandbox.client_api_key) for _ in range(2)]

    errors = run_together(lambda client: reconcile_unknown(client=client), [(c,) for c in clients])

    assert errors == []
    assert _recurring_requests(sandbox) - before <= 1
    assert sandbox.stats()["counts"]["recurring"] == 1
    row.refresh_from_db()
    assert row.state == State.DONE  # the one re-send met ACTIVE_EXISTS


@pytest.mark.django_db
def test_a_claimed_re_send_is_not_sent_again_by_a_later_sweep(sandbox, make_client, pair):
    row = _unknown_tier_upgrade(sandbox, make_client, pair[0])
    client = make_client(sandbox.url, sandbox.client_api_key, read_timeout=1.0)
    sandbox.fault("readTimeout", route="createRecurring", seconds=3)  # the re-send's answer is lost too
    first = instruction_reconcile(row.key, client=client)
    sent = _recurring_requests(sandbox)

    second = instruction_reconcile(row.key, client=client)

    assert (first, second) == (State.UNKNOWN, State.UNKNOWN)
    assert _recurring_requests(sandbox) == sent == 2  # the original and one re-send, no more


@pytest.mark.django_db
def test_a_member_already_upgraded_is_done_without_re_sending(sandbox, make_client, pair):
    row = _unknown_tier_upgrade(sandbox, make_client, pair[0])
    sandbox.advance_day()  # the daily job pays the subscription and sets the tier
    client = make_client(sandbox.url, sandbox.client_api_key)

    assert instruction_reconcile(row.key, client=client) == State.DONE
    assert _recurring_requests(sandbox) == 1  # read, not re-sent
