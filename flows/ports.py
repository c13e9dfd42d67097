"""The ports through which pure flows reach the outside world (pure Protocols, no Django/Redis/HTTP).

The orchestration (`flows.services`) builds a `Ports` bundle per turn and the engine hands it to every flow
handler as `turn.ports` (`turn.ledger` for short). Flow code depends only on these Protocols, so every flow is
testable with a small fake that records calls.

- `LedgerPort`: the MyCredex operations flows may call for the member of the turn; `flows.ledger` implements
  it over `credex_api` (reads through the guarded client, mutations through money instructions).
- `ConfirmationsPort`: single-use confirmation nonces for money and other sensitive steps;
  `flows.confirmations` implements it on the state Redis. `consume` returns a pure `ConsumeResult`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class LedgerPort(Protocol):
    """MyCredex operations for the member of this turn (`flows.ledger.MemberLedger` implements them).

    Reads return `credex_api.results` values; failures raise `credex_api.errors` (both pure modules).
    `execute` is the only way to change the ledger: it stores a money instruction, confirms it once and
    executes it once (`credex_api.instructions`); flows call it only after a consumed confirmation.
    """

    def login(self) -> Any:
        """The member and the accounts they may act for (`CredexNotFound`: not a member yet)."""
        ...

    def account_by_handle(self, *, handle: str) -> Any:
        """The account with this handle (`CredexNotFound` when there is none)."""
        ...

    def ledger_page(self, *, account_id: str, start_row: int, num_rows: int) -> Any:
        """A page of the account's accepted credexes."""
        ...

    def credex_detail(self, *, credex_id: str, account_id: str) -> Any:
        """One credex as seen from the account."""
        ...

    def execute(self, *, action: str, params: Mapping[str, Any]) -> Any:
        """Run one instruction (`credex_offer`, `credex_accept`, ...) exactly once; its typed result."""
        ...


class InstructionNotRun(Exception):  # noqa: N818 - the name flows catch
    """`LedgerPort.execute` found its instruction already confirmed or claimed: nothing more was sent.
    `told`: the true sentence about that instruction's outcome (`flows.outcomes`), when there is one."""

    def __init__(self, message: str, *, told: str | None = None) -> None:
        super().__init__(message)
        self.told = told


class MoneyRateLimited(Exception):  # noqa: N818 - the name flows catch
    """Too many money steps by this member just now: nothing was sent."""

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(f"money rate limited for {retry_after} s")
        self.retry_after = retry_after


class ServiceUnreachable(Exception):  # noqa: N818 - the name the orchestration catches
    """A service a money step needs (the money counter's cache Redis) cannot be reached: money fails closed,
    nothing was stored or sent, and the turn keeps its state and gives its confirmation back."""


class NoLedger:
    """The ledger port when none is wired in (pure tests): any use is a bug and fails loudly."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise RuntimeError(f"no ledger is configured for this turn (called {name})")

    def __repr__(self) -> str:
        return "NoLedger()"


class ConsumeStatus(Enum):
    """What a confirmation tap found. Only `OK` may lead to execution."""

    OK = "ok"  # the nonce was live, this member's, this action's: now consumed; `values` are what it bound
    USED = "used"  # already consumed (a repeated or concurrent tap): say so, execute nothing
    EXPIRED = "expired"  # expired, or never issued (indistinguishable by design): say so, execute nothing
    FOREIGN = "foreign"  # another member's or another action's nonce: execute nothing; it stays for its owner


@dataclass(frozen=True, slots=True)
class ConsumeResult:
    """The outcome of `ConfirmationsPort.consume`; `values` are set only when `status` is OK."""

    status: ConsumeStatus
    values: Mapping[str, Any] = field(default_factory=dict)
    instruction: str | None = None  # the pending instruction row the confirmation screen created

    @property
    def ok(self) -> bool:
        return self.status is ConsumeStatus.OK

    def matches(self, expected: Mapping[str, Any]) -> bool:
        """True only for an OK result whose bound values equal `expected` exactly (same keys, same values).

        The flow builds `expected` from the values it is about to execute (amount as a string, denomination,
        secured, due date, accounts...) and executes only when this is True, so a confirmation can never
        authorise anything other than what its screen restated.
        """
        return self.ok and _canonical(self.values) == _canonical(expected)


def _canonical(values: Mapping[str, Any]) -> str:
    return json.dumps(dict(values), sort_keys=True, separators=(",", ":"), allow_nan=False, default=repr)


@runtime_checkable
class ConfirmationsPort(Protocol):
    """Single-use, expiring confirmation nonces bound to a member, an action and the values shown."""

    def issue(
        self, *, wa_id: str, action: str, values: Mapping[str, Any], ttl_seconds: int | None = None
    ) -> str:
        """A fresh opaque nonce (fits a button id's argument) bound to `wa_id`, `action` and `values`."""
        ...

    def consume(self, *, nonce: str, wa_id: str, action: str) -> ConsumeResult:
        """Atomically use the nonce if it is live and is `wa_id`'s for `action` (see `ConsumeStatus`)."""
        ...


class NoConfirmations:
    """The default port when no store is wired in: any use is a bug and fails loudly (nothing executes)."""

    def issue(
        self, *, wa_id: str, action: str, values: Mapping[str, Any], ttl_seconds: int | None = None
    ) -> str:
        raise RuntimeError("no confirmation store is configured for this turn")

    def consume(self, *, nonce: str, wa_id: str, action: str) -> ConsumeResult:
        raise RuntimeError("no confirmation store is configured for this turn")

    def __repr__(self) -> str:
        return "NoConfirmations()"


@dataclass(frozen=True, slots=True)
class Ports:
    """Everything outside the engine that a flow may use during one turn."""

    ledger: LedgerPort = field(default_factory=NoLedger)
    confirmations: ConfirmationsPort = field(default_factory=NoConfirmations)
