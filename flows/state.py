"""One member's conversation state and its compact JSON form (pure).

`ConversationState` is what the store keeps on the state Redis between turns:

- `flow` / `step`: where the member is (both None when no flow is in progress);
- `data`: what the current flow collected so far — JSON primitives only (str, int, bool, None, and lists or
  string-keyed dicts of them; lists, not tuples, so a value reads back equal). Amounts are strings, never
  floats: a float (or Decimal, tuple, object) anywhere raises `StateDataError`;
- `history`: the steps visited before the current one, for `back` (capped at `HISTORY_MAX`);
- `session`: member-level values that outlive one flow but not the idle timeout (e.g. the active account);
- `version`: the compare-and-set counter, bumped by the store on every save;
- `updated_at`: unix seconds of the last turn (the engine judges idle expiry by it, with an injected clock).

`lapsed` is never stored: the store sets it on the small placeholder it returns when the state itself expired
but its durable marker remains, so the engine can say "your session timed out" instead of resuming.

Wire form (short keys keep a realistic state well under 2 KB):
``{"s":1,"v":3,"t":1767000000,"f":"offer","p":"amount","d":{...},"h":["..."],"m":{...}}``
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SCHEMA = 1
HISTORY_MAX = 12
_SCALARS = (str, int, bool, type(None))


class StateDataError(TypeError):
    """State data holds something that is not a JSON primitive (a float, a Decimal, an object...)."""


class StateFormatError(ValueError):
    """Stored state that cannot be read back (corrupt, or written by an unknown schema)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationState:
    """Where one member is in the conversation (immutable: the engine returns new states)."""

    flow: str | None = None
    step: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    session: Mapping[str, Any] = field(default_factory=dict)
    version: int = 0
    updated_at: int = 0
    lapsed: bool = False

    @property
    def in_flow(self) -> bool:
        return self.flow is not None


def check_primitives(value: Any, *, where: str = "data") -> None:
    """Raise `StateDataError` unless `value` is made only of JSON primitives (no float, no Decimal)."""
    if isinstance(value, float) or not isinstance(value, (*_SCALARS, list, dict)):
        raise StateDataError(f"{where}: {type(value).__name__} is not allowed (amounts are strings)")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise StateDataError(f"{where}: keys must be strings")
            check_primitives(item, where=f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_primitives(item, where=f"{where}[{index}]")


def to_json(state: ConversationState) -> str:
    """The compact stored form of `state` (raises `StateDataError` for non-primitive data)."""
    check_primitives(dict(state.data), where="data")
    check_primitives(dict(state.session), where="session")
    document: dict[str, Any] = {"s": SCHEMA, "v": state.version, "t": state.updated_at}
    if state.flow is not None:
        document.update(f=state.flow, p=state.step)
    if state.data:
        document["d"] = dict(state.data)
    if state.history:
        document["h"] = list(state.history)
    if state.session:
        document["m"] = dict(state.session)
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def from_json(raw: str | bytes) -> ConversationState:
    """Read a stored state back; raises `StateFormatError` for anything that is not our current schema."""
    try:
        document = json.loads(raw, parse_float=_refuse_float, parse_constant=_refuse_float)
    except (ValueError, StateDataError) as exc:
        raise StateFormatError("stored state is not valid JSON of primitives") from exc
    if not isinstance(document, dict) or document.get("s") != SCHEMA:
        raise StateFormatError("stored state has an unknown schema")
    try:
        return ConversationState(
            flow=_optional_str(document.get("f")),
            step=_optional_str(document.get("p")),
            data=_mapping(document.get("d", {})),
            history=tuple(_str(item) for item in document.get("h", [])),
            session=_mapping(document.get("m", {})),
            version=_int(document["v"]),
            updated_at=_int(document["t"]),
        )
    except (KeyError, TypeError) as exc:
        raise StateFormatError("stored state is missing or mistypes a field") from exc


def _refuse_float(text: str) -> Any:
    raise StateDataError(f"float in stored state: {text[:8]}")


def _optional_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("expected an object")
    return value
