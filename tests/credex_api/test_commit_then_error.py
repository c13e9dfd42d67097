"""An error answer after the ledger committed is not a refusal (issue 20, defect 2), through the real sandbox.

credex-core commits and then answers an error in several places (a signing failure after the CREATE, the
dashboard read after the commit); the sandbox's `commitThenError` fault does the same. Such an answer must
leave the instruction `unknown` (never `failed`, so the member is never told "nothing was changed"), and
reconciliation then finds the committed work and settles it `done`, with one ledger call in all. A refusal
from `credex_api.refusals` (checked before anything is written) still ends `failed`.
"""

from __future__ import annotations

import pytest

from credex_api import services
from credex_api.errors import CredexOutcomeUnknown, TierLimitExceeded
from credex_api.instructions import instruction_confirm, instruction_create, instruction_execute
from credex_api.reconcile import instruction_reconcile
from tests.credex_api.instruction_helpers import State, credexes, new_offer, offer_params, offers_sent


def _refusal(code: str, reason: str) -> dict:
    details = {"code": code, "reason": reason}
    action = {"id": None, "type": "ERROR_INTERNAL", "actor": "system", "details": details}
    return {"message": reason, "data": {"action": action, "dashboard": {}}}


AFTER_COMMIT = {
    "signature": (400, _refusal("SIGNATURE_ERROR", "Digital signature error")),
    "credex-false": (400, {"error": "Error creating credex: Digital signature error: timeout"}),
    "dashboard": (404, {"error": "Failed to fetch dashboard data"}),
    "dashboard-enveloped": (404, _refusal("NOT_FOUND", "Failed to fetch dashboard data")),
}


def _execute_expecting_unknown(sandbox, client, row, route: str, *, status: int, body: dict) -> None:
    instruction_confirm(row.key)
    sandbox.fault("commitThenError", route=route, status=status, body=body)
    with pytest.raises(CredexOutcomeUnknown):
        instruction_execute(row.key, client=client)
    row.refresh_from_db()
    assert row.state == State.UNKNOWN


@pytest.mark.django_db
@pytest.mark.parametrize("answer", AFTER_COMMIT, ids=list(AFTER_COMMIT))
def test_an_offer_committed_then_answered_with_an_error_is_unknown_then_done(sandbox, ledger, pair, answer):
    status, body = AFTER_COMMIT[answer]
    row = new_offer(pair)

    _execute_expecting_unknown(sandbox, ledger, row, "createCredex", status=status, body=body)

    assert instruction_reconcile(row.key, client=ledger) == State.DONE
    assert (offers_sent(sandbox), credexes(sandbox)) == (1, 1)  # one call, one credex, never re-sent


@pytest.mark.django_db
@pytest.mark.parametrize("answer", ["signature", "dashboard"])
def test_an_accept_committed_then_answered_with_an_error_is_unknown_then_done(sandbox, ledger, pair, answer):
    status, body = AFTER_COMMIT[answer]
    created = services.credex_offer(phone=pair[0].phone, client=ledger, **offer_params(pair))
    row = instruction_create(
        member=pair[1].phone, action="credex_accept", params={"credex_id": created.credex_id}
    )

    _execute_expecting_unknown(sandbox, ledger, row, "acceptCredex", status=status, body=body)

    assert instruction_reconcile(row.key, client=ledger) == State.DONE
    assert credexes(sandbox, "OWES") == 2  # the mint and this accept
    assert sandbox.stats()["requests"]["acceptCredex"] == 1


@pytest.mark.django_db
def test_a_tier_limit_refusal_still_fails_the_instruction(sandbox, ledger, pair):
    row = new_offer(pair, "15.00")  # the open tier may issue 10 USD a day
    instruction_confirm(row.key)

    with pytest.raises(TierLimitExceeded):
        instruction_execute(row.key, client=ledger)

    row.refresh_from_db()
    assert (row.state, row.error_code) == (State.FAILED, "TIER_LIMIT_EXCEEDED")
    assert credexes(sandbox) == 0
