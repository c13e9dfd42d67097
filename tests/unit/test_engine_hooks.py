"""Engine hooks a later flow relies on: intercepts (shorthand), enter hooks, declared transitions, the
no-silent-turn fallback, sentence merging within the body limit, data typing, state size, text
normalisation, and purity (the engine and the definitions import no Django, Redis or requests).
"""

import subprocess
import sys

import pytest

from flows import ids, texts
from flows.flow import Done, Flow, FlowError, Goto, Step
from flows.state import StateDataError
from flows.types import ListReply, TextReply
from flows.words import normalize
from tests.unit.demo_flows import HOME_BODY, Chat, body_of, chat_at, demo_registry, id_titled


def test_a_flow_that_ends_without_saying_anything_still_gets_a_reply():
    class Mute(Flow):
        name = "mute"
        triggers = ("mute",)
        steps = (Step("only", prompt=lambda state: TextReply(body="x")),)

        def start(self, turn, session, arg):
            return Done(home=False)

    replies = Chat(demo_registry(Mute())).say("mute")
    assert replies == (TextReply(body=texts.FALLBACK),)


def test_a_preface_too_long_to_merge_is_sent_as_its_own_message():
    long_reason = "r" * 1020  # + home's body would pass the 1024 limit of an interactive body

    class Verbose(Flow):
        name = "verbose"
        triggers = ("verbose",)
        steps = (Step("only", prompt=lambda state: TextReply(body="unused")),)

        def start(self, turn, session, arg):
            return Done(say=(long_reason,))

    replies = Chat(demo_registry(Verbose())).say("verbose")
    assert [type(r) for r in replies] == [TextReply, ListReply]
    assert replies[0].body == long_reason


def test_an_intercepted_shorthand_jumps_to_the_confirmation_from_any_state_and_never_executes():
    chat = chat_at("handle")
    replies = chat.say("7 => carol")
    assert body_of(replies[0]) == "Pay 7 to carol?"
    assert chat.ledger.payments == []
    chat.tap(id_titled(replies, "Confirm"))
    assert chat.ledger.payments == [{"amount": "7", "handle": "carol"}]


def test_an_enter_hook_loads_the_screen_or_ends_the_flow_when_empty():
    chat = Chat()
    replies = chat.tap(ids.entry("inbox"))
    assert body_of(replies[0]).startswith("Nothing in your inbox.")
    assert HOME_BODY in body_of(replies[0])
    chat.ledger.items = ["alpha"]
    chat.tap(ids.entry("inbox"))
    replies = chat.tap("v1:inbox:items:open:alpha")
    assert body_of(replies[0]).startswith("Opened alpha.")


def test_a_goto_to_an_undeclared_step_is_a_bug_not_a_silent_jump():
    class Jumpy(Flow):
        name = "jumpy"
        triggers = ("jumpy",)
        steps = (
            Step("a", prompt=lambda s: TextReply(body="a"), on_text=lambda t, s: Goto("c"), next=("b",)),
            Step("b", prompt=lambda s: TextReply(body="b"), next=("c",)),
            Step("c", prompt=lambda s: TextReply(body="c")),
        )

    chat = Chat(demo_registry(Jumpy()))
    chat.say("jumpy")
    with pytest.raises(FlowError):
        chat.say("anything")


def test_a_float_in_state_data_is_refused():
    class Floaty(Flow):
        name = "floaty"
        triggers = ("floaty",)
        steps = (Step("a", prompt=lambda s: TextReply(body="a")),)

        def start(self, turn, session, arg):
            return Goto("a", data={"amount": 12.5})

    with pytest.raises(StateDataError):
        Chat(demo_registry(Floaty())).say("floaty")


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Hi!", "hi"),
        ("  MENU  ", "menu"),
        ("hi 👋🏽", "hi"),
        ("Ｈｉ", "hi"),
        ("hi there", "hi there"),
        ("x.", "x"),
    ],
)
def test_normalize_trims_case_spacing_punctuation_and_emoji(raw, normal):
    assert normalize(raw) == normal


def test_a_realistic_state_stays_far_below_two_kilobytes():
    chat = chat_at("confirm")
    assert len(chat.stored.encode()) < 512, chat.stored


def test_the_engine_and_the_definitions_import_no_django_redis_or_requests():
    forbidden = "{'django', 'redis', 'django_redis', 'requests'}"
    code = (
        "import sys, flows.engine, flows.definitions\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden}))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert run.stdout.strip() == "[]"
