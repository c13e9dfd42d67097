"""One deadline for every ledger wait of a turn: `with ledger_deadline(2.5): ...`.

A turn may make several ledger calls (a login, a read, a money action, the dashboard after it), and each may
wait: for a throttle slot, for a 429's `Retry-After`, for a retry's backoff, for another caller's login of
the same member. Each of those waits is bounded on its own, but their sum was not, so a member could be left
waiting far longer than the "busy, try again in a minute" answer takes. The flows layer opens one deadline
per turn (`flows.services.run_turn`); every wait in `credex_api` asks `fits(seconds)` first, and a wait that
would end past the deadline is not taken: the call gives up at once with `CredexBusy` (or the error it was
retrying), and nothing was slept.

A context variable, so it is per thread (and per asyncio task): concurrent turns in one worker process each
have their own. Outside a deadline (management commands, reconciliation, tests of the client) every wait is
allowed, bounded only by its own setting. Nested deadlines keep the earlier one.

The turn's ledger time as a whole: `ledger_deadline(wait, total=budget)` also bounds the
time every ledger call of the turn takes together, requests included (`time_left()`): the client caps each
attempt's connect and read timeouts at what is left of it (and of its own call budget), and sends nothing
when too little is left. A mutation whose capped timeout expires is `CredexOutcomeUnknown`, as any read
timeout after sending is, and is reconciled, never sent again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

MIN_ATTEMPT_SECONDS = 0.05  # less time than this left: an attempt is not sent at all

_deadline: ContextVar[float | None] = ContextVar("credex_ledger_deadline", default=None)
_total: ContextVar[float | None] = ContextVar("credex_ledger_total", default=None)


@contextmanager
def ledger_deadline(seconds: float, *, total: float | None = None) -> Iterator[None]:
    """Every ledger wait inside the block must end within `seconds` from now (or an outer deadline); with
    `total`, every ledger call inside it, requests included, within `total` seconds from now."""
    now = time.monotonic()
    wait_token = _deadline.set(_earlier(_deadline.get(), now + max(0.0, seconds)))
    total_token = _total.set(_earlier(_total.get(), None if total is None else now + max(0.0, total)))
    try:
        yield
    finally:
        _total.reset(total_token)
        _deadline.reset(wait_token)


def _earlier(outer: float | None, ends: float | None) -> float | None:
    return outer if ends is None else ends if outer is None else min(outer, ends)


def time_left() -> float | None:
    """Seconds left of the turn's whole ledger time (never below 0), or None when none was set."""
    ends = _total.get()
    return None if ends is None else max(0.0, ends - time.monotonic())


def remaining() -> float | None:
    """Seconds left before the deadline (never below 0), or None outside one."""
    ends = _deadline.get()
    return None if ends is None else max(0.0, ends - time.monotonic())


def fits(seconds: float) -> bool:
    """Whether a wait of `seconds` from now ends before the deadline (always, outside one)."""
    left = remaining()
    return left is None or seconds <= left


def time_for_call(budget_left: float) -> float:
    """Seconds a ledger call may still take: what is left of its own budget, or of the turn's ledger time
    when that is tighter."""
    turn = time_left()
    return budget_left if turn is None else min(budget_left, turn)
