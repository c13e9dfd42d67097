"""The home menu, built from the flows' own declarations (pure).

A flow that belongs on home's menu declares where and for whom, on its class::

    menu = MenuEntry(order=40, title="Ledger", description="Your accepted credex")
    menu = MenuEntry(order=80, title="Upgrade tier", description="No daily limit", max_tier=2)

`order` places the row (unique across flows), `min_tier` / `max_tier` bound the member tiers that see it,
`when(login, account)` hides it where it makes no sense (one account: no *Switch account*), and `title` /
`description` may be functions of `(login, account)` for live counts. `check_menu` (run by
`flows.registry.Registry` at import) refuses a bad order, a slot taken twice, an unknown tier, a label that is
neither text nor a function, more rows than a WhatsApp list holds, or a flow its own row id cannot start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flows import ids
from flows.types import ListRow

if TYPE_CHECKING:
    from credex_api.results import Account, LoginResult

TIERS = (1, 2, 3, 4, 5)  # the ledger's member tiers (Open … Entrepreneur)
MAX_ROWS = 10  # a WhatsApp list message holds at most 10 rows
Label = str | Callable[["LoginResult", "Account"], str]


class MenuError(ValueError):
    """A menu declaration that cannot be placed (the registry re-raises it as `InvalidFlowDefinition`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MenuEntry:
    """Where a flow appears on home's menu, and for whom (see the module docstring)."""

    order: int
    title: Label
    description: Label
    min_tier: int | None = None
    max_tier: int | None = None
    when: Callable[[LoginResult, Account], bool] | None = None

    def shown(self, login: LoginResult, account: Account) -> bool:
        tier = login.member.tier
        if self.min_tier is not None and tier < self.min_tier:
            return False
        if self.max_tier is not None and tier > self.max_tier:
            return False
        return self.when is None or bool(self.when(login, account))

    def row(self, flow: str, login: LoginResult, account: Account) -> ListRow:
        return ListRow(id=ids.entry(flow), title=_text(self.title, login, account),
                       description=_text(self.description, login, account))  # fmt: skip


def _text(label: Label, login: LoginResult, account: Account) -> str:
    return label(login, account) if callable(label) else label


def check_menu(flows: Iterable[Any]) -> tuple[tuple[str, MenuEntry], ...]:
    """The menu as (flow name, entry) in order; `MenuError` naming the flow for a bad declaration."""
    slots: dict[int, str] = {}
    menu = []
    for flow in flows:
        entry = getattr(flow, "menu", None)
        if entry is None:
            continue
        _check_entry(flow, entry)
        if entry.order in slots:
            raise MenuError(f"{flow.name}: menu slot {entry.order} is already {slots[entry.order]!r}'s")
        slots[entry.order] = flow.name
        menu.append((flow.name, entry))
    if len(menu) > MAX_ROWS:
        raise MenuError(f"{len(menu)} flows on the home menu; a WhatsApp list holds {MAX_ROWS}")
    return tuple(sorted(menu, key=lambda item: item[1].order))


def _check_entry(flow: Any, entry: Any) -> None:
    name = flow.name
    if not isinstance(entry, MenuEntry):
        raise MenuError(f"{name}: menu must be a MenuEntry")
    if isinstance(entry.order, bool) or not isinstance(entry.order, int) or entry.order < 1:
        raise MenuError(f"{name}: menu order must be a positive int, not {entry.order!r}")
    for bound in (entry.min_tier, entry.max_tier):
        if bound is not None and (isinstance(bound, bool) or bound not in TIERS):
            raise MenuError(f"{name}: unknown tier {bound!r} (tiers are {TIERS})")
    if None not in (entry.min_tier, entry.max_tier) and entry.min_tier > entry.max_tier:
        raise MenuError(f"{name}: min_tier {entry.min_tier} is above max_tier {entry.max_tier}")
    for label in (entry.title, entry.description):
        if not callable(label) and not (isinstance(label, str) and label):
            raise MenuError(f"{name}: menu title and description must be text or functions")
    if entry.when is not None and not callable(entry.when):
        raise MenuError(f"{name}: menu condition must be a function")
    if ids.entry(name) not in flow.triggers:
        raise MenuError(f"{name}: a menu row taps {ids.entry(name)!r}, which must be one of its triggers")


def rows(menu: Iterable[tuple[str, MenuEntry]], login: LoginResult, account: Account) -> tuple[ListRow, ...]:
    """The rows of `menu` this member sees on this account."""
    return tuple(entry.row(flow, login, account) for flow, entry in menu if entry.shown(login, account))
