"""The flow engine: one inbound message + the stored state → the next state and the replies (pure).

`advance(state, event, ctx) -> Outcome` decides, in this order:

1. Expiry: a state idle longer than `ctx.idle_ttl` (or one the store found lapsed) is dropped. If a flow was
   in progress the member is told the session timed out and sees home — never the half-remembered flow.
2. Unsupported message types: "I can read text and button taps" (above the current step's prompt, if any).
3. Text: global words first, whatever the state — greetings and `menu`/`home` → home; `cancel`/`stop`/`x`
   → abandon the flow (nothing executes) and home; `back` → previous step (home at the first); then flow
   trigger words (`help`, ...), then free text a flow intercepts (shorthand), then the current step's input;
   with no flow: "I didn't understand" + home.
   A typed number (`1`, `2`, as WhatsApp users answer) that names an option of the screen the member last
   saw — the current step's screen re-rendered from the state, or home between flows — acts as a tap on that
   option (rule 4); a number beyond the options shown stays text.
4. Taps: an entry id starts its flow from any state. Any other id acts only if the current step's screen,
   re-rendered from the state, offers exactly that id; otherwise it is stale and does nothing.

Every turn gets at least one reply: if routing produced none, a fallback is added. Exceptions from flow code
propagate; `flows.services.run_turn` turns them into an apology with a reference code.
Imports only the standard library, `flows` pure modules and the pure reader `security.parse_input`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from flows import ids, texts
from flows.flow import Done, Flow, FlowError, Goto, Reprompt, Result, Turn, TurnContext
from flows.screens import compose, option_ids, screen_ids
from flows.state import HISTORY_MAX, ConversationState, check_primitives
from flows.types import (
    ChoiceMessage,
    Inbound,
    InboundMessage,
    Reply,
    TextMessage,
    TextReply,
    UnsupportedMessage,
)
from flows.words import BACK_WORDS, CANCEL_WORDS, GREETINGS, MENU_WORDS, normalize
from security.parse_input import read_ordinal


@dataclass(frozen=True, slots=True)
class Outcome:
    """The state to store (None: nothing worth keeping), the replies to send, and a PII-free note for logs."""

    state: ConversationState | None
    replies: tuple[Reply, ...]
    note: str = ""


def advance(state: ConversationState | None, event: InboundMessage, ctx: TurnContext) -> Outcome:
    """Handle one inbound message; never returns without a reply."""
    turn = Turn(event, ctx)
    say: tuple[str, ...] = ()
    if state is not None and _expired(state, ctx):
        say = (texts.TIMED_OUT,) if state.in_flow else ()
        state = None
    outcome = _dispatch(state, turn, say)
    if outcome.state is not None:
        check_primitives(dict(outcome.state.data), where="data")
        check_primitives(dict(outcome.state.session), where="session")
    if not outcome.replies:
        outcome = Outcome(outcome.state, (TextReply(body=texts.FALLBACK),), "fallback")
    return outcome


def _expired(state: ConversationState, ctx: TurnContext) -> bool:
    if state.lapsed or ctx.now - state.updated_at > ctx.idle_ttl:
        return True
    if not state.in_flow:
        return False
    flow = ctx.registry.flows.get(state.flow or "")
    return flow is None or state.step not in {step.name for step in flow.steps}  # flow changed by a deploy


def _dispatch(state: ConversationState | None, turn: Turn, say: tuple[str, ...]) -> Outcome:
    if isinstance(turn.event, UnsupportedMessage):
        return _unsupported(state, turn, say)
    if isinstance(turn.event, TextMessage):
        return _on_text(state, turn, say)
    return _on_choice(state, turn, say)


def _on_text(state: ConversationState | None, turn: Turn, say: tuple[str, ...]) -> Outcome:
    word = normalize(turn.text)
    global_outcome = _global_word(word, state, turn, say)
    if global_outcome is not None:
        return global_outcome
    picked = _typed_option(state, turn) if not say else None
    if picked is not None:
        return _on_choice(state, replace(turn, event=picked), say)
    session = state.session if state else {}
    for flow in turn.ctx.registry.interceptors:
        claimed = flow.intercept(turn, session)
        if claimed is not None:
            return _begin(flow, claimed, state, turn, say)
    if state is not None and state.in_flow:
        step = _flow(turn, state).step(state.step)
        if step.on_text is None:
            return _reprompt(state, turn, (*say, texts.CHOOSE_AN_OPTION), note="choose")
        return _apply(state, turn, step.on_text(turn, state), say)
    extra = () if say else (texts.NOT_UNDERSTOOD,)
    return _home(state, turn, (*say, *extra), note="not_understood")


def _global_word(
    word: str, state: ConversationState | None, turn: Turn, say: tuple[str, ...]
) -> Outcome | None:
    """Engine words and flow trigger words: they win over step input in every state."""
    if word in GREETINGS or word in MENU_WORDS:
        return _home(state, turn, say, greeting=word in GREETINGS, note="home")
    if word in CANCEL_WORDS:
        return _cancel(state, turn, say)
    if word in BACK_WORDS:
        return _back(state, turn, say)
    triggered = turn.ctx.registry.route(word)
    if triggered is not None:
        return _start(triggered, state, turn, say, arg="")
    return None


def _typed_option(state: ConversationState | None, turn: Turn) -> ChoiceMessage | None:
    """A typed number naming an option of the member's last screen, as the tap on that option."""
    number = read_ordinal(turn.text)
    if number is None:
        return None
    if state is not None and state.in_flow:
        shown = option_ids(_flow(turn, state).step(state.step).prompt(state))
    else:
        view = turn.ctx.registry.home.show(turn, state.session if state else {}, greeting=False)
        shown = next((ids_ for ids_ in map(option_ids, reversed(view.replies)) if ids_), ())
    if number > len(shown):
        return None
    inbound = {field.name: getattr(turn.event, field.name) for field in fields(Inbound)}
    return ChoiceMessage(**inbound, choice_id=shown[number - 1], title=turn.text.strip(), source="list")


