"""The registry of a member's data in Redis: each store registers what it keeps about a member there.

The Redis counterpart of `security.pii` (which lists database fields). A store that writes anything about a
member to Redis registers a `MemberData` when its module is imported: a name, the instance it lives on
(`STATE` or `CACHE`), and `find(conn, wa_id)`, the member's items there (key names, or stream entry ids with
an `erase` of their own). GDPR export and erasure (`operator_api.gdpr_redis`) walk this registry instead of
spelling key formats, so a store that renames its keys changes its own `find` and erasure follows.
`NOT_MEMBER_DATA` names the modules that write Redis keys holding nothing about a member; a test fails when a
module writing keys under our prefix is in neither (`tests/unit/test_member_redis_registry.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import redis

STATE = "state"  # the durable instance: conversations, confirmations, the inbox stream
CACHE = "cache"  # the disposable instance: tokens, counters, flags
INSTANCES = (STATE, CACHE)

SCAN_BATCH = 500

Found = Callable[[redis.Redis, str], list[Any]]


@dataclass(frozen=True, slots=True)
class MemberData:
    """One kind of a member's data in Redis. `erase` defaults to deleting the keys `find` returns; `export`
    to how many of them exist (the value itself only where the member should see it: their conversation)."""

    name: str
    instance: str
    holds: str
    owner: str  # the module that owns the key format
    find: Found
    erase: Callable[[redis.Redis, str], int] | None = None
    export: Callable[[redis.Redis, str], Any] | None = None


_REGISTRY: dict[str, MemberData] = {}

# Modules writing keys under our prefix that name or hold no member: reviewed, like `pii.NOT_PERSONAL`.
NOT_MEMBER_DATA: frozenset[str] = frozenset(
    {
        "bot.outbox",  # the due-retry set: outbox row ids
        "bot.admin_actions",  # the retry claim of a failed outbox row: its id only
        "bot.heartbeat",  # worker names
        "bot.notify_guard",  # counts by API-key fingerprint, through security.ratelimit (registered there)
        "bot.inbound_limits",  # counters through security.ratelimit (registered there)
        "credex_api.throttle",  # ledger call slots, no member
        "credex_api.breaker",  # the ledger's health
        "credex_api.conf",  # passes the prefix on to the ledger client's stores
        "security.alerts",  # alert counters by alert name
    }
)


def register(data: MemberData) -> MemberData:
    """Add (or, on a module reload, replace) one kind of member data; returns it."""
    if data.instance not in INSTANCES:
        raise ValueError(f"{data.name}: instance must be one of {INSTANCES}")
    known = _REGISTRY.get(data.name)
    if known is not None and known.owner != data.owner:
        raise ValueError(f"{data.name!r} is already registered by {known.owner}")
    _REGISTRY[data.name] = data
    return data


def registered(instance: str | None = None) -> tuple[MemberData, ...]:
    """The registered kinds, in registration order (all, or those on one instance)."""
    return tuple(data for data in _REGISTRY.values() if instance in (None, data.instance))


def export(data: MemberData, conn: redis.Redis, wa_id: str) -> Any:
    """What `data` holds about the member: its own export, else how many of its keys exist."""
    if data.export is not None:
        return data.export(conn, wa_id)
    keys = data.find(conn, wa_id)
    return int(conn.exists(*keys)) if keys else 0


def erase(data: MemberData, conn: redis.Redis, wa_id: str) -> int:
    """Delete what `data` holds about the member; how many items went."""
    if data.erase is not None:
        return data.erase(conn, wa_id)
    keys = data.find(conn, wa_id)
    return int(conn.delete(*keys)) if keys else 0


def scan(conn: redis.Redis, pattern: str) -> Iterator[list[bytes]]:
    """The keys matching `pattern`, in batches of at most `SCAN_BATCH` (SCAN: never blocks the server)."""
    found = conn.scan_iter(match=pattern, count=SCAN_BATCH)
    while batch := list(islice(found, SCAN_BATCH)):
        yield batch
