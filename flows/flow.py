"""How a flow is declared: steps, handler results, the turn a handler sees, the home hook (pure).

A flow is one class in one file under `flows/definitions/`::

    class Offer(Flow):
        name = "offer"
        triggers = ("offer", ids.entry("offer"))          # words and/or entry ids that start it
        steps = (
            Step("amount", prompt=ask_amount, on_text=take_amount, next=("confirm",)),
            Step("confirm", prompt=show_confirm, choices={"yes": execute}, enter=issue_nonce),
        )

- `prompt(state) -> Reply` is pure: the screen of the step, rendered from the state alone. The engine
  re-renders it to know which ids are on the current screen, so a tap is accepted only if the screen that
  the state describes offers exactly that id.
- Handlers `(turn, state) -> Result` answer typed text (`on_text`) or a tap (`choices[<choice>]`):
  `Goto(step, data=..., say=...)` moves on (to a step named in `next`, or stays on the same step),
  `Reprompt(reason)` keeps the step and everything entered and says why, `Done(say=...)` ends the flow and
  shows home. The choices `back`, `cancel` and `menu` are handled by the engine on every screen.
- `enter(turn, state) -> dict | Done` (optional) runs whenever a step is arrived at (start, goto, back):
  load what the screen shows (through `turn.ledger`), or end the flow (e.g. "no offers left").
- `menu = MenuEntry(order=..., title=..., ...)` (optional) puts the flow on home's menu (`flows.menu`).
- `Flow.start(turn, session, arg)` and `Flow.intercept(turn, session)` (free text claimed from any state,
  e.g. the shorthand) may begin at any step listed in `entry_steps`.

Declarations are checked by `flows.registry.Registry` (raising `InvalidFlowDefinition`) at import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from flows import ids
from flows.menu import MenuEntry
from flows.ports import LedgerPort, Ports
from flows.state import ConversationState
from flows.types import ChoiceMessage, InboundMessage, Reply, TextMessage

if TYPE_CHECKING:
    from flows.registry import Registry


class InvalidFlowDefinition(Exception):  # noqa: N818 - the name other modules and tests use
    """A flow declaration breaks a rule; raised at import so the process (and CI) refuses to start."""


class FlowError(RuntimeError):
    """A flow did something its declaration does not allow (a bug, reported as an apology by services)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnContext:
    """What the caller injects into one turn: the clock, the idle timeout, the flows and the ports."""

    now: int
    idle_ttl: int
    registry: Registry
    ports: Ports = field(default_factory=Ports)
    freshness_seconds: int = 300  # a money step from an older message is refused
    max_amount: Decimal = Decimal("1000000")  # the largest amount a member may type


@dataclass(frozen=True, slots=True)
class Turn:
    """One inbound message being handled, with its context; what every handler receives."""

    event: InboundMessage
    ctx: TurnContext

    @property
    def now(self) -> int:
        return self.ctx.now

    @property
    def ports(self) -> Ports:
        return self.ctx.ports

    @property
    def ledger(self) -> LedgerPort:
        return self.ctx.ports.ledger

    @property
    def wa_id(self) -> str:
        return self.event.wa_id

    @property
    def message_age(self) -> int:
        """Seconds between the member sending the message and this turn (for money freshness checks)."""
        return self.ctx.now - self.event.timestamp

    @property
    def text(self) -> str:
        """The typed text, stripped ("" for taps and unsupported messages)."""
        return self.event.body.strip() if isinstance(self.event, TextMessage) else ""

    @property
    def choice(self) -> ids.ChoiceId | None:
        """The tapped id, parsed (None for text, unsupported or malformed ids)."""
        return ids.parse(self.event.choice_id) if isinstance(self.event, ChoiceMessage) else None


# --- Handler results -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Goto:
    """Move to `step` (pushing the current step for `back`), merging `data`/`session`, after `say`."""

    step: str
    _: KW_ONLY
    data: Mapping[str, Any] = field(default_factory=dict)
    session: Mapping[str, Any] = field(default_factory=dict)
    say: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reprompt:
    """Stay on the step, keep what was entered (plus `data`), and show `reason` above the prompt."""

    reason: str
    _: KW_ONLY
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Done:
    """End the flow: its data is dropped, `session` merged, `say` shown, then home (unless `home=False`)."""

    say: tuple[str, ...] = ()
    session: Mapping[str, Any] = field(default_factory=dict)
    home: bool = True


Result = Goto | Reprompt | Done
Handler = Callable[[Turn, ConversationState], Result]
Prompt = Callable[[ConversationState], Reply]
Enter = Callable[[Turn, ConversationState], "Mapping[str, Any] | Done"]


@dataclass(frozen=True, slots=True)
class Step:
    """One screen of a flow: its prompt, what it accepts, and the steps it may go to."""

    name: str
    _: KW_ONLY
    prompt: Prompt
    on_text: Handler | None = None
    choices: Mapping[str, Handler] = field(default_factory=dict)
    next: tuple[str, ...] = ()
    enter: Enter | None = None


class Flow:
    """Base class of every flow (see the module docstring for how to declare one)."""

    name: ClassVar[str]
    triggers: ClassVar[tuple[str, ...]] = ()
    steps: ClassVar[tuple[Step, ...]] = ()
    entry_steps: ClassVar[tuple[str, ...]] = ()  # steps a flow may begin at; default: the first step
    menu: ClassVar[MenuEntry | None] = None  # its row on home's menu (`flows.menu`); None: not there

    @property
    def first_step(self) -> str:
        return self.steps[0].name

    @property
    def entries(self) -> tuple[str, ...]:
        return self.entry_steps or (self.first_step,)

    def step(self, name: str | None) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise FlowError(f"flow {self.name!r} has no step {name!r}")

    def start(self, turn: Turn, session: Mapping[str, Any], arg: str) -> Goto | Done:
        """How the flow begins when triggered.

        `arg` is the entry id's argument ("" for words). It comes from a tap, so it is untrusted: validate it.
        """
        return Goto(self.first_step)

    def intercept(self, turn: Turn, session: Mapping[str, Any]) -> Goto | None:
        """Claim free text from any state (e.g. the shorthand) by returning where to begin; default: never."""
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeView:
    """What home shows: its replies, and session values to merge (e.g. the member found at login)."""

    replies: tuple[Reply, ...]
    session: Mapping[str, Any] = field(default_factory=dict)


class HomeScreen:
    """The screen every flow returns to. Exactly one subclass lives in `flows/definitions/`."""

    def show(self, turn: Turn, session: Mapping[str, Any], *, greeting: bool) -> HomeView:
        """Home for this member; `greeting` is True for hi/hello/... (the place to log in afresh)."""
        raise NotImplementedError
