"""Confirmation nonces on the **state** Redis: single-use, expiring, bound to member, action and values.

Implements `flows.ports.ConfirmationsPort`. A confirmation screen calls `issue` and puts the nonce in its
Confirm button id (``ids.make(flow, step, "yes", nonce)``); the tap handler calls `consume` and executes only
when the result is OK and `result.matches(values it is about to execute)`.

Key (prefix = settings.REDIS_KEY_PREFIX): ``vp:confirm:<nonce>`` → ``{"m": member, "a": action, "v": values,
"k": instruction key}`` with a PX expiry (settings.CONFIRMATION_TTL_SECONDS, 5 minutes by default). ``m`` is
a keyed hash of the wa_id (`security.keyed_hash`, purpose "confirmations.member"), so the member's own
number appears in neither key names nor values (the values may name a counterparty: erasure looks there too).
`member_confirmations` finds a member's records by ``m``; it is registered in `security.member_redis`.

Exactly-once does not rest on this Redis: ``k`` is the `pending` instruction row the
screen created, and only that row's `pending → confirmed` move (in the database) lets a tap execute. A tap
replayed after Redis lost its consumption (``appendfsync everysec``) consumes the nonce again but finds the
row no longer pending, and is told that row's real outcome.

`consume` is one Lua compare-and-swap: when member and action match, the record is replaced by a small
"used" tombstone (kept `USED_TOMBSTONE_SECONDS`), so of N concurrent taps exactly one gets OK and the others
USED, and a later tap is told "already used" rather than "expired". When member or action differ the record
is left untouched (FOREIGN): another member's tap cannot destroy the owner's confirmation. An unknown nonce
(expired, never issued, or malformed) is EXPIRED. Round trips: `issue` = 1 (SET NX PX), `consume` = 1
(EVALSHA; none for a malformed nonce).

Nonces are ``secrets.token_urlsafe(16)``: 128 random bits as 22 characters of ``[A-Za-z0-9_-]``, inside the
id argument alphabet of `flows.ids`.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

import redis
from django.conf import settings
from django_redis import get_redis_connection

from flows.ports import ConsumeResult, ConsumeStatus
from flows.state import check_primitives
from security import member_redis
from security.keyed_hash import keyed_hash

NONCE_BYTES = 16
NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}", re.ASCII)
ACTION_PATTERN = re.compile(r"[a-z][a-z0-9_.]{0,47}", re.ASCII)
USED_TOMBSTONE_SECONDS = 24 * 3600
MAX_VALUES_BYTES = 2048
DEFAULT_TTL_SECONDS = 300
_MEMBER_PURPOSE = "confirmations.member"

# KEYS: the nonce key. ARGV: member hash, action, tombstone JSON, tombstone TTL ms.
# Returns {status} or {"ok", stored JSON}. Touches the record only when member and action both match.
_CONSUME_LUA = """
local raw = redis.call('GET', KEYS[1])
if not raw then return {'expired'} end
local record = cjson.decode(raw)
if record['m'] ~= ARGV[1] or record['a'] ~= ARGV[2] then return {'foreign'} end
if record['u'] then return {'used'} end
local left = redis.call('PTTL', KEYS[1])
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return {'ok', raw, left}
"""

# KEYS: the nonce key. ARGV: the tombstone JSON consume wrote, the record, its TTL ms. 1 if restored.
_GIVE_BACK_LUA = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""


class ConfirmationStore:
    """Issue and atomically consume confirmation nonces (see the module docstring)."""

    def __init__(self, connection: redis.Redis | None = None, *, ttl_seconds: int | None = None) -> None:
        self.connection = connection if connection is not None else get_redis_connection("state")
        default_ttl = getattr(settings, "CONFIRMATION_TTL_SECONDS", DEFAULT_TTL_SECONDS)
        self.ttl_seconds = default_ttl if ttl_seconds is None else ttl_seconds
        self._consume_script = self.connection.register_script(_CONSUME_LUA)
        self._give_back_script = self.connection.register_script(_GIVE_BACK_LUA)
        self._consumed: tuple[str, str, str, int] | None = None  # key, tombstone, record, ms left

    def issue(
        self,
        *,
        wa_id: str,
        action: str,
        values: Mapping[str, Any],
        ttl_seconds: int | None = None,
        instruction: str | None = None,
    ) -> str:
        """A new nonce bound to `wa_id`, `action` and `values` (JSON primitives; amounts as strings), and
        to the pending `instruction` key the screen created (the tap confirms exactly that row)."""
        ttl = self.ttl_seconds if ttl_seconds is None else ttl_seconds
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
            raise ValueError("ttl_seconds must be a positive int")
        record = _record(wa_id, action, values, instruction)
        while True:  # a collision of 128 random bits will not happen; NX makes sure it could not overwrite
            nonce = secrets.token_urlsafe(NONCE_BYTES)
            if self.connection.set(_key(nonce), record, nx=True, ex=ttl):
                return nonce

    def consume(self, *, nonce: str, wa_id: str, action: str) -> ConsumeResult:
        """Use the nonce once: OK with its values, or USED / EXPIRED / FOREIGN with nothing consumed."""
        if not isinstance(nonce, str) or not NONCE_PATTERN.fullmatch(nonce):
            return ConsumeResult(ConsumeStatus.EXPIRED)
        member = member_hash(wa_id)
        tombstone = json.dumps({"m": member, "a": action, "u": 1}, separators=(",", ":"))
        reply = self._consume_script(
            keys=[_key(nonce)], args=[member, action, tombstone, USED_TOMBSTONE_SECONDS * 1000]
        )
        status = ConsumeStatus(_text(reply[0]))
        if status is not ConsumeStatus.OK:
            return ConsumeResult(status)
        self._consumed = (_key(nonce), tombstone, _text(reply[1]), int(reply[2]))
        stored = json.loads(_text(reply[1]))
        return ConsumeResult(status, stored["v"], instruction=stored.get("k"))

    def give_back(self, instruction: str | None = None) -> bool:
        """Restore the confirmation this store last consumed (see the module docstring); True if done.
        `instruction`: the fresh pending row it now stands for (its first row ended before it left)."""
        if self._consumed is None:
            return False
        key, tombstone, record, left_ms = self._consumed
        if instruction is not None:
            record = json.dumps({**json.loads(record), "k": instruction}, separators=(",", ":"))
        self._consumed = None
        if left_ms <= 0:
            return False
        return bool(self._give_back_script(keys=[key], args=[tombstone, record, left_ms]))


def member_hash(wa_id: str) -> str:
    """A keyed, non-reversible stand-in for the member's wa_id (no phone number in Redis)."""
    if not isinstance(wa_id, str) or not wa_id:
        raise ValueError("wa_id is required")
    return keyed_hash(wa_id, purpose=_MEMBER_PURPOSE)


