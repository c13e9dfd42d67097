"""The ports through which pure flows reach the outside world (pure Protocols, no Django/Redis/HTTP).

The orchestration (`flows.services`) builds a `Ports` bundle per turn and the engine hands it to every flow
handler as `turn.ports` (`turn.ledger` for short). Flow code depends only on these Protocols, so every flow is
testable with a small fake that records calls.

- `LedgerPort`: the MyCredex operations flows may call. Deliberately empty for now; the ledger client (a later
  issue) adds keyword-only methods here (`member_login`, `credex_offer`, ...) and `credex_api` satisfies them.
- `Clock`: a source of "now" in unix seconds, for the caller that builds the turn (the engine itself only
  sees the `now` integer it is given).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@runtime_checkable
class LedgerPort(Protocol):
    """MyCredex operations available to flows. Methods are added with the ledger client."""


class NoLedger:
    """The ledger port used until the ledger client exists: it offers no operations."""

    def __repr__(self) -> str:
        return "NoLedger()"


class Clock(Protocol):
    """Wall-clock time in whole unix seconds."""

    def __call__(self) -> int: ...


def system_clock() -> int:
    """The real clock (`Clock`)."""
    return int(time.time())


@dataclass(frozen=True, slots=True)
class Ports:
    """Everything outside the engine that a flow may use during one turn."""

    ledger: LedgerPort = field(default_factory=NoLedger)
