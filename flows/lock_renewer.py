"""The member locks' watchdog (`flows.store.member_lock`): one thread per process extends every held
lock every third of its TTL while its turn runs, so a short TTL (seconds) covers a turn of any length and a
dead holder's lock expires within the TTL. Most turns end before the first renewal, so a turn costs an entry
in a dict rather than a thread of its own (a thread per lock cost a clear share of the turns/s).
"""

from __future__ import annotations

import logging
import threading
import time

import redis

logger = logging.getLogger(__name__)

# KEYS: lock. ARGV: token, lock TTL ms. Extends the lock only if this holder still owns it (1), else 0.
_RENEW_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class _Renewer:
    """One watchdog thread per process for every held member lock: each lock is extended every third of its
    TTL while held (most turns end before the first renewal, so a turn costs a dict entry, not a thread)."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[redis.Redis, str, int, float]] = {}  # token → (conn, key, ttl, due)
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def hold(self, token: str, conn: redis.Redis, key: str, ttl_ms: int) -> None:
        with self._guard:
            self._held[token] = (conn, key, ttl_ms, time.monotonic() + ttl_ms / 3000)
            if self._thread is None or not self._thread.is_alive():  # first use, or after a fork
                self._thread = threading.Thread(target=self._run, name="lock-renewer", daemon=True)
                self._thread.start()

    def release(self, token: str) -> None:
        with self._guard:
            self._held.pop(token, None)

    def _run(self) -> None:
        while True:
            time.sleep(RENEW_TICK_SECONDS)
            now = time.monotonic()
            with self._guard:
                due = [(token, held) for token, held in self._held.items() if held[3] <= now]
            for token, (conn, key, ttl_ms, _due) in due:
                self._renew(token, conn, key, ttl_ms)

    def _renew(self, token: str, conn: redis.Redis, key: str, ttl_ms: int) -> None:
        try:
            ours = int(conn.register_script(_RENEW_LUA)(keys=[key], args=[token, ttl_ms]))
        except redis.RedisError as exc:  # the state Redis is away: try again next tick
            logger.warning("could not renew a member lock (%s)", type(exc).__name__)
            return
        with self._guard:
            if not ours:
                logger.warning("a member lock expired under its holder; its saves are refused")
                self._held.pop(token, None)
            elif token in self._held:
                self._held[token] = (conn, key, ttl_ms, time.monotonic() + ttl_ms / 3000)


RENEW_TICK_SECONDS = 0.1
RENEWER = _Renewer()
