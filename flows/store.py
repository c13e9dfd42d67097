"""Conversation state and per-member locks on the **state** Redis (AOF, noeviction).

Keys (prefix = settings.REDIS_KEY_PREFIX, "vp" by default; ``<m>`` = `security.keyed_hash.member_key_part`,
a keyed hash of the wa_id: no phone number is ever part of a key name, `member_keys` builds them all):

- ``vp:conv:<m>`` — the state JSON (`flows.state`), expiring after the idle TTL
  (settings.CONVERSATION_IDLE_TTL_SECONDS, 300 s by default), refreshed on every save.
- ``vp:conv:<m>:marker`` — a tiny durable marker ``{"v":version,"t":updated_at,"f":flow,"p":step}``
  kept much longer (settings.CONVERSATION_TIMEOUT_NOTICE_SECONDS, 1 day by default). When the state has
  expired but the marker remains, `load` returns a *lapsed* placeholder (flow and step names only, no data),
  so the engine can say "your session timed out" instead of resuming — while the member's half-entered data
  really is gone from Redis after the idle TTL. The marker also keeps the version counter monotonic.
- ``vp:lock:<m>`` — the member lock (`member_lock`): a short TTL renewed by its holder, and a fencing token
  every `save` under it checks.

Keys named with the raw number by earlier versions are not migrated: each expires on its own (the marker
last, after CONVERSATION_TIMEOUT_NOTICE_SECONDS, a day by default), a member mid-flow at the upgrade simply
starts again, and an erasure meanwhile still finds them (`operator_api.gdpr_redis` deletes any key whose name
holds the number). The append-only file keeps those old names until its next rewrite: every erasure makes
one, or run `redis-cli BGREWRITEAOF` on the state instance a day after upgrading.

Round trips: `load` = 1 (MGET), `save` = 1 (EVALSHA of a compare-and-set script), `clear` = 1 (DEL),
lock acquire = 1 when free, release = 1, and a renewal every third of the lock's TTL while a turn runs.
Taking the lock also reads the member's state in the same script; `member_lock` yields a `HeldLock`
carrying its token and that state, and the first `load(wa_id, held=...)` uses it: a turn costs 3 round
trips (acquire+load, save, release). `save(..., held=...)` is fenced by the token.
The three keys are registered in `security.member_redis` (GDPR export and erasure find them there).
Phone numbers never appear unmasked in logs or exception messages.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import redis
from django.conf import settings
from django_redis import get_redis_connection

from flows.lock_renewer import RENEWER
from flows.state import ConversationState, StateFormatError, from_json, to_json
from security import member_redis
from security.keyed_hash import member_key_part
from security.redaction import mask_phone

logger = logging.getLogger(__name__)

MAX_STATE_BYTES = 8192  # a bug guard; realistic states stay under 2 KB
DEFAULT_NOTICE_SECONDS = 24 * 3600

# KEYS: state, marker, lock. ARGV: expected version, state JSON, state TTL ms, marker JSON, marker TTL ms,
# the lock token the writer holds ('' when it holds none). Returns -1 when written, -2 when the writer's lock
# is no longer its own (fencing: it expired, maybe another's now), else the version stored (caller's stale).
_SAVE_LUA = """
if ARGV[6] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[6] then return -2 end
local current = redis.call('GET', KEYS[1])
local version = 0
if current then
  version = cjson.decode(current)['v']
else
  local marker = redis.call('GET', KEYS[2])
  if marker then version = cjson.decode(marker)['v'] end
end
if version ~= tonumber(ARGV[1]) then return version end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5])
return -1
"""

# KEYS: lock, state, marker. ARGV: token, lock TTL ms. Takes the lock and, in the same round trip, reads the
# member's state and marker ('' when absent): {1, state, marker}, or {0} while someone else holds the lock.
_ACQUIRE_LUA = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('GET', KEYS[2]) or '', redis.call('GET', KEYS[3]) or ''}
end
return {0}
"""


# KEYS: lock. ARGV: token. Deletes the lock only if this holder still owns it.
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class StaleStateError(Exception):
    """A save expected a version that is no longer the stored one (another writer got there first)."""


