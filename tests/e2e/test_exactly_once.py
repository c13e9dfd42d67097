"""Exactly-once does not rest on the state Redis (issue 20, defect 4), through the signed webhook, the
worker's inbox processing and the real sandbox: the confirmation screen stores its instruction `pending`,
and only that row's `pending → confirmed` move in the database lets a tap reach the ledger. Four taps
racing on one screen (a barrier) confirm it once.

The crash: the state Redis runs with ``appendfsync everysec``, so a crash within a second of the tap can bring
back the nonce unconsumed and the conversation at the confirmation screen, and the worker re-runs the tap's
inbox row (it is marked pending again). The test takes a copy of every key of the state Redis just before the
tap and restores it (RESTORE … REPLACE, later keys dropped) after the tap went through.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_redis import get_redis_connection

from bot.models import InboxMessage
from bot.processing import process_capturing
from credex_api import services
from credex_api.models import Instruction
from credex_api.reconcile import reconcile_unknown
from flows.ledger import MemberLedger
from flows.ports import InstructionNotRun
from tests.e2e.chat import body
from tests.e2e.test_money_truth import WENT_THROUGH, two_members
from tests.support.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def copy_state_redis() -> dict[bytes, tuple[bytes, int]]:
    """Every key of the state Redis with its DUMP and its time left (ms; 0 = no expiry)."""
    state = get_redis_connection("state")
    return {key: (state.dump(key), max(state.pttl(key), 0)) for key in state.scan_iter()}


def restore_state_redis(copy: dict[bytes, tuple[bytes, int]]) -> None:
    """The state Redis as the copy had it: as if its append-only file lost everything after the copy."""
    state = get_redis_connection("state")
    for key in state.scan_iter():
        if key not in copy:
            state.delete(key)
    for key, (dumped, ttl) in copy.items():
        state.restore(key, ttl, dumped, replace=True)


def rerun_last_inbox_row(phone: str) -> list[str]:
    """The worker re-runs the member's last inbox row after the crash: what the member reads."""
    row = InboxMessage.objects.filter(wa_id=phone).order_by("-id").first()
    InboxMessage.objects.filter(pk=row.pk).update(status=InboxMessage.Status.PENDING)
    return [body(reply) for reply in process_capturing([row.pk])]


def test_a_tap_replayed_after_the_state_redis_lost_its_last_second_sends_nothing_again(ledger, new_member):
    payer, payee = two_members(ledger, new_member)
    screen = payer.say(f"1=>{payee.phone}")[-1]
    copy = copy_state_redis()

    payer.tap("Confirm", reply=screen)
    assert "Offer sent: 1.00 USD to Rudo Dube" in payer.text()
    assert ledger.stats()["requests"]["createCredex"] == 1

    restore_state_redis(copy)  # the nonce is unconsumed again, the conversation back at the screen
    read = "\n".join(rerun_last_inbox_row(payer.phone))

    assert ledger.stats()["requests"]["createCredex"] == 1
    assert f"{WENT_THROUGH}." in read
    assert "Offer sent" not in read
    offer = Instruction.objects.get(member=payer.phone, action="credex_offer")
    assert offer.state == Instruction.State.DONE


def test_a_confirmation_screen_stores_its_instruction_pending_before_any_tap(ledger, new_member):
    payer, payee = two_members(ledger, new_member)
    payer.say(f"1=>{payee.phone}")

    (row,) = Instruction.objects.filter(member=payer.phone, action="credex_offer")
    assert row.state == Instruction.State.PENDING
    assert ledger.stats()["requests"].get("createCredex", 0) == 0


def test_an_abandoned_confirmation_screen_expires_failed_in_the_sweep(ledger, new_member, settings):
    payer, payee = two_members(ledger, new_member)
    payer.say(f"1=>{payee.phone}")
    settings.MYCREDEX_INSTRUCTION_TTL_SECONDS = 0  # the confirmation's time limit has passed

    report = reconcile_unknown()

    (row,) = Instruction.objects.filter(member=payer.phone, action="credex_offer")
    assert (row.state, row.error_code) == (Instruction.State.FAILED, "CONFIRMATION_EXPIRED")
    assert report.expired == 1


def offer_params(payer, payee) -> dict:
    issuer = services.member_login(phone=payer.phone).accounts[0].account_id
    receiver = services.member_login(phone=payee.phone).accounts[0].account_id
    return {
        "issuer_account_id": issuer, "receiver_account_id": receiver, "amount": Decimal("1.00"),
        "denom": "USD", "secured": True, "due_date": None, "receiver_account_name": "Rudo Dube Personal",
    }  # fmt: skip


def test_two_taps_racing_on_one_screen_confirm_its_instruction_once(ledger, new_member):
    payer, payee = two_members(ledger, new_member)
    params = offer_params(payer, payee)
    key = MemberLedger(payer.phone).prepare(action="credex_offer", params=params)
    outcomes: list[str] = []

    def tap() -> None:  # each tap its own turn: its own MemberLedger, the same bound instruction
        try:
            MemberLedger(payer.phone).execute(action="credex_offer", params=params, instruction=key)
            outcomes.append("sent")
        except InstructionNotRun as not_run:
            outcomes.append(not_run.told or "not run")

    assert run_together(tap, [(), (), (), ()]) == []

    assert ledger.stats()["requests"]["createCredex"] == 1
    assert len(outcomes) == 4 and outcomes.count("sent") == 1  # the other three: told, nothing sent
    assert Instruction.objects.get(key=key).state == Instruction.State.DONE


def test_a_tap_after_the_instructions_time_limit_expires_it_and_sends_nothing(ledger, new_member, settings):
    payer, payee = two_members(ledger, new_member)
    params = offer_params(payer, payee)
    key = MemberLedger(payer.phone).prepare(action="credex_offer", params=params)
    settings.MYCREDEX_INSTRUCTION_TTL_SECONDS = 0

    with pytest.raises(InstructionNotRun) as not_run:
        MemberLedger(payer.phone).execute(action="credex_offer", params=params, instruction=key)

    assert "did not go through; nothing was sent" in not_run.value.told
    assert Instruction.objects.get(key=key).error_code == "CONFIRMATION_EXPIRED"
    assert ledger.stats()["requests"].get("createCredex", 0) == 0