def _on_choice(state: ConversationState | None, turn: Turn, say: tuple[str, ...]) -> Outcome:
    choice = turn.choice
    if choice is not None and choice.is_entry:
        triggered = turn.ctx.registry.route(choice.without_arg)
        if triggered is not None:
            return _start(triggered, state, turn, say, arg=choice.arg)
    if choice is not None and state is not None and state.in_flow and _on_screen(state, turn, choice):
        return _tap(choice, state, turn, say)
    if say:  # timed out: the notice says why nothing happened
        return _home(None, turn, say, note="timeout")
    if state is not None and state.in_flow:
        return _reprompt(state, turn, (texts.STALE_TAP,), note="stale")
    return _home(state, turn, (texts.STALE_TAP,), note="stale")


def _tap(choice: ids.ChoiceId, state: ConversationState, turn: Turn, say: tuple[str, ...]) -> Outcome:
    """A tap on the current screen: reserved choices first, then the step's own choice table."""
    if choice.choice == ids.BACK:
        return _back(state, turn, say)
    if choice.choice == ids.CANCEL:
        return _cancel(state, turn, say)
    if choice.choice == ids.MENU:
        return _home(state, turn, say, note="home")
    handler = _flow(turn, state).step(state.step).choices.get(choice.choice)
    if handler is None:
        raise FlowError(f"{state.flow}.{state.step} shows choice {choice.choice!r} it does not handle")
    return _apply(state, turn, handler(turn, state), say)


def _on_screen(state: ConversationState, turn: Turn, choice: ids.ChoiceId) -> bool:
    if (choice.flow, choice.step) != (state.flow, state.step):
        return False
    screen = _flow(turn, state).step(state.step).prompt(state)
    return str(choice) in screen_ids(screen)


def _unsupported(state: ConversationState | None, turn: Turn, say: tuple[str, ...]) -> Outcome:
    if state is not None and state.in_flow:
        return _reprompt(state, turn, (*say, texts.UNSUPPORTED), note="unsupported")
    kept = replace(state, updated_at=turn.now) if state is not None else None
    return Outcome(kept, compose((*say, texts.UNSUPPORTED), ()), "unsupported")


def _cancel(state: ConversationState | None, turn: Turn, say: tuple[str, ...]) -> Outcome:
    if state is not None and state.in_flow:
        return _home(state, turn, (*say, texts.CANCELLED), note="cancel")
    extra = () if say else (texts.NOTHING_TO_CANCEL,)
    return _home(state, turn, (*say, *extra), note="cancel")


def _back(state: ConversationState | None, turn: Turn, say: tuple[str, ...]) -> Outcome:
    if state is None or not state.in_flow or not state.history:
        return _home(state, turn, say, note="back")
    previous = replace(state, step=state.history[-1], history=state.history[:-1], updated_at=turn.now)
    return _arrive(previous, turn, say, note="back")