def _record(wa_id: str, action: str, values: Mapping[str, Any], instruction: str | None = None) -> str:
    if not isinstance(action, str) or not ACTION_PATTERN.fullmatch(action):
        raise ValueError("action must be a short lower-case name, like 'offer.create'")
    if not isinstance(values, Mapping):
        raise TypeError("values must be a mapping of JSON primitives")
    check_primitives(dict(values), where="values")
    record = json.dumps(
        {
            "m": member_hash(wa_id),
            "a": action,
            "v": dict(values),
            **({"k": instruction} if instruction else {}),
        },
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    if len(record.encode()) > MAX_VALUES_BYTES:
        raise ValueError(f"confirmation record over {MAX_VALUES_BYTES} bytes")
    return record


def _key(nonce: str) -> str:
    return f"{settings.REDIS_KEY_PREFIX}:confirm:{nonce}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def member_confirmations(conn: redis.Redis, wa_id: str) -> list[bytes]:
    """The keys of the member's confirmations (and tombstones): a SCAN, for GDPR export and erasure."""
    mine, owned = member_hash(wa_id), []
    for batch in member_redis.scan(conn, _key("*")):
        for key, raw in zip(batch, conn.mget(batch), strict=True):
            try:
                if raw and json.loads(raw).get("m") == mine:
                    owned.append(key)
            except (ValueError, AttributeError):
                continue
    return owned


member_redis.register(
    member_redis.MemberData(
        "confirmations", member_redis.STATE, "pending confirmations: action and values (may name others)",
        __name__, find=member_confirmations,
    )
)  # fmt: skip
