"""Reconciliation of `unknown` instructions by reading the real sandbox (MO-5): a read timeout after the
ledger committed → `unknown` → `done` with the credex found and never re-sent; nothing at the ledger →
`failed` only after the settle period; stale `sent` rows; the management command."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from credex_api import services
from credex_api.client import reset_client
from credex_api.instructions import instruction_confirm, instruction_create, instruction_execute
from credex_api.models import Instruction
from credex_api.reconcile import instruction_reconcile, reconcile_unknown
from tests.credex_api.instruction_helpers import (
    State,
    credexes,
    execute_with_read_timeout,
    new_offer,
    offer_params,
    offers_sent,
)


@pytest.mark.django_db
def test_read_timeout_after_commit_is_unknown_then_reconciled_to_done_with_one_credex(
    sandbox, make_client, pair
):
    client = make_client(sandbox.url, sandbox.client_api_key, read_timeout=1.0)
    row = new_offer(pair)

    execute_with_read_timeout(sandbox, client, row)
    state = instruction_reconcile(row.key, client=client)

    row.refresh_from_db()
    assert state == State.DONE
    payer_offers = services.member_login(phone=pair[0].phone, client=client).accounts[0].pending_out
    assert row.ledger_ref == payer_offers[0].credex_id
    assert offers_sent(sandbox) == 1  # never re-sent
    assert credexes(sandbox) == 1
    assert instruction_reconcile(row.key, client=client) == State.DONE  # settled once, stays settled


@pytest.mark.django_db
def test_reconciliation_skips_credexes_other_instructions_already_claimed(sandbox, make_client, pair):
    client = make_client(sandbox.url, sandbox.client_api_key, read_timeout=1.0)
    sandbox.set_tier(3, phone=pair[0].phone)  # two offers exceed the open tier's 10 USD a day
    first = new_offer(pair)
    instruction_confirm(first.key)
    earlier = instruction_execute(first.key, client=client)
    second = new_offer(pair)  # the same amount to the same receiver

    execute_with_read_timeout(sandbox, client, second)
    instruction_reconcile(second.key, client=client)

    second.refresh_from_db()
    assert second.state == State.DONE
    assert second.ledger_ref and second.ledger_ref != earlier.credex_id
    assert credexes(sandbox) == 2


@pytest.mark.django_db
def test_an_offer_accepted_before_reconciliation_is_found_in_the_ledger(sandbox, make_client, pair):
    client = make_client(sandbox.url, sandbox.client_api_key, read_timeout=1.0)
    row = new_offer(pair)
    execute_with_read_timeout(sandbox, client, row)
    pending = services.member_login(phone=pair[1].phone, client=client).accounts[0].pending_in
    services.credex_accept(phone=pair[1].phone, credex_id=pending[0].credex_id, client=client)

    assert instruction_reconcile(row.key, client=client) == State.DONE

    row.refresh_from_db()
    assert row.ledger_ref == pending[0].credex_id


@pytest.mark.django_db
def test_nothing_at_the_ledger_stays_unknown_then_fails_after_the_settle_period(
    sandbox, ledger, pair, settings
):
    settings.MYCREDEX_RECONCILE_SETTLE_SECONDS = 60
    row = new_offer(pair)
    now = timezone.now()
    Instruction.objects.filter(pk=row.pk).update(state=State.UNKNOWN, sent_at=now)

    assert instruction_reconcile(row.key, client=ledger, now=now + timedelta(seconds=30)) == State.UNKNOWN
    assert instruction_reconcile(row.key, client=ledger, now=now + timedelta(seconds=61)) == State.FAILED

    row.refresh_from_db()
    assert (row.error_code, row.reconcile_attempts) == ("NOT_AT_LEDGER", 2)


@pytest.mark.django_db
def test_accept_with_unknown_outcome_is_reconciled_from_get_credex(sandbox, make_client, pair):
    client = make_client(sandbox.url, sandbox.client_api_key, read_timeout=1.0)
    created = services.credex_offer(phone=pair[0].phone, client=client, **offer_params(pair))
    row = instruction_create(
        member=pair[1].phone, action="credex_accept", params={"credex_id": created.credex_id}
    )

    execute_with_read_timeout(sandbox, client, row, route="acceptCredex")

    assert instruction_reconcile(row.key, client=client) == State.DONE
    assert credexes(sandbox, "OWES") == 2  # the mint and this one


@pytest.mark.django_db
def test_subscription_with_unknown_outcome_is_reconciled_without_a_second_subscription(
    sandbox, make_client, pair
):
    client = make_client(sandbox.url, sandbox.client_api_key, read_timeout=1.0)
    payer = pair[0]
    row = instruction_create(
        member=payer.phone, action="tier_upgrade", params={"source_account_id": payer.account_id}
    )

    execute_with_read_timeout(sandbox, client, row, route="createRecurring")

    assert instruction_reconcile(row.key, client=client) == State.DONE
    assert sandbox.stats()["counts"]["recurring"] == 1


@pytest.mark.django_db
def test_reconcile_unknown_settles_every_unknown_and_stale_sent_instruction(sandbox, ledger, pair, settings):
    settings.MYCREDEX_RECONCILE_SETTLE_SECONDS = 60
    made = services.credex_offer(phone=pair[0].phone, client=ledger, **offer_params(pair, "7.00"))
    long_ago = timezone.now() - timedelta(minutes=10)
    reached = new_offer(pair, "7.00")  # its call reached the ledger; the process died before recording it
    lost = new_offer(pair, "8.00")  # its call never arrived
    fresh = new_offer(pair, "9.00")  # just sent: may still be in flight
    Instruction.objects.filter(pk__in=[reached.pk, lost.pk]).update(state=State.SENT, sent_at=long_ago)
    Instruction.objects.filter(pk=fresh.pk).update(state=State.SENT, sent_at=timezone.now())

    report = reconcile_unknown(client=ledger)

    assert (report.examined, report.done, report.failed, report.errors) == (2, 1, 1, 0)
    states = {row.params["amount"]: row.state for row in Instruction.objects.all()}
    assert states == {"7.00": State.DONE, "8.00": State.FAILED, "9.00": State.SENT}
    assert Instruction.objects.get(pk=reached.pk).ledger_ref == made.credex_id


@pytest.mark.django_db
def test_the_management_command_reports_counts_and_keys_only(sandbox, pair, settings, capsys):
    settings.MYCREDEX_APP_URL = sandbox.url
    settings.CLIENT_API_KEY = sandbox.client_api_key
    reset_client()
    row = new_offer(pair)
    Instruction.objects.filter(pk=row.pk).update(
        state=State.UNKNOWN, sent_at=timezone.now() - timedelta(hours=1)
    )
    try:
        call_command("reconcile_instructions")
    finally:
        reset_client()

    out = capsys.readouterr().out
    assert "examined=1 done=0 failed=1" in out
    assert pair[0].phone not in out


@pytest.mark.django_db(transaction=True)
def test_the_worker_settles_unknown_instructions_when_it_starts(sandbox, pair, settings):
    settings.MYCREDEX_APP_URL = sandbox.url
    settings.CLIENT_API_KEY = sandbox.client_api_key
    reset_client()
    row = new_offer(pair)
    Instruction.objects.filter(pk=row.pk).update(
        state=State.UNKNOWN, sent_at=timezone.now() - timedelta(hours=1)
    )
    try:
        call_command("run_worker", once=True, consumer="test-reconcile")
    finally:
        reset_client()

    row.refresh_from_db()
    assert row.state == State.FAILED  # nothing at the ledger long after sending: it never arrived
    assert row.error_code == "NOT_AT_LEDGER"
    assert offers_sent(sandbox) == 0  # reconciliation only reads
