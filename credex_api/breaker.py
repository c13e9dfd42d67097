"""Circuit breaker in front of the ledger, shared by every process through the cache Redis.

Hand-written because pybreaker holds a lock for the whole protected call and counts only consecutive
failures. Semantics (figures in `conf.BreakerPolicy`):
- CLOSED → OPEN after `consecutive_failures` failures in a row (a success resets the run) OR
  `window_failures` failures within the sliding `window_seconds` (a sorted set of failure times);
- OPEN rejects at once with `CircuitOpen` — one Redis round trip, no request sent — until `open_until`;
- a success in the closed state with no failure run to reset costs no Redis call (`Permit.clean`);
- the first caller after that becomes the one half-open trial (the transition is atomic in a Lua script,
  so among N concurrent callers exactly one is admitted); the others are rejected while it runs (its slot
  is leased for `trial_lease_seconds`, so a trial that dies frees it);
- trial success → CLOSED with fresh counters and the backoff reset; trial failure → OPEN again for twice the
  previous period, capped at `max_open_seconds`; every open period gets up to `jitter` × itself added, so
  processes do not all come back at once;
- only transport failures (timeouts, connection errors), 5xx and unreadable answers count as failures
  (`FAILURE`); 4xx business answers prove the ledger is up (`SUCCESS`); a 429 is back-pressure, neither
  (`NEUTRAL`: a trial ending in 429 just frees the trial slot).
Every decision runs in one Lua script, so processes never disagree. Times come from the injected `clock`
(seconds) and are passed to the scripts, so tests drive the breaker with a fake clock. Transitions are
logged on "credex_api.breaker" and `status()` (`breaker_status()`) shows the state for ops. If the cache
Redis itself fails, the breaker lets calls through (logged): availability of the money path does not depend
on disposable state, and the ledger's own answers still guard it.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import redis

from credex_api.conf import BreakerPolicy, ClientConfig, cache_redis
from credex_api.errors import CircuitOpen
from security import metrics
from security.alerts import raise_alert

logger = logging.getLogger("credex_api.breaker")

SUCCESS, FAILURE, NEUTRAL = "success", "failure", "neutral"
CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
REDIS_WARNING_EVERY_SECONDS = 60.0

# KEYS: state hash. ARGV: now, trial lease seconds. → {decision, detail}
_ACQUIRE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'closed' then
  if redis.call('HEXISTS', KEYS[1], 'consecutive') == 1 then return {'allow', ''} end
  return {'allow', 'clean'}
end
local now = tonumber(ARGV[1])
if state == 'open' then
  local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
  if now < open_until then return {'reject', tostring(open_until - now)} end
  redis.call('HSET', KEYS[1], 'state', 'half_open', 'trial_until', tostring(now + tonumber(ARGV[2])))
  return {'trial', 'open->half_open'}
end
local trial_until = tonumber(redis.call('HGET', KEYS[1], 'trial_until') or '0')
if now < trial_until then return {'reject', tostring(trial_until - now)} end
redis.call('HSET', KEYS[1], 'trial_until', tostring(now + tonumber(ARGV[2])))
return {'trial', 'lease expired'}
"""

# KEYS: state hash, failure window. ARGV: trial flag. → transition or ''
_SUCCESS = """
local state = redis.call('HGET', KEYS[1], 'state')
if ARGV[1] == '1' then
  if state == 'half_open' then
    redis.call('DEL', KEYS[1], KEYS[2])
    return 'half_open->closed'
  end
  return ''
end
if (not state or state == 'closed') and redis.call('HGET', KEYS[1], 'consecutive') then
  redis.call('HDEL', KEYS[1], 'consecutive')
end
return ''
"""

# KEYS: state hash, failure window. ARGV: now, trial flag, consecutive max, window max, window seconds,
# base open seconds, max open seconds, jitter fraction drawn for this call, unique failure id.
# → {transition or '', open period, consecutive, failures in window}
_FAILURE = """
local now = tonumber(ARGV[1])
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
local function open(seconds)
  local period = seconds * (1 + tonumber(ARGV[8]))
  redis.call('HSET', KEYS[1], 'state', 'open', 'open_until', tostring(now + period),
             'open_seconds', tostring(seconds), 'opened_at', tostring(now))
  redis.call('HDEL', KEYS[1], 'consecutive', 'trial_until')
  return tostring(period)
end
if ARGV[2] == '1' then
  if state ~= 'half_open' then return {'', '', '', ''} end
  local previous = tonumber(redis.call('HGET', KEYS[1], 'open_seconds') or ARGV[6])
  return {'half_open->open', open(math.min(tonumber(ARGV[7]), previous * 2)), '', ''}
end
redis.call('ZADD', KEYS[2], now, ARGV[9])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[5]))
redis.call('PEXPIRE', KEYS[2], math.ceil(tonumber(ARGV[5]) * 1000))
if state ~= 'closed' then return {'', '', '', ''} end
local run = redis.call('HINCRBY', KEYS[1], 'consecutive', 1)
local count = redis.call('ZCARD', KEYS[2])
if run >= tonumber(ARGV[3]) or count >= tonumber(ARGV[4]) then
  return {'closed->open', open(tonumber(ARGV[6])), tostring(run), tostring(count)}
end
return {'', '', tostring(run), tostring(count)}
"""

# KEYS: state hash. Frees a trial slot without judging the ledger (the trial got a 429).
_RELEASE = """
if redis.call('HGET', KEYS[1], 'state') == 'half_open' then
  redis.call('HSET', KEYS[1], 'trial_until', '0')
end
return ''
"""


