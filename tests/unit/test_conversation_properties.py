"""Random conversations with the real flow definitions (pure engine, in-memory ledger and confirmations):
whatever a member sends — global words, amounts, shorthand, garbage, taps on the current screen, stale taps
from older screens, taps that arrive late — no turn raises, no turn is silent, every reply fits WhatsApp's
limits, and the ledger is never changed without a confirmation consumed in that same turn."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.rendering import render
from flows import ids
from flows.definitions import REGISTRY
from flows.engine import advance
from flows.flow import TurnContext
from flows.ports import Ports
from flows.screens import screen_ids
from flows.state import from_json, to_json
from flows.types import ChoiceMessage, TextMessage
from tests.unit.member_ledger import MemoryConfirmations, RichMemberLedger

WA_ID = "263771234567"
NOW = 1_800_000_000
TEXTS = (
    "hi", "menu", "cancel", "back", "help", "about", "offer", "incoming", "outgoing", "ledger", "switch",
    "upgrade", "join", "12.50", "0", "1e3", "-5", "١٠٠", "263770000002", "nobody_here", "Tendai",
    "garbage ✨", "5=>263770000002", "5->263770000002", "5->263770000002=2000-01-01",
    "0.5 XAU=>263770000002", "",
)  # fmt: skip

step = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(TEXTS)),
    st.tuples(st.just("tap"), st.integers(min_value=0, max_value=20)),  # an id on the current screen
    st.tuples(st.just("stale"), st.integers(min_value=0, max_value=50)),  # an id seen on any earlier screen
    st.tuples(st.just("late"), st.integers(min_value=0, max_value=20)),  # a current id, sent an hour ago
    st.tuples(st.just("wait"), st.just(400)),  # idle past the session timeout
)


def assert_routed(choice_id: str, state) -> None:
    """Every id on a screen comes from `flows.ids` and is routed by the one table: an entry id starts a
    registered flow; any other id belongs to the step the stored state is now on (or is the engine's own)."""
    parsed = ids.parse(choice_id)
    assert parsed is not None, choice_id
    if parsed.is_entry:
        assert REGISTRY.route(parsed.without_arg) is not None, choice_id
        return
    assert state is not None and (parsed.flow, parsed.step) == (state.flow, state.step), choice_id
    handled = set(REGISTRY.flow(state.flow).step(state.step).choices) | ids.RESERVED_CHOICES
    assert parsed.choice in handled, choice_id


class Conversation:
    def __init__(self) -> None:
        self.ledger = RichMemberLedger()
        self.confirmations = MemoryConfirmations()
        self.stored: str | None = None
        self.now = NOW
        self.current: list[str] = []
        self.seen: list[str] = []
        self.count = 0

    def send(self, event) -> None:
        self.count += 1
        before_ok, before_exec = self.confirmations.consumed_ok, len(self.ledger.executed)
        ports = Ports(ledger=self.ledger, confirmations=self.confirmations)
        ctx = TurnContext(now=self.now, idle_ttl=300, registry=REGISTRY, ports=ports)
        outcome = advance(from_json(self.stored) if self.stored else None, event, ctx)
        assert outcome.replies, "silent turn"
        executed = len(self.ledger.executed) - before_exec
        assert executed <= self.confirmations.consumed_ok - before_ok, "ledger changed without a confirmation"
        for reply in outcome.replies:
            render(reply, to=WA_ID)
            for choice_id in screen_ids(reply):
                assert_routed(choice_id, outcome.state)
        self.stored = to_json(outcome.state) if outcome.state is not None else None
        self.current = sorted({i for reply in outcome.replies for i in screen_ids(reply)})
        self.seen += self.current

    def act(self, kind: str, value) -> None:
        base = {"wa_id": WA_ID, "message_id": f"wamid.{self.count}"}
        if kind == "wait":
            self.now += value
        elif kind == "text":
            self.send(TextMessage(**base, timestamp=self.now, body=value))
        elif kind in ("tap", "late") and self.current:
            stamp = self.now if kind == "tap" else self.now - 3600
            choice = self.current[value % len(self.current)]
            self.send(ChoiceMessage(**base, timestamp=stamp, choice_id=choice))
        elif kind == "stale" and self.seen:
            self.send(ChoiceMessage(**base, timestamp=self.now, choice_id=self.seen[value % len(self.seen)]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=25))
def test_random_conversations_never_crash_never_go_silent_and_never_move_money_unconfirmed(steps):
    conversation = Conversation()
    conversation.act("text", "hi")
    for kind, value in steps:
        conversation.act(kind, value)
    assert len(conversation.ledger.executed) <= conversation.confirmations.consumed_ok


def test_the_harness_sees_a_confirmed_offer_execute_once_and_a_late_confirmation_not_at_all():
    conversation = Conversation()
    conversation.act("text", "5=>263770000002")
    confirm = next(i for i in conversation.current if ":confirm:yes:" in i)
    conversation.now += 1
    late = ChoiceMessage(wa_id=WA_ID, message_id="wamid.late", timestamp=NOW - 3600, choice_id=confirm)
    conversation.send(late)
    assert conversation.ledger.executed == []
    conversation.act("text", "5=>263770000002")
    conversation.act("tap", conversation.current.index(next(i for i in conversation.current if ":yes:" in i)))
    assert [action for action, _params in conversation.ledger.executed] == ["credex_offer"]
