"""The ONE place where button and list-row ids are generated and parsed (pure).

Wire format: ``v1:<flow>:<step>:<choice>[:<arg>]``

- ``v1`` is the format version; any other prefix is refused (a future format gets its own prefix).
- ``flow``, ``step`` and ``choice`` are names: ``[a-z][a-z0-9_]{0,23}``.
- ``arg`` is optional, 1–120 of ``[A-Za-z0-9_.-]`` (an offer id, a page number, a date, an opaque nonce).
- The whole id is at most 198 characters, so every id fits a list row (≤ 200) and a reply button (≤ 256).

Parsing is strict: wrong version, wrong number of parts, an empty or oversized part, a character outside
the alphabet, leading/trailing spaces — all give ``None``, and the engine treats the tap as stale.

Entry ids (``v1:<flow>:entry:<choice>``) start a flow from any state (dashboard rows, the notification
quick reply); every other id only acts on the screen that showed it. The choices ``back``, ``cancel`` and
``menu`` are reserved: the engine handles them the same way on every screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "v1"
ENTRY_STEP = "entry"
BACK = "back"
CANCEL = "cancel"
MENU = "menu"
RESERVED_CHOICES = frozenset({BACK, CANCEL, MENU})
ROW_ID_MAX = 200
BUTTON_ID_MAX = 256

_NAME = re.compile(r"[a-z][a-z0-9_]{0,23}")
_ARG = re.compile(r"[A-Za-z0-9_.\-]{1,120}")


class InvalidChoiceIdError(ValueError):
    """A part given to `make` is not a valid name or argument (a bug in the calling flow)."""


@dataclass(frozen=True, slots=True)
class ChoiceId:
    """A parsed id: which flow and step showed it, which choice, and its optional argument."""

    flow: str
    step: str
    choice: str
    arg: str = ""

    @property
    def is_entry(self) -> bool:
        return self.step == ENTRY_STEP

    @property
    def without_arg(self) -> str:
        """The id with its argument removed (how entry triggers are matched)."""
        return make(self.flow, self.step, self.choice)

    def __str__(self) -> str:
        return make(self.flow, self.step, self.choice, self.arg)


def is_name(value: str) -> bool:
    """True when `value` can be a flow, step or choice name inside an id."""
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


def is_arg(value: str) -> bool:
    """True when `value` can be the argument of an id."""
    return isinstance(value, str) and _ARG.fullmatch(value) is not None


def make(flow: str, step: str, choice: str, arg: str = "") -> str:
    """Build an id; raises `InvalidChoiceIdError` when a part breaks the grammar (never truncates)."""
    for label, part in (("flow", flow), ("step", step), ("choice", choice)):
        if not is_name(part):
            raise InvalidChoiceIdError(f"{label} is not a valid id name: {part!r}")
    if arg and not is_arg(arg):
        raise InvalidChoiceIdError("arg must be 1-120 of [A-Za-z0-9_.-]")
    parts = [VERSION, flow, step, choice] + ([arg] if arg else [])
    return ":".join(parts)


def entry(flow: str, choice: str = "open", arg: str = "") -> str:
    """The id of a tap that starts `flow` from any state (a dashboard row, a quick reply)."""
    return make(flow, ENTRY_STEP, choice, arg)


def back(flow: str, step: str) -> str:
    """The id of a Back button on `flow`/`step` (handled by the engine: previous step)."""
    return make(flow, step, BACK)


def cancel(flow: str, step: str) -> str:
    """The id of a Cancel button on `flow`/`step` (handled by the engine: abandon, nothing executes)."""
    return make(flow, step, CANCEL)


def menu(flow: str, step: str) -> str:
    """The id of a Menu button on `flow`/`step` (handled by the engine: leave the flow, show home)."""
    return make(flow, step, MENU)


def parse(raw: object) -> ChoiceId | None:
    """The parsed id, or None when `raw` is not exactly a valid id of the current version."""
    if not isinstance(raw, str) or len(raw) > ROW_ID_MAX:
        return None
    parts = raw.split(":")
    if len(parts) not in (4, 5) or parts[0] != VERSION:
        return None
    flow, step, choice = parts[1:4]
    arg = parts[4] if len(parts) == 5 else ""
    if not (is_name(flow) and is_name(step) and is_name(choice)):
        return None
    if len(parts) == 5 and not is_arg(arg):
        return None
    return ChoiceId(flow, step, choice, arg)
