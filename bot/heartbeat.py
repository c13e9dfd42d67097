"""The worker's heartbeat on the state Redis: proof that a worker is going round its loop.

Each pass of `run_worker`'s loop that got through a cycle calls `beat(conn, consumer)` (at most one write a
second): the consumer's name goes into the sorted set `<REDIS_KEY_PREFIX>:worker:beats` with the wall-clock
time as its score, names older than `WORKER_HEARTBEAT_MAX_AGE_SECONDS` are dropped, and the whole key expires
after that age too, so a stack whose workers all died shows no beat at all. Readiness
(`bot.readiness`) asks `newest_age()`; the worker container's health check (`deploy/healthcheck.py
heartbeat`, no Django) reads the same key for its own host's consumers.
"""

from __future__ import annotations

import time

import redis
from django.conf import settings

BEAT_EVERY_SECONDS = 1.0
_last_beat = {"at": float("-inf")}  # monotonic time of this process's last beat


def beats_key() -> str:
    return f"{settings.REDIS_KEY_PREFIX}:worker:beats"


def beat(conn: redis.Redis, consumer: str) -> None:
    """Record that `consumer` is alive now (skipped when it beat less than a second ago)."""
    if time.monotonic() - _last_beat["at"] < BEAT_EVERY_SECONDS:
        return
    now, max_age = time.time(), settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS
    pipe = conn.pipeline(transaction=False)
    pipe.zadd(beats_key(), {consumer: now})
    pipe.zremrangebyscore(beats_key(), "-inf", now - max_age)
    pipe.expire(beats_key(), max(1, int(max_age)))
    pipe.execute()
    _last_beat["at"] = time.monotonic()


def newest_age(conn: redis.Redis) -> float | None:
    """Seconds since the most recent beat of any worker, or None when no worker beat lately."""
    newest = conn.zrange(beats_key(), -1, -1, withscores=True)
    return max(0.0, time.time() - newest[0][1]) if newest else None
