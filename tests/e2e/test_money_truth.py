"""What a member is told about a money action comes from that action's instruction, never from what
happened to the screens after it (issue 20, defects 1 and 10), through the signed webhook and the sandbox.

- The ledger fails the dashboard read after a change, or the conversation state cannot be saved after it:
  the member reads that the offer went through, and exactly one credex exists.
- The ledger is busy before anything was sent: the member's Confirm works again (the confirmation is given
  back), never "already used".
- An offer whose outcome was unknown: the worker's reconciliation tells the member the end, once; an
  identical offer made meanwhile warns on its confirmation screen.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest

from bot.management.commands.run_worker import _reconcile
from bot.settled import tell_settled
from credex_api import services
from credex_api.client import reset_client
from credex_api.models import Instruction
from credex_api.reconcile import reconcile_unknown
from flows import texts
from flows.flow import Flow, Step
from flows.money import CONFIRMATION_USED, OUTCOME_UNKNOWN
from flows.registry import Registry
from flows.services import run_turn
from flows.store import ConversationStore
from flows.types import TextMessage
from tests.e2e.chat import Member
from tests.e2e.conftest import onboard
from tests.support.concurrency import run_together
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401  (fixture)
from tests.unit.demo_flows import DemoHome

pytestmark = pytest.mark.django_db(transaction=True)
WENT_THROUGH = "Your offer of 1.00 USD to Rudo Dube Personal went through"
NOT_THROUGH = "Your offer of 1.00 USD to Rudo Dube Personal did not go through; nothing was sent"


def two_members(ledger, new_member) -> tuple[Member, Member]:
    payer, payee = new_member(), new_member()
    onboard(payer, "Tendai", "Moyo")
    onboard(payee, "Rudo", "Dube")
    ledger.mint(payer.phone, "5.00")
    return payer, payee


def offers(ledger) -> int:
    return ledger.stats()["counts"]["credexesByStatus"].get("OFFERS", 0)


def test_a_failed_dashboard_read_after_an_offer_says_the_offer_went_through(ledger, new_member):
    payer, payee = two_members(ledger, new_member)
    payer.say(f"1=>{payee.phone}")
    ledger.fault("error500", route="login", count=10)  # every read of the dashboard after the offer fails

    payer.tap("Confirm")

    read = payer.text()
    assert WENT_THROUGH in read
    assert "Nothing was sent" not in read and "menu" in read
    assert offers(ledger) == 1


def test_a_state_saved_by_another_writer_during_an_offer_does_not_say_nothing_was_done(ledger, new_member):
    payer, payee = two_members(ledger, new_member)
    payer.say(f"1=>{payee.phone}")
    ledger.fault("latency", route="createCredex", ms=1200, count=1)
    store = ConversationStore()

    def other_writer() -> None:  # a lock that expired under the slow turn: someone else saves first
        time.sleep(0.5)
        state = store.load(payer.phone)
        store.save(payer.phone, state, expected_version=state.version)

    writer = threading.Thread(target=other_writer)
    writer.start()
    payer.tap("Confirm")
    writer.join()

    read = payer.text()
    assert WENT_THROUGH in read
    assert "nothing was done" not in read
    assert offers(ledger) == 1


def test_a_flow_that_breaks_after_its_offer_went_through_says_it_went_through(ledger, new_member):
    payer, payee = two_members(ledger, new_member)
    issuer = services.member_login(phone=payer.phone).accounts[0].account_id
    receiver = services.member_login(phone=payee.phone).accounts[0].account_id
    params = {
        "issuer_account_id": issuer, "receiver_account_id": receiver, "amount": Decimal("1.00"),
        "denom": "USD", "secured": True, "due_date": None, "receiver_account_name": "Rudo Dube Personal",
    }  # fmt: skip

    def offer_then_break(turn, state):
        turn.ledger.execute(action="credex_offer", params=params)
        raise RuntimeError("a bug after the offer")

    class Breaks(Flow):
        name = "breaks"
        triggers = ("breaks",)
        steps = (Step("a", prompt=lambda s: None, on_text=offer_then_break),)

    registry = Registry((Breaks(),), DemoHome())
    now = int(time.time())
    run_turn(TextMessage(wa_id=payer.phone, message_id="wamid.b1", timestamp=now, body="breaks"), now=now,
             registry=registry)  # fmt: skip
    (reply,) = run_turn(
        TextMessage(wa_id=payer.phone, message_id="wamid.b2", timestamp=now, body="go"),
        now=now,
        registry=registry,
    )

    assert reply.body.startswith(f"{WENT_THROUGH}.")
    assert "nothing was done" not in reply.body and "Reference:" in reply.body
    assert offers(ledger) == 1


def test_a_confirm_that_the_ledger_was_too_busy_to_send_can_be_tapped_again(ledger, new_member):
    payer, payee = two_members(ledger, new_member)
    screen = payer.say(f"1=>{payee.phone}")[-1]
    ledger.fault("burst429", route="createCredex", retryAfter=30, count=1)  # nothing runs at the ledger

    payer.tap("Confirm", reply=screen)
    assert payer.text() == texts.LEDGER_BUSY
    assert offers(ledger) == 0

    payer.tap("Confirm", reply=screen)  # "try again": the same button

    assert CONFIRMATION_USED not in payer.text()
    assert "Offer sent: 1.00 USD to Rudo Dube" in payer.text()
    assert offers(ledger) == 1
    payer.tap("Confirm", reply=screen)  # and only once
    assert "Offer sent" not in payer.text()
    assert offers(ledger) == 1


@pytest.fixture
def short_read_timeout(ledger, settings):
    settings.MYCREDEX_READ_TIMEOUT = 1.0
    reset_client()


def messages_to(fake_graph, member: Member) -> list[str]:
    return [
        r.json["text"]["body"]
        for r in fake_graph.requests
        if r.to.lstrip("+") == member.phone and r.json.get("type") == "text"
    ]


def test_the_member_hears_once_that_an_unknown_offer_went_through(
    ledger, new_member, short_read_timeout, fake_graph
):
    payer, payee = two_members(ledger, new_member)
    payer.say(f"1=>{payee.phone}")
    ledger.fault("readTimeout", route="createCredex", seconds=2, count=1)  # commits, answers too late
    payer.tap("Confirm")
    assert OUTCOME_UNKNOWN in payer.text()
    time.sleep(1.5)  # the held answer is over

    _reconcile()
    _reconcile()  # a second sweep tells nothing new

    assert Instruction.objects.get(action="credex_offer").state == Instruction.State.DONE
    assert messages_to(fake_graph, payer) == [f"{WENT_THROUGH}."]
    assert offers(ledger) == 1


def test_the_member_hears_once_that_an_unknown_offer_did_not_go_through(
    ledger, new_member, short_read_timeout, fake_graph, settings
):
    payer, payee = two_members(ledger, new_member)
    payer.say(f"1=>{payee.phone}")
    ledger.fault("error500", route="createCredex", count=1)  # nothing ran, but a 500 cannot prove it
    payer.tap("Confirm")
    assert OUTCOME_UNKNOWN in payer.text()
    settings.MYCREDEX_RECONCILE_SETTLE_SECONDS = 0  # nothing at the ledger by now: it never will be

    _reconcile()
    _reconcile()

    assert Instruction.objects.get(action="credex_offer").state == Instruction.State.FAILED
    assert messages_to(fake_graph, payer) == [f"{NOT_THROUGH}."]
    assert offers(ledger) == 0


def test_an_identical_offer_while_one_is_unknown_warns_before_confirming(ledger, new_member, fake_graph):
    payer, payee = two_members(ledger, new_member)
    payer.say(f"1=>{payee.phone}")
    ledger.fault("error500", route="createCredex", count=1)
    payer.tap("Confirm")
    assert OUTCOME_UNKNOWN in payer.text()

    again = payer.say(f"1=>{payee.phone}")[-1]
    assert texts.TWIN_IN_FLIGHT in payer.text()
    assert payer.option("Confirm", reply=again)  # the member may still confirm, knowingly
    other = payer.say(f"2=>{payee.phone}")  # a different offer: no warning
    assert texts.TWIN_IN_FLIGHT not in "\n".join(r["interactive"]["body"]["text"] for r in other[-1:])


def test_sweeps_running_at_once_tell_a_settled_offer_once(ledger, new_member, fake_graph, settings):
    payer, payee = two_members(ledger, new_member)
    payer.say(f"1=>{payee.phone}")
    ledger.fault("error500", route="createCredex", count=1)
    payer.tap("Confirm")
    settings.MYCREDEX_RECONCILE_SETTLE_SECONDS = 0
    reconcile_unknown()
    told: list[int] = []

    errors = run_together(lambda: told.append(tell_settled()), [()] * 4)

    assert errors == []
    assert sorted(told) == [0, 0, 0, 1]
    assert messages_to(fake_graph, payer) == [f"{NOT_THROUGH}."]