def _start(
    flow: Flow, state: ConversationState | None, turn: Turn, say: tuple[str, ...], arg: str
) -> Outcome:
    session = state.session if state else {}
    return _begin(flow, flow.start(turn, session, arg), state, turn, say)


def _begin(
    flow: Flow, result: Goto | Done, state: ConversationState | None, turn: Turn, say: tuple[str, ...]
) -> Outcome:
    base = ConversationState(
        flow=flow.name,
        step=flow.first_step,
        session=dict(state.session) if state else {},
        version=state.version if state else 0,
        updated_at=turn.now,
    )
    if isinstance(result, Done):
        return _finish(base, turn, result, say)
    if not isinstance(result, Goto) or result.step not in flow.entries:
        raise FlowError(f"{flow.name} may only begin at {flow.entries}, not {result!r}")
    session = _merge(base.session, result.session)
    begun = replace(base, step=result.step, data=dict(result.data), session=session)
    return _arrive(begun, turn, (*say, *result.say), note=f"start:{flow.name}")


def _apply(state: ConversationState, turn: Turn, result: Result, say: tuple[str, ...]) -> Outcome:
    if isinstance(result, Reprompt):
        kept = replace(state, data=_merge(state.data, result.data))
        return _reprompt(kept, turn, (*say, result.reason), note="reprompt")
    if isinstance(result, Done):
        return _finish(state, turn, result, say)
    if not isinstance(result, Goto):
        raise FlowError(f"{state.flow}.{state.step} returned {type(result).__name__}, not a Result")
    step = _flow(turn, state).step(state.step)
    if result.step != state.step and result.step not in step.next:
        raise FlowError(f"{state.flow}.{state.step} may go to {step.next}, not {result.step!r}")
    history = state.history
    if result.step != state.step:
        history = (*state.history, str(state.step))[-HISTORY_MAX:]
    moved = replace(
        state,
        step=result.step,
        data=_merge(state.data, result.data),
        session=_merge(state.session, result.session),
        history=history,
        updated_at=turn.now,
    )
    return _arrive(moved, turn, (*say, *result.say), note="step")


def _arrive(state: ConversationState, turn: Turn, say: tuple[str, ...], *, note: str) -> Outcome:
    step = _flow(turn, state).step(state.step)
    if step.enter is not None:
        entered = step.enter(turn, state)
        if isinstance(entered, Done):
            return _finish(state, turn, entered, say)
        state = replace(state, data=_merge(state.data, entered))
    return Outcome(state, compose(say, (step.prompt(state),)), note)


def _reprompt(state: ConversationState, turn: Turn, say: tuple[str, ...], *, note: str) -> Outcome:
    kept = replace(state, updated_at=turn.now)
    prompt = _flow(turn, kept).step(kept.step).prompt(kept)
    return Outcome(kept, compose(say, (prompt,)), note)


def _finish(state: ConversationState, turn: Turn, done: Done, say: tuple[str, ...]) -> Outcome:
    ended = replace(state, session=_merge(state.session, done.session))
    lines = (*say, *done.say)
    if done.home:
        return _home(ended, turn, lines, note=f"done:{state.flow}")
    return Outcome(_rest(ended.session, ended, turn.now), compose(lines, ()), f"done:{state.flow}")


def _home(
    state: ConversationState | None, turn: Turn, say: tuple[str, ...], *, greeting: bool = False, note: str
) -> Outcome:
    session = dict(state.session) if state else {}
    view = turn.ctx.registry.home.show(turn, session, greeting=greeting)
    merged = _merge(session, view.session)
    return Outcome(_rest(merged, state, turn.now), compose(say, view.replies), note)


def _rest(session: Mapping[str, Any], state: ConversationState | None, now: int) -> ConversationState | None:
    """The state between flows: only the session survives; nothing at all when the session is empty."""
    if not session:
        return None
    return ConversationState(session=dict(session), version=state.version if state else 0, updated_at=now)


def _flow(turn: Turn, state: ConversationState) -> Flow:
    return turn.ctx.registry.flow(state.flow)


def _merge(base: Mapping[str, Any], updates: Mapping[str, Any]) -> dict[str, Any]:
    return {**base, **updates} if updates else dict(base)
