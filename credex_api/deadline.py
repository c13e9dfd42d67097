"""One deadline for every ledger wait of a turn (issue 19, scope 5): `with ledger_deadline(2.5): ...`.

A turn may make several ledger calls (a login, a read, a money action, the dashboard after it), and each may
wait: for a throttle slot, for a 429's `Retry-After`, for a retry's backoff, for another caller's login of
the same member. Each of those waits is bounded on its own, but their sum was not, so a member could be left
waiting far longer than the "busy, try again in a minute" answer takes. The flows layer opens one deadline
per turn (`flows.services.run_turn`); every wait in `credex_api` asks `fits(seconds)` first, and a wait that
would end past the deadline is not taken: the call gives up at once with `CredexBusy` (or the error it was
retrying), and nothing was slept.

A context variable, so it is per thread (and per asyncio task): concurrent turns in one worker process each
have their own. Outside a deadline (management commands, reconciliation, tests of the client) every wait is
allowed, bounded only by its own setting. Nested deadlines keep the earlier one. Only waits are bounded: a
request already sent keeps its own connect/read timeouts (cutting a money call short would leave its outcome
unknown).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("credex_ledger_deadline", default=None)


@contextmanager
def ledger_deadline(seconds: float) -> Iterator[None]:
    """Every ledger wait inside the block must end within `seconds` from now (or an outer deadline)."""
    ends = time.monotonic() + max(0.0, seconds)
    outer = _deadline.get()
    token = _deadline.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left before the deadline (never below 0), or None outside one."""
    ends = _deadline.get()
    return None if ends is None else max(0.0, ends - time.monotonic())


def fits(seconds: float) -> bool:
    """Whether a wait of `seconds` from now ends before the deadline (always, outside one)."""
    left = remaining()
    return left is None or seconds <= left
