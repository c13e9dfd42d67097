"""What the ledger last said about a number, remembered on the cache Redis.

- `remember_member`: the ledger logged the number in. The flag lasts a day (`KNOWN_MEMBER_SECONDS`); the
  inbound limits give members more room with it (`bot.inbound_limits`), and the number's reads are
  `Priority.MEMBER` calls of the ledger throttle.
- `remember_not_member`: the ledger answered "not found" at login. For `MYCREDEX_NOT_MEMBER_MEMORY_SECONDS`
  (5 minutes by default) the number's logins make no ledger call and raise the same `CredexNotFound`, so it
  gets the very same welcome screen; a stranger repeating "hi" costs one login per period, not one per
  message. `forget_not_member` ends it: onboarding through the bot does, whatever its outcome
  (`DuplicateMember` means the number joined elsewhere), so the dashboard comes at once. A number that
  became a member through another client sees the welcome for at most that period (or until it completes
  *Become a member*, which answers that it is already one): short enough to be a small wait, long enough
  that a flood of greetings costs the ledger next to nothing.
- `membership(wa_id)`: both flags in one round trip.
Key names carry an HMAC of the number (`security.ratelimit.fingerprint`), never the number, so GDPR erasure
has no number to find in them. If the cache Redis fails the number is treated as unknown (it is asked again,
in the guest share): the flags only save calls and widen limits, so losing them costs nothing else.
"""

from __future__ import annotations

import contextlib
import logging
from enum import Enum

import redis
from django.conf import settings

from credex_api.conf import cache_redis
from security import member_redis, ratelimit
from security.redaction import mask_phone

logger = logging.getLogger(__name__)
KNOWN_MEMBER_SECONDS = 86_400


class Membership(Enum):
    MEMBER = "member"  # the ledger logged it in within a day
    NOT_MEMBER = "not member"  # the ledger said "not found" within the memory period
    UNKNOWN = "unknown"  # nothing remembered (or the cache Redis cannot say)


def not_member_key(wa_id: str) -> str:
    """The Redis key of the not-a-member memory (an HMAC of the number, never the number)."""
    return f"{settings.REDIS_KEY_PREFIX}:ledger:not_member:{ratelimit.fingerprint(wa_id)}"


def membership(wa_id: str) -> Membership:
    """What the ledger last said about `wa_id` (one MGET of both flags)."""
    try:
        not_member, member = cache_redis().mget(
            [not_member_key(wa_id), ratelimit.counter_key("member", wa_id)]
        )
    except redis.RedisError as exc:
        logger.warning("membership flags unavailable (%s) for %s", type(exc).__name__, mask_phone(wa_id))
        return Membership.UNKNOWN
    if not_member:
        return Membership.NOT_MEMBER
    return Membership.MEMBER if member else Membership.UNKNOWN


def remember_member(wa_id: str) -> None:
    """Note (for a day) that the ledger knows this number: the inbound limits give members more room."""
    with contextlib.suppress(ratelimit.LimiterDown):  # the flag only widens a limit: no flag = a guest
        ratelimit.first_time("member", wa_id, window_seconds=KNOWN_MEMBER_SECONDS)


def remember_not_member(wa_id: str) -> None:
    """Note that the ledger does not know this number, for `MYCREDEX_NOT_MEMBER_MEMORY_SECONDS` (0: never)."""
    seconds = settings.MYCREDEX_NOT_MEMBER_MEMORY_SECONDS
    if seconds > 0:
        with contextlib.suppress(redis.RedisError):  # no memory: the next greeting asks the ledger again
            cache_redis().set(not_member_key(wa_id), "1", ex=seconds)


def forget_not_member(wa_id: str) -> None:
    """The number may be a member now (it onboarded, or tried to): ask the ledger at its next login."""
    try:
        cache_redis().delete(not_member_key(wa_id))
    except redis.RedisError as exc:
        logger.warning("could not forget the not-a-member memory (%s) of %s", type(exc).__name__,
                       mask_phone(wa_id))  # fmt: skip


member_redis.register(
    member_redis.MemberData(
        "not_member_flag", member_redis.CACHE, "that the ledger did not know the number", __name__,
        find=lambda _conn, wa_id: [not_member_key(wa_id)],
    )
)  # fmt: skip
