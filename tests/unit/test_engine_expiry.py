"""Idle expiry and the session: a timed-out flow is never resumed; member-level session values persist.

Fixed clock: `Chat.now` is moved by hand; the idle TTL is 300 s. The store's lapsed placeholder (state gone,
marker left) is built here as the store builds it.
"""

import pytest

from flows import ids, texts
from flows.engine import advance
from flows.flow import Done, Flow, Goto, Step, TurnContext
from flows.ports import Ports
from flows.state import ConversationState, to_json
from flows.types import TextReply
from tests.unit.demo_flows import (
    HOME_BODY,
    IDLE_TTL,
    NOW,
    Chat,
    FakeLedger,
    body_of,
    demo_registry,
    id_titled,
    text,
    unsupported,
)


def test_a_flow_idle_longer_than_the_ttl_times_out_and_shows_home_not_the_flow():
    chat = Chat()
    chat.at_confirm()
    chat.now += IDLE_TTL + 1
    replies = chat.say("bob")
    assert body_of(replies[0]) == f"{texts.TIMED_OUT}\n\n{HOME_BODY}"
    assert chat.state is None
    assert chat.ledger.payments == []


def test_a_flow_idle_just_within_the_ttl_carries_on():
    chat = Chat()
    chat.say("pay")
    chat.now += IDLE_TTL
    chat.say("12.50")
    assert chat.state.step == "handle"


def test_a_confirmation_tapped_after_expiry_executes_nothing():
    chat = Chat()
    confirm = id_titled(chat.at_confirm(), "Confirm")
    chat.now += IDLE_TTL + 60
    replies = chat.tap(confirm)
    assert chat.ledger.payments == []
    assert body_of(replies[0]).startswith(texts.TIMED_OUT)


def test_a_lapsed_placeholder_from_the_store_times_out_whatever_the_clock_says():
    lapsed = ConversationState(flow="pay", step="handle", version=4, updated_at=NOW, lapsed=True)
    ledger = FakeLedger()
    ctx = TurnContext(now=NOW, idle_ttl=IDLE_TTL, registry=demo_registry(), ports=Ports(ledger=ledger))
    outcome = advance(lapsed, text("bob"), ctx)
    assert body_of(outcome.replies[0]) == f"{texts.TIMED_OUT}\n\n{HOME_BODY}"
    assert outcome.state is None
    assert ledger.calls == []


@pytest.mark.parametrize("word", ["hi", "entry tap", "cancel"])
def test_global_words_after_expiry_still_work_after_the_notice(word):
    chat = Chat()
    chat.say("pay")
    chat.now += IDLE_TTL + 1
    if word == "entry tap":
        chat.ledger.items = ["alpha"]
        replies = chat.tap(ids.entry("inbox"))
        assert chat.state.flow == "inbox"
    else:
        replies = chat.say(word)
        assert chat.state is None
        assert texts.NOTHING_TO_CANCEL not in body_of(replies[0])
    assert body_of(replies[0]).startswith(texts.TIMED_OUT)


def test_unsupported_after_expiry_gets_the_notice_and_the_polite_sentence():
    chat = Chat()
    chat.say("pay")
    chat.now += IDLE_TTL + 1
    replies = chat.send(unsupported())
    assert body_of(replies[0]) == f"{texts.TIMED_OUT}\n\n{texts.UNSUPPORTED}"


def test_a_first_message_ever_or_an_expired_rest_state_gets_no_timeout_notice():
    chat = Chat(demo_registry(_Remember()))
    assert texts.TIMED_OUT not in body_of(chat.say("hello")[0])
    chat.say("remember")
    assert chat.state.session == {"account": "acc-1"} and chat.state.flow is None
    chat.now += IDLE_TTL + 1
    replies = chat.say("menu")
    assert texts.TIMED_OUT not in body_of(replies[0])
    assert chat.state is None  # the session expired with the idle state


class _Remember(Flow):
    """Ends at once, leaving a member-level value in the session."""

    name = "remember"
    triggers = ("remember",)
    steps = (Step("only", prompt=lambda state: TextReply(body="unused")),)

    def start(self, turn, session, arg):
        return Done(say=("Remembered.",), session={"account": "acc-1"})


class _Peek(Flow):
    """Shows what the session holds (to prove flows see it)."""

    name = "peek"
    triggers = ("peek",)
    steps = (Step("only", prompt=lambda state: TextReply(body=f"account={state.session.get('account')}")),)

    def start(self, turn, session, arg):
        return Goto("only")


def test_the_session_outlives_a_flow_and_cancel_but_flow_data_does_not():
    chat = Chat(demo_registry(_Remember(), _Peek()))
    chat.say("remember")
    chat.say("pay")
    chat.say("5")
    chat.say("cancel")
    assert chat.state.session == {"account": "acc-1"}
    assert chat.state.data == {} and chat.state.flow is None
    assert body_of(chat.say("peek")[0]) == "account=acc-1"


def test_a_state_from_a_flow_that_no_longer_exists_is_treated_as_timed_out():
    chat = Chat()
    ghost = ConversationState(flow="renamed", step="gone", data={"a": "1"}, updated_at=chat.now)
    chat.stored = to_json(ghost)
    replies = chat.say("12")
    assert body_of(replies[0]).startswith(texts.TIMED_OUT)
    assert chat.state is None
