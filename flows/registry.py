"""The registry of flows: the one routing table of trigger words and entry ids, checked at import (pure).

`Registry(flows, home)` raises `InvalidFlowDefinition` unless: flow names are valid and unique, triggers
are unique across flows and never an engine word (a trigger is a normalised word or the flow's own
`ids.entry(name)`), step names are valid and unique (`entry` is reserved), choice names are valid and not
reserved (`back`, `cancel`, `menu`), every `next` and entry step exists, and every step is reachable from an
entry step; and the flows' home-menu declarations (`flows.menu.check_menu`: order, slot, tiers).
`flows.definitions` builds the process-wide registry; tests build their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flows import ids
from flows.flow import Flow, FlowError, HomeScreen, InvalidFlowDefinition, Step
from flows.menu import MenuEntry, MenuError, check_menu, rows
from flows.types import ListRow
from flows.words import ENGINE_WORDS, normalize


class Registry:
    """The checked set of flows and the home screen, with the one routing table of words and entry ids."""

    def __init__(self, flows: Iterable[Flow], home: HomeScreen) -> None:
        if not isinstance(home, HomeScreen):
            raise InvalidFlowDefinition("home must be a HomeScreen instance")
        self.home = home
        self.flows: dict[str, Flow] = {}
        self.routes: dict[str, Flow] = {}  # trigger word or entry id → flow
        for flow in flows:
            self._add(flow)
        try:
            self.menu: tuple[tuple[str, MenuEntry], ...] = check_menu(self.flows.values())
        except MenuError as exc:
            raise InvalidFlowDefinition(str(exc)) from exc
        self.interceptors = tuple(
            flow for flow in self.flows.values() if type(flow).intercept is not Flow.intercept
        )

    def flow(self, name: str | None) -> Flow:
        if name not in self.flows:
            raise FlowError(f"no flow named {name!r}")
        return self.flows[name]

    def menu_rows(self, login: Any, account: Any) -> tuple[ListRow, ...]:
        """Home's menu for this member (`LoginResult`) on this `Account`: the rows the flows declared."""
        return rows(self.menu, login, account)

    def route(self, trigger: str) -> Flow | None:
        """The flow a normalised word or an entry id (without its argument) starts, if any."""
        return self.routes.get(trigger)

    def _add(self, flow: Flow) -> None:
        if not isinstance(flow, Flow):
            raise InvalidFlowDefinition(f"{flow!r} is not a Flow instance")
        name = getattr(flow, "name", None)
        if not isinstance(name, str) or not ids.is_name(name):
            raise InvalidFlowDefinition(f"{type(flow).__name__}: name must match [a-z][a-z0-9_]{{0,23}}")
        if name in self.flows:
            raise InvalidFlowDefinition(f"duplicate flow name {name!r}")
        check_steps(flow)
        for trigger in flow.triggers:
            check_trigger(flow, trigger)
            if trigger in self.routes:
                other = self.routes[trigger].name
                raise InvalidFlowDefinition(f"trigger {trigger!r} of {name!r} is already used by {other!r}")
            self.routes[trigger] = flow
        self.flows[name] = flow


def check_trigger(flow: Flow, trigger: str) -> None:
    """A trigger is a normalised word that is not an engine word, or an entry id of this very flow."""
    if not isinstance(trigger, str) or not trigger:
        raise InvalidFlowDefinition(f"{flow.name}: empty or non-text trigger")
    parsed = ids.parse(trigger)
    if parsed is not None:
        if not parsed.is_entry or parsed.flow != flow.name or parsed.arg:
            expected = ids.entry(flow.name)
            raise InvalidFlowDefinition(f"{flow.name}: trigger id {trigger!r} must be {expected!r}")
        return
    if normalize(trigger) != trigger:
        raise InvalidFlowDefinition(f"{flow.name}: trigger word {trigger!r} is not in normalised form")
    if trigger in ENGINE_WORDS:
        raise InvalidFlowDefinition(f"{flow.name}: trigger {trigger!r} is an engine word")


def check_steps(flow: Flow) -> None:
    """Step names valid and unique; every next/entry step exists; every step reachable from an entry."""
    steps = flow.steps
    if not steps or not all(isinstance(step, Step) for step in steps):
        raise InvalidFlowDefinition(f"{flow.name}: steps must be a non-empty tuple of Step")
    names = [step.name for step in steps]
    for step in steps:
        _check_step(flow, step)
    if len(set(names)) != len(names):
        raise InvalidFlowDefinition(f"{flow.name}: duplicate step names")
    for step in steps:
        for target in step.next:
            if target not in names:
                raise InvalidFlowDefinition(f"{flow.name}.{step.name}: next step {target!r} does not exist")
    for entry in flow.entries:
        if entry not in names:
            raise InvalidFlowDefinition(f"{flow.name}: entry step {entry!r} does not exist")
    unreachable = set(names) - _reachable(flow)
    if unreachable:
        raise InvalidFlowDefinition(f"{flow.name}: unreachable steps {sorted(unreachable)}")


def _check_step(flow: Flow, step: Step) -> None:
    where = f"{flow.name}.{step.name}"
    if not ids.is_name(step.name) or step.name == ids.ENTRY_STEP:
        raise InvalidFlowDefinition(f"{where}: invalid step name (and {ids.ENTRY_STEP!r} is reserved)")
    if not callable(step.prompt):
        raise InvalidFlowDefinition(f"{where}: prompt must be callable")
    for choice, handler in step.choices.items():
        if not ids.is_name(choice) or choice in ids.RESERVED_CHOICES:
            raise InvalidFlowDefinition(f"{where}: invalid or reserved choice name {choice!r}")
        if not callable(handler):
            raise InvalidFlowDefinition(f"{where}: handler of {choice!r} is not callable")
    if step.on_text is not None and not callable(step.on_text):
        raise InvalidFlowDefinition(f"{where}: on_text must be callable")


def _reachable(flow: Flow) -> set[str]:
    edges = {step.name: step.next for step in flow.steps}
    seen: set[str] = set()
    pending = list(flow.entries)
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(edges.get(name, ()))
    return seen
