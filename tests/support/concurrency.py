"""`run_together(target, arguments)`: one thread per argument tuple, all released at once by a barrier.

The race tests' common shape: N threads wait on one `threading.Barrier`, then call `target` together; each
thread closes its own database connection afterwards (a thread's Django connection outlives it otherwise,
and PostgreSQL's test database could then not be dropped). Exceptions raised in the threads are returned,
as `repr` strings, for the test to assert on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections


def run_together(
    target: Callable[..., Any], arguments: Sequence[tuple], *, timeout: float = 30.0
) -> list[str]:
    """Call `target(*args)` for every `args` in its own thread, all at once; the errors raised, if any."""
    barrier = threading.Barrier(len(arguments))
    errors: list[str] = []

    def run(args: tuple) -> None:
        try:
            barrier.wait(timeout=timeout)
            target(*args)
        except Exception as exc:  # handed to the test's assertion
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(args,)) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout * 2)
    return errors
