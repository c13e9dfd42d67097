"""Shared pieces of the instruction and reconciliation tests (the `pair` fixture lives in conftest): offer
parameters, sandbox counters, and N threads released together by a Barrier (each closing its connection)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from credex_api.errors import CredexOutcomeUnknown
from credex_api.instructions import instruction_confirm, instruction_create, instruction_execute
from credex_api.models import Instruction
from tests.support.concurrency import run_together

State = Instruction.State


def offer_params(pair, amount: str = "5.50") -> dict:
    payer, payee = pair
    return {
        "issuer_account_id": payer.account_id,
        "receiver_account_id": payee.account_id,
        "amount": Decimal(amount),
        "denom": "USD",
        "secured": True,
    }


def new_offer(pair, amount: str = "5.50") -> Instruction:
    return instruction_create(member=pair[0].phone, action="credex_offer", params=offer_params(pair, amount))


def credexes(sandbox, status: str = "OFFERS") -> int:
    return sandbox.stats()["counts"]["credexesByStatus"].get(status, 0)


def offers_sent(sandbox) -> int:
    return sandbox.stats()["requests"].get("createCredex", 0)


def in_threads(count: int, work) -> list:
    results: list = []

    def run() -> None:
        try:
            outcome = work()
        except Exception as exc:  # collected and asserted by the test
            outcome = exc
        results.append(outcome)

    errors = run_together(run, [()] * count, timeout=60)  # each thread joined for up to 120 s
    assert errors == []
    return results


def execute_with_read_timeout(sandbox, client, row, route="createCredex"):
    """Confirm and execute while the sandbox commits, then holds its answer past the read timeout."""
    instruction_confirm(row.key)
    sandbox.fault("readTimeout", route=route, seconds=3)
    with pytest.raises(CredexOutcomeUnknown):
        instruction_execute(row.key, client=client)
    row.refresh_from_db()
    assert row.state == State.UNKNOWN
