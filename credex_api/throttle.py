"""Client-side throttle in front of the ledger: one token bucket shared by every process (RL-6).

The ledger limits per IP address, so every member behind the bot's one egress address shares its bucket
(contract §4.1); this throttle keeps us under it instead of discovering the limit through 429s. It is a
GCRA token bucket (`per_minute` sustained, `burst` at once) in one Lua script on the cache Redis, using
Redis's own clock so every process agrees. A caller waits for its slot up to `max_wait` seconds, else gets
`CredexBusy(retry_after=...)` at once — nothing is sent. `per_minute = 0` switches it off. If the cache
Redis fails the throttle lets the call through (logged at most once a minute); the ledger's 429 remains.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis

from credex_api.errors import CredexBusy

logger = logging.getLogger(__name__)
REDIS_WARNING_EVERY_SECONDS = 60.0

# KEYS: bucket. ARGV: emission interval ms, burst tolerance ms. → 0 (go) or ms to wait.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat - tonumber(ARGV[2])
if now < allow_at then return allow_at - now end
local new_tat = tat + tonumber(ARGV[1])
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', new_tat - now + 1000)
return 0
"""


class Throttle:
    """`acquire()` blocks (bounded) until the shared bucket has a slot for one ledger request."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        per_minute: int,
        burst: int,
        max_wait: float,
        key_prefix: str = "vp",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_minute = per_minute
        self._interval_ms = 60_000 // per_minute if per_minute > 0 else 0
        self._tolerance_ms = self._interval_ms * max(0, burst - 1)
        self._max_wait = max_wait
        self._key = f"{key_prefix}:credex:throttle"
        self._take = client.register_script(_TAKE)
        self._sleep = sleep
        self._warned_at = float("-inf")

    def acquire(self) -> None:
        """Return when a request may be sent; `CredexBusy` when that would take longer than `max_wait`."""
        if self.per_minute <= 0:
            return
        waited = 0.0
        while True:
            wait = self._wait_seconds()
            if wait <= 0:
                return
            if waited + wait > self._max_wait:
                raise CredexBusy("too many ledger requests right now", retry_after=wait)
            self._sleep(wait)
            waited += wait

    def _wait_seconds(self) -> float:
        try:
            wait_ms = self._take(keys=[self._key], args=[self._interval_ms, self._tolerance_ms])
        except redis.RedisError:
            now = time.monotonic()
            if now - self._warned_at >= REDIS_WARNING_EVERY_SECONDS:
                self._warned_at = now
                logger.warning("credex throttle: cache Redis failed; letting the call through")
            return 0.0
        return int(wait_ms) / 1000
