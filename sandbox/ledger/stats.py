"""Request counters of the sandbox process, read through `/devadmin/stats` (e.g. "how many logins").

Every request that reaches a contract route is counted when it arrives (`requests`) and when it is
answered (`responses`, by status). The server runs one worker process; a lock keeps the counts exact
under its threads. `/devadmin/reset` clears them.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict

_lock = threading.Lock()
_requests: Counter[str] = Counter()
_responses: defaultdict[str, Counter[int]] = defaultdict(Counter)


def count_request(route: str) -> None:
    """A request for `route` arrived."""
    with _lock:
        _requests[route] += 1


def count_response(route: str, status: int) -> None:
    """A request for `route` was answered with `status`."""
    with _lock:
        _responses[route][status] += 1


def snapshot() -> dict:
    """`{requests: {route: n}, responses: {route: {status: n}}}`."""
    with _lock:
        return {
            "requests": dict(_requests),
            "responses": {
                route: {str(s): n for s, n in counts.items()} for route, counts in _responses.items()
            },
        }


def clear() -> None:
    """Forget every count."""
    with _lock:
        _requests.clear()
        _responses.clear()
