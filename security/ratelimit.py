"""Atomic fixed-window counters on the cache Redis: the one rate-limit primitive of the WhatsApp side.

`hit(name, subject, limit=, window_seconds=)` counts one event for `subject` in the current window with a
single Lua script (INCR, and PEXPIRE when the counter has no expiry yet), so concurrent callers in any
number of processes can never overshoot, and answers whether this event is within the limit and how long
until the window ends. `give_back(name, subject)` undoes one counted event (a reservation that turned out
not to count: `bot.notify_guard` reserves a guess before comparing a key, and gives it back when the key is
right). Subjects become key names only as keyed hashes (`security.keyed_hash`, purpose "ratelimit"): no
phone number, API key or address appears in Redis. A Redis failure raises `LimiterDown`; the caller decides
whether to fail open (plain chat) or closed (money, notify). Django's admin login uses django-ratelimit
instead (it needs the request); both are atomic on the same cache Redis. A member's counters and flags,
whatever their name, are registered in `security.member_redis` (found by the fingerprint ending the key).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import caches

from security import member_redis
from security.keyed_hash import keyed_hash

# KEYS: counter. ARGV: window in ms. → {count in this window, ms left in the window}.
_HIT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""
# KEYS: counter. Takes one event back; never creates the counter (a window that ended stays ended).
_GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return 0
"""
FINGERPRINT_HEX_DIGITS = 32


class LimiterDown(Exception):  # noqa: N818 - the name callers catch
    """The counter store (cache Redis) cannot count right now."""


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # whole seconds until the window ends


def fingerprint(subject: str) -> str:
    """A stable, non-reversible name for a subject (a keyed hash): safe in Redis key names."""
    return keyed_hash(subject, purpose="ratelimit", digits=FINGERPRINT_HEX_DIGITS)


def counter_key(name: str, subject: str) -> str:
    return f"{settings.REDIS_KEY_PREFIX}:ratelimit:{name}:{fingerprint(subject)}"


def hit(name: str, subject: str, *, limit: int, window_seconds: int) -> Verdict:
    """Count one event of `subject` under `name`; `LimiterDown` when the cache Redis fails."""
    try:
        client = caches["default"].client.get_client(write=True)
        count, ttl_ms = client.register_script(_HIT)(
            keys=[counter_key(name, subject)], args=[window_seconds * 1000]
        )
    except redis.RedisError as exc:
        raise LimiterDown(type(exc).__name__) from exc
    return Verdict(int(count) <= limit, int(count), max(1, math.ceil(int(ttl_ms) / 1000)))


def give_back(name: str, subject: str) -> None:
    """Undo one event counted by `hit` in the current window; `LimiterDown` when the cache Redis fails."""
    try:
        client = caches["default"].client.get_client(write=True)
        client.register_script(_GIVE_BACK)(keys=[counter_key(name, subject)])
    except redis.RedisError as exc:
        raise LimiterDown(type(exc).__name__) from exc


def first_time(name: str, subject: str, *, window_seconds: int) -> bool:
    """True once per window for `subject` (SET NX EX): e.g. one "slow down" notice, then silence."""
    try:
        client = caches["default"].client.get_client(write=True)
        return bool(client.set(counter_key(name, subject), "1", nx=True, ex=window_seconds))
    except redis.RedisError as exc:
        raise LimiterDown(type(exc).__name__) from exc


def over_limit(name: str, limit: int | None = None) -> list[tuple[str, int, int]]:
    """Subjects of counter `name` now blocked, as (short fingerprint, count, seconds left), for ops pages.

    With `limit`: counters above it; without: every flag present (e.g. the once-per-window notices). The
    fingerprints are HMACs, so the page names no number or key; a SCAN, fine for an ops page."""
    client = caches["default"].client.get_client(write=True)
    prefix = f"{settings.REDIS_KEY_PREFIX}:ratelimit:{name}:"
    found = []
    try:
        for key in client.scan_iter(match=prefix + "*", count=500):
            count = int(client.get(key) or 0) if limit is not None else 1
            if limit is None or count > limit:
                found.append((key.decode()[len(prefix) :][:12], count, max(0, int(client.ttl(key)))))
    except redis.RedisError as exc:
        raise LimiterDown(type(exc).__name__) from exc
    return sorted(found, key=lambda item: -item[2])


def member_counters(conn: redis.Redis, wa_id: str) -> list[bytes]:
    """Every counter and flag of `wa_id`, whatever its name (a SCAN, for GDPR export and erasure)."""
    return [key for batch in member_redis.scan(conn, counter_key("*", wa_id)) for key in batch]


member_redis.register(
    member_redis.MemberData(
        "rate_limits", member_redis.CACHE, "message and money counters, the member flag", __name__,
        find=member_counters,
    )
)  # fmt: skip
