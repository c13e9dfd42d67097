"""Client-side throttle in front of the ledger: one token bucket shared by every process, shared out fairly
between classes of callers.

The ledger limits per IP address, so every member behind the bot's one egress address shares its bucket; this
throttle keeps us under it instead of discovering the limit through 429s. It is a GCRA token bucket
(`per_minute` sustained, `burst` at once) in one Lua script on the cache Redis, using Redis's own clock so
every process agrees.

Fair shares, plainly: each call names its `Priority`, and a class may only fill the one bucket to its own
depth — money actions to the whole `burst`, known members' reads to `member_burst`, numbers not known to be
members to `guest_burst`. So guests can never hold more than their few slots, the slots above them are
always left for members and money, and whenever callers wait, a higher class's turn comes first (its
threshold is reached sooner as the bucket drains). Besides, each number's member and guest calls pass its
own smaller bucket (`per_number_per_minute`, `per_number_burst`, keyed by an HMAC of the number, never the
number), so one number cannot take the members' share either. Money actions skip that per-number bucket:
they are capped per member, fail closed, by `MONEY_PER_MINUTE` before they get here. Both buckets are
checked and charged in the same script, atomically across processes: a slot is taken in both or in neither.

A caller waits for its slot up to `max_wait` seconds, and never past its turn's ledger deadline
(`credex_api.deadline`), else gets `CredexBusy(retry_after=...)` at once — nothing is sent. `per_minute = 0`
switches it off. If the cache Redis fails the throttle lets the call through (logged at most once a minute);
the ledger's 429 remains.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from enum import IntEnum
from typing import TYPE_CHECKING

import redis
from django.conf import settings

from credex_api.deadline import fits
from credex_api.errors import CredexBusy
from security import member_redis
from security.ratelimit import fingerprint

if TYPE_CHECKING:  # conf is not needed at run time here
    from credex_api.conf import ClientConfig

logger = logging.getLogger(__name__)
REDIS_WARNING_EVERY_SECONDS = 60.0


def shared_key(key_prefix: str) -> str:
    """The shared bucket's key (no member)."""
    return f"{key_prefix}:credex:throttle"


def number_key(shared: str, caller: str) -> str:
    """A number's own bucket: an HMAC of the number under the shared bucket's key."""
    return f"{shared}:number:{fingerprint(caller)}"


class Priority(IntEnum):
    """Whom a ledger call serves, most urgent first (the caller — `flows` — decides which)."""

    MONEY = 0  # a ledger change a member confirmed (and the login it may need): the whole burst
    MEMBER = 1  # a read for a number the bot knows is a member: up to `member_burst`
    GUEST = 2  # a call for a number not known to be a member (first login, onboarding): `guest_burst`


# KEYS: shared bucket [, the caller's own bucket]. ARGV: interval ms, the class's tolerance ms
# [, the caller's interval ms, its tolerance ms].  → 0 (go: a slot taken in each bucket) or ms to wait.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function tat_of(key)
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  return tat
end
local tat = tat_of(KEYS[1])
local wait = tat - tonumber(ARGV[2]) - now
local own = 0
if #KEYS > 1 then
  own = tat_of(KEYS[2])
  wait = math.max(wait, own - tonumber(ARGV[4]) - now)
end
if wait > 0 then return wait end
local new_tat = tat + tonumber(ARGV[1])
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', new_tat - now + 1000)
if #KEYS > 1 then
  local new_own = own + tonumber(ARGV[3])
  redis.call('SET', KEYS[2], tostring(new_own), 'PX', new_own - now + 1000)
end
return 0
"""


class Throttle:
    """`acquire(priority, caller)` blocks (bounded) until the buckets have a slot for one ledger request.

    Without `member_burst` / `guest_burst` every class may use the whole burst, and without
    `per_number_per_minute` there is no per-number bucket: the plain shared bucket."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        per_minute: int,
        burst: int,
        max_wait: float,
        member_burst: int | None = None,
        guest_burst: int | None = None,
        per_number_per_minute: int = 0,
        per_number_burst: int = 1,
        key_prefix: str = "vp",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_minute = per_minute
        self._interval_ms = 60_000 // per_minute if per_minute > 0 else 0
        depth = max(1, burst)
        member = min(depth, max(1, member_burst or depth))
        guest = min(member, max(1, guest_burst or member))
        self.depths = {Priority.MONEY: depth, Priority.MEMBER: member, Priority.GUEST: guest}
        self._tolerance_ms = {klass: self._interval_ms * (d - 1) for klass, d in self.depths.items()}
        self._own_interval_ms = 60_000 // per_number_per_minute if per_number_per_minute > 0 else 0
        self._own_tolerance_ms = self._own_interval_ms * max(0, per_number_burst - 1)
        self._max_wait = max_wait
        self._key = shared_key(key_prefix)
        self._take = client.register_script(_TAKE)
        self._sleep = sleep
        self._warned_at = float("-inf")

    @classmethod
    def from_config(
        cls, store: redis.Redis, config: ClientConfig, *, sleep: Callable[[float], None] = time.sleep
    ) -> Throttle:
        """The shared ledger throttle with the configured rate, class depths and per-number bucket."""
        return cls(
            store,
            per_minute=config.throttle_per_minute,
            burst=config.throttle_burst,
            max_wait=config.throttle_max_wait,
            member_burst=config.throttle_member_burst,
            guest_burst=config.throttle_guest_burst,
            per_number_per_minute=config.throttle_per_number_per_minute,
            per_number_burst=config.throttle_per_number_burst,
            key_prefix=config.key_prefix,
            sleep=sleep,
        )

    def acquire(self, priority: Priority = Priority.MEMBER, caller: str | None = None) -> None:
        """Return when a request for `caller` (a phone number) of class `priority` may be sent;
        `CredexBusy` when that would take longer than `max_wait` or end past the turn's ledger deadline
        (nothing is sent, nothing is slept)."""
        if self.per_minute <= 0:
            return
        keys, args = self._script_arguments(priority, caller)
        waited = 0.0
        while True:
            wait = self._wait_seconds(keys, args)
            if wait <= 0:
                return
            if waited + wait > self._max_wait or not fits(wait):
                raise CredexBusy("too many ledger requests right now", retry_after=wait)
            self._sleep(wait)
            waited += wait

    def _script_arguments(self, priority: Priority, caller: str | None) -> tuple[list[str], list[int]]:
        keys = [self._key]
        args = [self._interval_ms, self._tolerance_ms[priority]]
        if caller and self._own_interval_ms and priority is not Priority.MONEY:
            keys.append(number_key(self._key, caller))
            args += [self._own_interval_ms, self._own_tolerance_ms]
        return keys, args

    def _wait_seconds(self, keys: list[str], args: list[int]) -> float:
        try:
            wait_ms = self._take(keys=keys, args=args)
        except redis.RedisError:
            now = time.monotonic()
            if now - self._warned_at >= REDIS_WARNING_EVERY_SECONDS:
                self._warned_at = now
                logger.warning("credex throttle: cache Redis failed; letting the call through")
            return 0.0
        return int(wait_ms) / 1000


member_redis.register(
    member_redis.MemberData(
        "ledger_throttle", member_redis.CACHE, "when the number's own ledger bucket is next free", __name__,
        find=lambda _conn, phone: [number_key(shared_key(settings.REDIS_KEY_PREFIX), phone)],
    )
)  # fmt: skip
