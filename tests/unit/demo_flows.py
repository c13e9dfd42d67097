"""Test-only flows, a recording fake ledger and a `Chat` driver for engine tests (no Redis, fixed clock).

`pay` is a miniature money flow shaped like the real offer flow: typed amount (validated, re-prompted),
typed handle, then a confirmation screen whose Confirm id carries a nonce, executed through the ledger port.
`inbox` loads its list on arrival (enter hook) and ends the flow when there is nothing to show.
`Chat` keeps the state as the store would (through its JSON form), checks every turn has a reply, and
renders every reply with the real `bot.rendering.render`, which raises on any WhatsApp limit.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.rendering import render
from flows import ids
from flows.engine import Outcome, advance
from flows.flow import Done, Flow, Goto, HomeScreen, HomeView, Reprompt, Result, Step, Turn, TurnContext
from flows.ports import Ports
from flows.registry import Registry
from flows.screens import screen_ids
from flows.state import ConversationState, from_json, to_json
from flows.types import (
    Button,
    ButtonsReply,
    ChoiceMessage,
    InboundMessage,
    ListReply,
    ListRow,
    ListSection,
    Reply,
    TextMessage,
    TextReply,
    UnsupportedMessage,
)

WA_ID = "263771234567"
NOW = 1_767_000_000
IDLE_TTL = 300
HOME_BODY = "HOME SCREEN"
BAD_AMOUNT = "Amounts look like 12.50: digits, a dot, at most 2 decimals."
BAD_HANDLE = "A handle is 3-30 lowercase letters or digits."
_AMOUNT = re.compile(r"[0-9]{1,9}(\.[0-9]{1,2})?")
_HANDLE = re.compile(r"[a-z0-9]{3,30}")
_messages = itertools.count()


@dataclass
class FakeLedger:
    """Records every call; `items` is what `inbox` lists."""

    calls: list[tuple[str, dict]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)

    def pay(self, *, amount: str, handle: str) -> None:
        self.calls.append(("pay", {"amount": amount, "handle": handle}))

    def list_items(self) -> list[str]:
        self.calls.append(("list_items", {}))
        return list(self.items)

    @property
    def payments(self) -> list[dict]:
        return [args for name, args in self.calls if name == "pay"]


# --- pay: amount → handle → confirm -------------------------------------------------------------------------


def _ask_amount(state: ConversationState) -> ButtonsReply:
    return ButtonsReply(
        body="How much do you want to pay?",
        buttons=(Button(id=ids.cancel("pay", "amount"), title="Cancel"),),
    )


def _take_amount(turn: Turn, state: ConversationState) -> Result:
    if not _AMOUNT.fullmatch(turn.text) or not turn.text.strip("0."):  # digits only, and not zero
        return Reprompt(BAD_AMOUNT)
    return Goto("handle", data={"amount": turn.text})


def _ask_handle(state: ConversationState) -> TextReply:
    return TextReply(body=f"Pay {state.data['amount']} to whom? Type their handle.")


def _take_handle(turn: Turn, state: ConversationState) -> Result:
    handle = turn.text.lower()
    if not _HANDLE.fullmatch(handle):
        return Reprompt(BAD_HANDLE)
    return Goto("confirm", data={"handle": handle})


def _issue_nonce(turn: Turn, state: ConversationState) -> Mapping[str, Any]:
    return {"nonce": f"n{turn.now}x{len(state.history)}"}


def _show_confirm(state: ConversationState) -> ButtonsReply:
    return ButtonsReply(
        body=f"Pay {state.data['amount']} to {state.data['handle']}?",
        buttons=(
            Button(id=ids.make("pay", "confirm", "yes", state.data["nonce"]), title="Confirm"),
            Button(id=ids.back("pay", "confirm"), title="Back"),
            Button(id=ids.cancel("pay", "confirm"), title="Cancel"),
        ),
    )


def _execute(turn: Turn, state: ConversationState) -> Result:
    turn.ledger.pay(amount=state.data["amount"], handle=state.data["handle"])
    return Done(say=(f"Paid {state.data['amount']} to {state.data['handle']}.",))


class Pay(Flow):
    name = "pay"
    triggers = ("pay", ids.entry("pay"))
    entry_steps = ("amount", "confirm")
    steps = (
        Step("amount", prompt=_ask_amount, on_text=_take_amount, next=("handle",)),
        Step("handle", prompt=_ask_handle, on_text=_take_handle, next=("confirm",)),
        Step("confirm", prompt=_show_confirm, choices={"yes": _execute}, enter=_issue_nonce),
    )

    def intercept(self, turn: Turn, session: Mapping[str, Any]) -> Goto | None:
        """Shorthand-like: `5=>bob` jumps straight to the confirmation (never executes)."""
        match = re.fullmatch(r"([0-9]+)\s*=>\s*([a-z0-9]{3,30})", turn.text)
        if match is None:
            return None
        return Goto("confirm", data={"amount": match[1], "handle": match[2]})


# --- inbox: a list loaded on arrival ------------------------------------------------------------------------


def _load_items(turn: Turn, state: ConversationState) -> Mapping[str, Any] | Done:
    items = turn.ledger.list_items()
    if not items:
        return Done(say=("Nothing in your inbox.",))
    return {"items": items[:10]}


def _show_items(state: ConversationState) -> ListReply:
    rows = tuple(
        ListRow(id=ids.make("inbox", "items", "open", item), title=item) for item in state.data["items"]
    )
    return ListReply(body="Your inbox", button="Items", sections=(ListSection(title="Items", rows=rows),))


def _open_item(turn: Turn, state: ConversationState) -> Result:
    return Done(say=(f"Opened {turn.choice.arg if turn.choice else ''}.",))


class Inbox(Flow):
    name = "inbox"
    triggers = (ids.entry("inbox"),)
    steps = (Step("items", prompt=_show_items, enter=_load_items, choices={"open": _open_item}),)


class DemoHome(HomeScreen):
    """Home with entry rows into both demo flows and the greeting flag in the body."""

    def show(self, turn: Turn, session: Mapping[str, Any], *, greeting: bool) -> HomeView:
        rows = (ListRow(id=ids.entry("pay"), title="Pay"), ListRow(id=ids.entry("inbox"), title="Inbox"))
        body = HOME_BODY + (" (hello!)" if greeting else "")
        return HomeView(
            replies=(ListReply(body=body, button="Menu", sections=(ListSection(title="Menu", rows=rows),)),)
        )


def demo_registry(*extra: Flow) -> Registry:
    return Registry((Pay(), Inbox(), *extra), DemoHome())


# --- driving a conversation ---------------------------------------------------------------------------------


def text(body: str, *, ts: int = NOW) -> TextMessage:
    return TextMessage(wa_id=WA_ID, message_id=f"wamid.{next(_messages)}", timestamp=ts, body=body)


def tap(choice_id: str, *, ts: int = NOW) -> ChoiceMessage:
    return ChoiceMessage(
        wa_id=WA_ID, message_id=f"wamid.{next(_messages)}", timestamp=ts, choice_id=choice_id
    )


def unsupported(kind: str = "sticker", *, ts: int = NOW) -> UnsupportedMessage:
    return UnsupportedMessage(wa_id=WA_ID, message_id=f"wamid.{next(_messages)}", timestamp=ts, kind=kind)


def body_of(reply: Reply) -> str:
    return getattr(reply, "body", "")


def id_titled(replies: tuple[Reply, ...], title: str) -> str:
    """The id of the button or row called `title` on the last screen."""
    for reply in reversed(replies):
        for choice_id in screen_ids(reply):
            if _title_of(reply, choice_id) == title:
                return choice_id
    raise AssertionError(f"no button or row titled {title!r}")


def _title_of(reply: Reply, choice_id: str) -> str:
    if isinstance(reply, ButtonsReply):
        return next(b.title for b in reply.buttons if b.id == choice_id)
    assert isinstance(reply, ListReply)
    return next(r.title for s in reply.sections for r in s.rows if r.id == choice_id)


class Chat:
    """One member's conversation against a registry, with the state kept in its stored (JSON) form."""

    def __init__(self, registry: Registry | None = None, *, ledger: FakeLedger | None = None) -> None:
        self.registry = registry or demo_registry()
        self.ledger = ledger or FakeLedger()
        self.stored: str | None = None
        self.now = NOW
        self.last: Outcome | None = None

    @property
    def state(self) -> ConversationState | None:
        return from_json(self.stored) if self.stored is not None else None

    def send(self, event: InboundMessage) -> tuple[Reply, ...]:
        ctx = TurnContext(
            now=self.now, idle_ttl=IDLE_TTL, registry=self.registry, ports=Ports(ledger=self.ledger)
        )
        outcome = advance(self.state, event, ctx)
        assert outcome.replies, "silent turn"
        for reply in outcome.replies:
            render(reply, to=WA_ID)  # raises ReplyLimitError on any WhatsApp limit
        self.stored = to_json(outcome.state) if outcome.state is not None else None
        self.last = outcome
        return outcome.replies

    def say(self, body: str) -> tuple[Reply, ...]:
        return self.send(text(body, ts=self.now))

    def tap(self, choice_id: str) -> tuple[Reply, ...]:
        return self.send(tap(choice_id, ts=self.now))

    def at_confirm(self, amount: str = "12.50", handle: str = "bob") -> tuple[Reply, ...]:
        self.say("pay")
        self.say(amount)
        return self.say(handle)


def chat_at(step: str) -> Chat:
    """A conversation in the `pay` flow at `step` ("amount", "handle" or "confirm"), 12.50 to bob."""
    chat = Chat()
    script = {"amount": ["pay"], "handle": ["pay", "12.50"], "confirm": ["pay", "12.50", "bob"]}[step]
    for line in script:
        chat.say(line)
    assert chat.state.step == step
    return chat