class LockLostError(StaleStateError):
    """A save by a holder whose member lock expired (and may be another's now): refused, nothing written."""


class StateTooLargeError(ValueError):
    """A state over MAX_STATE_BYTES: a flow keeps too much in `data` (a bug)."""


class LockBusy(Exception):  # noqa: N818 - the name bot.processing imports
    """The member lock stayed taken for the whole wait."""


def state_connection() -> redis.Redis:
    """The raw client of the `state` cache alias (django-redis' pooled connection)."""
    return get_redis_connection("state")


class MemberKeys(NamedTuple):
    """The state-Redis key names of one member's conversation state, marker and lock."""

    state: str
    marker: str
    lock: str


def member_keys(wa_id: str) -> MemberKeys:
    """The member's key names, built from the keyed hash of the wa_id (never the number itself)."""
    prefix, part = settings.REDIS_KEY_PREFIX, member_key_part(wa_id)
    return MemberKeys(f"{prefix}:conv:{part}", f"{prefix}:conv:{part}:marker", f"{prefix}:lock:{part}")


class ConversationStore:
    """Load, compare-and-set save, and clear one member's conversation state."""

    def __init__(
        self,
        connection: redis.Redis | None = None,
        *,
        idle_ttl_seconds: float | None = None,
        notice_seconds: float | None = None,
    ) -> None:
        self.connection = connection if connection is not None else state_connection()
        idle = settings.CONVERSATION_IDLE_TTL_SECONDS if idle_ttl_seconds is None else idle_ttl_seconds
        notice = getattr(settings, "CONVERSATION_TIMEOUT_NOTICE_SECONDS", DEFAULT_NOTICE_SECONDS)
        self.idle_ttl_ms = int(idle * 1000)
        self.notice_ms = int((notice if notice_seconds is None else notice_seconds) * 1000)
        self._save_script = self.connection.register_script(_SAVE_LUA)

    def load(self, wa_id: str, *, held: HeldLock | None = None) -> ConversationState | None:
        """The live state; a lapsed placeholder if only the marker is left; None if neither exists.

        The first load with the `held` lock of this member uses what its acquisition read (no round trip)."""
        prefetched = held.take_prefetched(self.connection, wa_id) if held is not None else None
        if prefetched is not None:
            raw, marker = prefetched
        else:
            keys = member_keys(wa_id)
            raw, marker = self.connection.mget(keys.state, keys.marker)
        if raw is not None:
            try:
                return from_json(raw)
            except StateFormatError:
                logger.warning("unreadable conversation state for %s dropped", mask_phone(wa_id))
                self.clear(wa_id)
                return None
        if marker is not None:
            return _lapsed(marker)
        return None

    def save(
        self, wa_id: str, state: ConversationState, expected_version: int, *, held: HeldLock | None = None
    ) -> ConversationState:
        """Store `state` as version `expected_version + 1` if the stored version is still the expected one
        and, fenced, the member lock is still the writer's: the `held` lock of this member (none held, or
        another member's: no fencing).

        Raises `StaleStateError` otherwise (`LockLostError` when the lock is no longer the writer's; nothing
        written) and `StateTooLargeError` for oversized states. Returns the state as saved.
        """
        saved = replace(state, version=expected_version + 1, lapsed=False)
        body = to_json(saved)
        if len(body.encode()) > MAX_STATE_BYTES:
            raise StateTooLargeError(f"state of {len(body.encode())} bytes exceeds {MAX_STATE_BYTES}")
        marker = json.dumps(
            {"v": saved.version, "t": saved.updated_at, "f": saved.flow, "p": saved.step},
            separators=(",", ":"),
        )
        keys = member_keys(wa_id)
        token = held.token if held is not None and held.wa_id == wa_id else ""
        found = self._save_script(
            keys=[keys.state, keys.marker, keys.lock],
            args=[expected_version, body, self.idle_ttl_ms, marker, self.notice_ms, token],
        )
        if int(found) == -2:
            raise LockLostError(f"the member lock of {mask_phone(wa_id)} expired before this save")
        if int(found) != -1:
            raise StaleStateError(f"expected version {expected_version}, stored version is {int(found)}")
        return saved

    def clear(self, wa_id: str) -> None:
        """Forget the member's conversation entirely (state and marker)."""
        keys = member_keys(wa_id)
        self.connection.delete(keys.state, keys.marker)


