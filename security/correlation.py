"""The correlation id of the work in progress (one webhook delivery, one inbox row), in a contextvar.

The webhook view binds the id it gives each delivery (`X-Correlation-Id`); processing binds the id stored on
each inbox row, so the worker's lines for a message carry the id of the delivery that brought it. The log
filter (`security.logfilter`) stamps `correlation_id` on every record from `current()`, and the audit log
records it. A contextvar is per thread (and per asyncio task), so concurrent requests never mix their ids;
`bound()` restores the previous value on exit, so a thread reused for the next request starts clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

MAX_LENGTH = 64
HEADER = "X-Correlation-Id"  # the response header that gives a delivery's id (the webhook sets it)

_current: ContextVar[str] = ContextVar("correlation_id", default="")


def current() -> str:
    """The bound correlation id, or "" outside any delivery."""
    return _current.get()


def bind(correlation_id: str) -> Token[str]:
    """Make `correlation_id` current (truncated to MAX_LENGTH); returns the token `unbind` takes."""
    return _current.set(str(correlation_id or "")[:MAX_LENGTH])


def unbind(token: Token[str]) -> None:
    """Restore the id that was current before the matching `bind`."""
    _current.reset(token)


@contextmanager
def bound(correlation_id: str) -> Iterator[str]:
    """`with bound(cid):` — the id is current inside the block and the previous one is restored after."""
    token = bind(correlation_id)
    try:
        yield current()
    finally:
        unbind(token)