@dataclass(frozen=True, slots=True)
class Permit:
    """Permission for one call; `trial` when it is the half-open trial whose outcome decides.

    `clean`: the breaker was closed with no failure run when the permit was given, so a success has
    nothing to reset and is not written (one Redis round trip saved on the common path). A failure
    recorded by another caller meanwhile then survives this success: the breaker can only open sooner.
    """

    trial: bool = False
    clean: bool = False


class CircuitBreaker:
    """The shared breaker: `acquire()` before a call, `record(permit, outcome)` after it."""

    def __init__(
        self,
        client: redis.Redis,
        policy: BreakerPolicy,
        *,
        key_prefix: str = "vp",
        clock: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy
        self.clock = clock
        self._rand = rand
        self._redis = client
        self._state_key = f"{key_prefix}:credex:breaker"
        self._window_key = f"{key_prefix}:credex:breaker:failures"
        self._acquire = client.register_script(_ACQUIRE)
        self._success = client.register_script(_SUCCESS)
        self._failure = client.register_script(_FAILURE)
        self._release = client.register_script(_RELEASE)
        self._warned_at = float("-inf")

    def acquire(self) -> Permit:
        """A permit, or `CircuitOpen` (no request may be sent) while the breaker is open."""
        now = self.clock()
        try:
            decision, detail = self._acquire(
                keys=[self._state_key], args=[repr(now), repr(self.policy.trial_lease_seconds)]
            )
        except redis.RedisError:
            self._redis_failed("acquire")
            return Permit()
        if decision == b"allow":
            return Permit(clean=detail == b"clean")
        if decision == b"reject":
            raise CircuitOpen(retry_after=max(0.0, float(detail)))
        self._log_transition(detail.decode(), now=now)
        return Permit(trial=True)

    def record(self, permit: Permit, outcome: str) -> None:
        """The outcome of a permitted call: SUCCESS, FAILURE or NEUTRAL."""
        try:
            if outcome == SUCCESS and permit.clean:
                return
            if outcome == SUCCESS:
                transition = self._success(keys=[self._state_key, self._window_key], args=[_flag(permit)])
                if transition:
                    self._log_transition(transition.decode(), now=self.clock())
            elif outcome == FAILURE:
                self._record_failure(permit)
            elif permit.trial:
                self._release(keys=[self._state_key])
        except redis.RedisError:
            self._redis_failed("record")

    def _record_failure(self, permit: Permit) -> None:
        policy, now = self.policy, self.clock()
        args = [
            repr(now),
            _flag(permit),
            policy.consecutive_failures,
            policy.window_failures,
            repr(float(policy.window_seconds)),
            repr(policy.open_seconds),
            repr(policy.max_open_seconds),
            repr(self._rand() * policy.jitter),
            uuid.uuid4().hex,
        ]
        answer = self._failure(keys=[self._state_key, self._window_key], args=args)
        transition, period, run, count = (item.decode() for item in answer)
        if transition:
            self._log_transition(
                transition, now=now, open_seconds=round(float(period), 3), consecutive=run, window=count
            )

    def status(self) -> dict:
        """The state for ops: state, counters, and seconds until the next trial when open."""
        now = self.clock()
        fields = {k.decode(): v.decode() for k, v in self._redis.hgetall(self._state_key).items()}
        window_start = now - float(self.policy.window_seconds)
        failures = self._redis.zcount(self._window_key, f"({window_start!r}", "+inf")
        open_until = float(fields.get("open_until", 0) or 0)
        state = fields.get("state", CLOSED)
        return {
            "state": state,
            "consecutive_failures": int(fields.get("consecutive", 0)),
            "failures_in_window": failures,
            "open_seconds": float(fields.get("open_seconds", 0) or 0),
            "open_until": open_until if state != CLOSED else None,
            "seconds_until_trial": max(0.0, open_until - now) if state == OPEN else 0.0,
        }

    def reset(self) -> None:
        """Close the breaker and forget every count (ops, tests)."""
        self._redis.delete(self._state_key, self._window_key)
        logger.warning("credex breaker reset by hand", extra={"breaker_transition": "reset"})

    def _log_transition(self, transition: str, *, now: float, **figures: object) -> None:
        level = logging.WARNING if transition.endswith("->open") else logging.INFO
        parts = " ".join(f"{name}={value}" for name, value in figures.items() if value not in ("", None))
        logger.log(level, "credex breaker %s %s", transition, parts, extra={"breaker_transition": transition})
        metrics.BREAKER_TRANSITIONS.labels(transition=transition).inc()
        if transition.endswith("->open"):
            details = {"transition": transition, **figures}
            raise_alert(
                "credex.breaker_open", f"ledger breaker {transition}", severity="critical", details=details
            )

    def _redis_failed(self, step: str) -> None:
        now = time.monotonic()
        if now - self._warned_at >= REDIS_WARNING_EVERY_SECONDS:
            self._warned_at = now
            logger.warning("credex breaker: cache Redis failed during %s; letting calls through", step)


def _flag(permit: Permit) -> str:
    return "1" if permit.trial else "0"


def breaker_status() -> dict:
    """The shared breaker's state, for ops (management command, health pages, logs)."""
    config = ClientConfig.from_settings()
    return CircuitBreaker(cache_redis(), config.breaker, key_prefix=config.key_prefix).status()
