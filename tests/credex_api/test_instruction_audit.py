"""Money instructions write their audit trail: one row per step (created, confirmed, done / failed /
unknown) with the masked member and the action, state and error code, never the parameters or a phone
number; 50 concurrent confirmations leave exactly one "instruction.confirmed" row."""

from __future__ import annotations

import json

import pytest

from credex_api.errors import InsufficientSecuredBalance
from credex_api.instructions import instruction_confirm, instruction_execute
from security.models import AuditEvent
from security.redaction import mask_phone
from tests.credex_api.instruction_helpers import execute_with_read_timeout, in_threads, new_offer


def trail(row) -> list[tuple[str, str, dict]]:
    events = AuditEvent.objects.filter(obj=f"instruction {row.key}").order_by("id")
    return [(event.action, event.actor, event.new_values) for event in events]


def assert_no_personal_data(pair) -> None:
    # Every recorded field but the time, whose digits can spell "5.50" by chance (…:15.501981).
    recorded = [field.name for field in AuditEvent._meta.concrete_fields if field.name != "at"]
    dumped = json.dumps(list(AuditEvent.objects.values_list(*recorded)), default=str)
    for member in pair:
        assert member.phone not in dumped and member.account_id not in dumped
    assert "5.50" not in dumped  # the amount is a parameter: not audited


@pytest.mark.django_db
def test_an_executed_offer_leaves_created_confirmed_done(ledger, pair):
    row = new_offer(pair)
    assert instruction_confirm(row.key)
    instruction_execute(row.key, client=ledger)

    actor = f"member:{mask_phone(pair[0].phone)}"
    assert trail(row) == [
        ("instruction.created", actor, {"action": "credex_offer", "state": "pending", "error_code": ""}),
        ("instruction.confirmed", actor, {"action": "credex_offer", "state": "confirmed", "error_code": ""}),
        ("instruction.done", actor, {"action": "credex_offer", "state": "done", "error_code": ""}),
    ]
    assert_no_personal_data(pair)


@pytest.mark.django_db
def test_a_refused_offer_ends_with_failed_and_its_code(sandbox, ledger, pair):
    sandbox.set_tier(3, phone=pair[0].phone)
    row = new_offer(pair, "500.00")
    instruction_confirm(row.key)
    with pytest.raises(InsufficientSecuredBalance):
        instruction_execute(row.key, client=ledger)

    last_action, _actor, last_values = trail(row)[-1]
    assert last_action == "instruction.failed"
    assert last_values == {
        "action": "credex_offer",
        "state": "failed",
        "error_code": "INSUFFICIENT_SECURED_BALANCE",
    }
    assert [action for action, _, _ in trail(row)].count("instruction.failed") == 1


@pytest.mark.django_db
def test_an_outcome_unknown_is_audited_as_unknown(sandbox, make_client, pair):
    client = make_client(sandbox.url, sandbox.client_api_key, read_timeout=1.0)
    row = new_offer(pair)
    execute_with_read_timeout(sandbox, client, row)

    assert [action for action, _, _ in trail(row)] == [
        "instruction.created",
        "instruction.confirmed",
        "instruction.unknown",
    ]
    assert trail(row)[-1][2]["state"] == "unknown"


@pytest.mark.django_db
def test_a_second_confirmation_writes_no_row(pair):
    row = new_offer(pair)
    assert instruction_confirm(row.key) is True
    assert instruction_confirm(row.key) is False
    assert [action for action, _, _ in trail(row)] == ["instruction.created", "instruction.confirmed"]


@pytest.mark.db_both
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_confirmations_write_one_confirmed_row(ledger, pair):
    row = new_offer(pair)

    def confirm_and_execute():
        if instruction_confirm(row.key):
            return instruction_execute(row.key, client=ledger)
        return None

    in_threads(50, confirm_and_execute)

    actions = [action for action, _, _ in trail(row)]
    assert actions == ["instruction.created", "instruction.confirmed", "instruction.done"]
