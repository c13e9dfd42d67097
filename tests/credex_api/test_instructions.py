"""Money instructions against the real sandbox: create, confirm once, execute once, record the outcome.

Concurrency tests use a transactional database (each thread its own connection) and release 50 threads
together with a Barrier; the sandbox's own counters say how many ledger calls and credexes there were.
Reconciliation of `unknown` instructions is in test_reconcile.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from credex_api.errors import CircuitOpen, CredexInvalid, InsufficientSecuredBalance
from credex_api.instructions import (
    InstructionStateError,
    instruction_confirm,
    instruction_create,
    instruction_execute,
)
from credex_api.models import Instruction
from tests.credex_api.instruction_helpers import (
    State,
    credexes,
    in_threads,
    new_offer,
    offer_params,
    offers_sent,
)


@pytest.mark.django_db
def test_create_stores_a_pending_instruction_with_exact_amounts(pair):
    row = new_offer(pair, "10.50")

    row.refresh_from_db()
    assert row.state == State.PENDING
    assert row.params["amount"] == "10.50"
    assert row.member == pair[0].phone


@pytest.mark.django_db
def test_an_invalid_instruction_is_refused_and_not_stored(pair):
    with pytest.raises(CredexInvalid):
        instruction_create(member=pair[0].phone, action="credex_offer", params=offer_params(pair, "0.001"))
    with pytest.raises(CredexInvalid):
        instruction_create(
            member=pair[0].phone, action="credex_offer", params={**offer_params(pair), "amount": 5.5}
        )
    with pytest.raises(CredexInvalid):
        instruction_create(member=pair[0].phone, action="transfer_everything", params={})
    assert Instruction.objects.count() == 0


@pytest.mark.django_db
def test_confirmation_is_single_use_and_expires(pair, settings):
    row = new_offer(pair)
    assert instruction_confirm(row.key) is True
    assert instruction_confirm(row.key) is False

    stale = new_offer(pair)
    Instruction.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(seconds=901))
    assert instruction_confirm(stale.key) is False


@pytest.mark.django_db
def test_nothing_is_sent_for_an_unconfirmed_instruction(sandbox, ledger, pair):
    row = new_offer(pair)

    with pytest.raises(InstructionStateError) as caught:
        instruction_execute(row.key, client=ledger)

    assert caught.value.state == State.PENDING
    assert offers_sent(sandbox) == 0


@pytest.mark.db_both
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_confirmations_make_exactly_one_credex(sandbox, ledger, pair):
    row = new_offer(pair)

    def confirm_and_execute():
        if instruction_confirm(row.key):
            return instruction_execute(row.key, client=ledger)
        return "already confirmed"

    results = in_threads(50, confirm_and_execute)

    created = [result for result in results if result != "already confirmed"]
    assert len(results) == 50
    assert len(created) == 1, results
    row.refresh_from_db()
    assert (row.state, row.ledger_ref) == (State.DONE, created[0].credex_id)
    assert offers_sent(sandbox) == 1
    assert credexes(sandbox) == 1


@pytest.mark.db_both
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_executions_of_a_confirmed_instruction_send_once(sandbox, ledger, pair):
    row = new_offer(pair)
    instruction_confirm(row.key)

    results = in_threads(50, lambda: instruction_execute(row.key, client=ledger))

    refused = [result for result in results if isinstance(result, InstructionStateError)]
    assert len(refused) == 49
    assert offers_sent(sandbox) == 1
    assert credexes(sandbox) == 1


@pytest.mark.django_db
def test_a_refusal_fails_the_instruction_with_its_code(sandbox, ledger, pair):
    sandbox.set_tier(3, phone=pair[0].phone)
    row = new_offer(pair, "500.00")
    instruction_confirm(row.key)

    with pytest.raises(InsufficientSecuredBalance):
        instruction_execute(row.key, client=ledger)

    row.refresh_from_db()
    assert (row.state, row.error_code) == (State.FAILED, "INSUFFICIENT_SECURED_BALANCE")
    assert "maximum securable USD balance is 100.00 USD" in row.error_reason


@pytest.mark.django_db
def test_an_open_breaker_fails_the_instruction_without_sending(sandbox, ledger, pair):
    row = new_offer(pair)
    instruction_confirm(row.key)
    for _ in range(5):
        ledger.breaker.record(ledger.breaker.acquire(), "failure")

    with pytest.raises(CircuitOpen):
        instruction_execute(row.key, client=ledger)

    row.refresh_from_db()
    assert (row.state, row.error_code) == (State.FAILED, "CIRCUIT_OPEN")
    assert offers_sent(sandbox) == 0
