"""The per-client rate limiter: fixed 60-second windows, like `express-rate-limit` in the real service.

The key is the client's IP address (the real limiter is effectively per IP: behind one egress address
every user shares a bucket). Over the limit the answer is a plain-text 429 with `Retry-After` (seconds to
the end of the window). The limit is `rateLimitPerMinute` of the runtime config; 0 disables limiting.
"""

from __future__ import annotations

import math
import threading
import time

from sandbox.ledger import runtime

WINDOW_SECONDS = 60.0

_lock = threading.Lock()
_windows: dict[str, tuple[float, int]] = {}  # client → (window start, requests in it)


def hit(client: str, now: float | None = None) -> int | None:
    """Count one request; None when allowed, else the seconds to wait before retrying."""
    limit = runtime.current().rate_limit_per_minute
    if limit <= 0:
        return None
    moment = time.monotonic() if now is None else now
    with _lock:
        start, count = _windows.get(client, (moment, 0))
        if moment - start >= WINDOW_SECONDS:
            start, count = moment, 0
        count += 1
        _windows[client] = (start, count)
    if count <= limit:
        return None
    return max(1, math.ceil(start + WINDOW_SECONDS - moment))


def clear() -> None:
    """Forget every window (reset, or a new limit)."""
    with _lock:
        _windows.clear()