def _lapsed(raw_marker: bytes | str) -> ConversationState | None:
    try:
        marker = json.loads(raw_marker)
        return ConversationState(
            flow=marker.get("f"),
            step=marker.get("p"),
            version=int(marker["v"]),
            updated_at=int(marker["t"]),
            lapsed=True,
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


@dataclass(eq=False)
class HeldLock:
    """A member lock held by the caller: its fencing token, and the state read when it was taken (served
    once to a `ConversationStore.load` on the same connection, then read afresh)."""

    wa_id: str
    token: str
    connection: redis.Redis = field(repr=False)
    prefetched: tuple[Any, Any] | None = field(default=None, repr=False)

    def take_prefetched(self, conn: redis.Redis, wa_id: str) -> tuple[Any, Any] | None:
        """The (state, marker) read when the lock was taken, once, if for `wa_id` and read on `conn`."""
        if wa_id != self.wa_id:
            return None
        found, self.prefetched = self.prefetched, None
        return found if conn is self.connection else None


@contextmanager
def member_lock(
    wa_id: str, *, ttl_ms: int, wait_seconds: float, connection: redis.Redis | None = None
) -> Iterator[HeldLock]:
    """Hold the member's lock (SET NX PX with a random token) for the body of the `with`; yields the
    `HeldLock` to hand to `ConversationStore.load` / `save`.

    Waits with short sleeps up to `wait_seconds`, then raises `LockBusy`. While held, a watchdog thread renews
    it every third of `ttl_ms`, so a short TTL covers a turn of any length and a holder that dies (or loses
    the state Redis) leaves the lock to expire within `ttl_ms`. A holder whose lock expired anyway (a stall
    longer than the TTL) cannot write: `ConversationStore.save` checks the token. Release is a
    compare-and-delete, so an expired holder never frees a newer one.
    """
    conn = connection if connection is not None else state_connection()
    keys = member_keys(wa_id)
    held = HeldLock(wa_id, secrets.token_hex(16), conn)
    deadline = time.monotonic() + wait_seconds
    delay = 0.002
    acquire = conn.register_script(_ACQUIRE_LUA)
    while not _acquired(acquire, held, [keys.lock, keys.state, keys.marker], ttl_ms):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LockBusy(f"lock of member {mask_phone(wa_id)} still held after {wait_seconds}s")
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.05)
    RENEWER.hold(held.token, conn, keys.lock, ttl_ms)
    try:
        yield held
    finally:
        RENEWER.release(held.token)
        conn.register_script(_RELEASE_LUA)(keys=[keys.lock], args=[held.token])


def _acquired(acquire: Any, held: HeldLock, keys: list[str], ttl_ms: int) -> bool:
    """One acquisition attempt; on success `held` keeps the state it read for the first `load`."""
    reply = acquire(keys=keys, args=[held.token, ttl_ms])
    if int(reply[0]) != 1:
        return False
    held.prefetched = (reply[1] or None, reply[2] or None)
    return True


def _conversation(conn: redis.Redis, wa_id: str) -> Any:
    """The member's conversation state as stored (their export), or None."""
    raw = conn.get(member_keys(wa_id).state)
    return json.loads(raw) if raw else None


for _name, _index, _holds in (
    ("conversation", 0, "the conversation state: the flow, step and what the member entered"),
    ("conversation_marker", 1, "the flow and step names of the last conversation, for the timeout notice"),
    ("member_lock", 2, "the member lock's random token while a turn runs"),
):
    member_redis.register(
        member_redis.MemberData(
            _name, member_redis.STATE, _holds, __name__,
            find=lambda _conn, wa_id, index=_index: [member_keys(wa_id)[index]],
            export=_conversation if _index == 0 else None,
        )
    )  # fmt: skip
