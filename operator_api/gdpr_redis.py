"""A member's data in both Redis instances, for GDPR export and erasure (`operator_api.gdpr`).

What each store keeps about a member it registers in `security.member_redis` (the state Redis: the
conversation, its marker and the member lock, `flows.store`; confirmations, `flows.confirmations`;
inbox-stream entries, `bot.queue`. The cache Redis: the ledger token and login lock, `credex_api.auth`; the
number's ledger bucket, `credex_api.throttle`; rate-limit counters and the member flag, `security.ratelimit`;
the not-a-member flag, `flows.membership`). Export and erasure walk that registry, so no key format is spelled
here: a store that renames its keys updates its own registration. No key name holds a phone number; values may
(another member's offer to this one).

`erase` deletes all of these, then every key under our prefix, on both instances, whose name holds the
number (left by a version that named keys with it) or whose string value holds the number or a name
(another member's conversation or confirmation about this one: reset, as after a timeout). Finally the state
instance rewrites its append-only file (`rewrite_append_only_file`): until then the file still holds the
commands that wrote those keys and values, however long ago they were deleted. A rewrite that was already
running when the erasure began started from a copy taken before the deletions, so it is left to finish and
a new one is started. The answer says what became of it: "done", "running" (ours started but had not
finished after `AOF_REWRITE_WAIT_SECONDS`), "not started" (another one ran the whole time), "failed", or
"off" (the instance has no append-only file).

What an erasure does not reach: the bytes of the replaced file on the disk until the file system reuses
them (keep the volume encrypted); an RDB snapshot, of which deploy/redis/state.conf makes none (`save ""`)
but one an operator takes by hand (SAVE, BGSAVE, `redis-cli --rdb`) keeps the member until it is replaced;
a replica's own files (each replica must rewrite its own; the deployment runs none) and the full-sync RDB
a disk-based replication writes; backups of the volume, until they expire. The cache instance writes no
files at all (deploy/redis/cache.conf: no AOF, no snapshots).
"""

from __future__ import annotations

import json
import time
from importlib import import_module
from typing import Any

import redis
from django.conf import settings
from django_redis import get_redis_connection

from credex_api.conf import cache_redis
from security import member_redis

# The stores register their member data when imported; these are all of them (a test checks the list).
STORES = (
    "flows.store",
    "flows.confirmations",
    "bot.queue",
    "credex_api.auth",
    "credex_api.throttle",
    "security.ratelimit",
    "flows.membership",
)
for _store in STORES:
    import_module(_store)

AOF_REWRITE_WAIT_SECONDS = 10.0  # far above a rewrite of the state instance (≤ 256 MB), below Gunicorn's 30 s
POLL_SECONDS = 0.05


def _connections() -> dict[str, redis.Redis]:
    return {member_redis.STATE: get_redis_connection("state"), member_redis.CACHE: cache_redis()}


def export(wa_id: str) -> dict[str, Any]:
    """What the member has in Redis, per registered store: their conversation itself, counts of the rest
    (a ledger token: whether there is one, never its value)."""
    conns = _connections()
    return {
        f"{instance}_redis": {
            data.name: member_redis.export(data, conns[instance], wa_id)
            for data in member_redis.registered(instance)
        }
        for instance in member_redis.INSTANCES
    }


def erase(wa_id: str, needles: list[str]) -> dict[str, Any]:
    """Delete what every registered store holds of the member and every key mentioning them, then rewrite
    the state AOF (see above). Answers how many items of each store went."""
    conns = _connections()
    done: dict[str, Any] = {
        data.name: member_redis.erase(data, conns[data.instance], wa_id) for data in member_redis.registered()
    }
    for instance, conn in conns.items():
        done[f"{instance}_mentions"] = _sweep(conn, wa_id, needles)
    done["state_aof_rewrite"] = rewrite_append_only_file(conns[member_redis.STATE])
    return done


def rewrite_append_only_file(conn: redis.Redis, *, wait_seconds: float = AOF_REWRITE_WAIT_SECONDS) -> str:
    """Have `conn`'s server rewrite its AOF from what it holds now (BGREWRITEAOF) and wait for the end."""
    if not int(conn.info("persistence").get("aof_enabled", 0)):
        return "off"
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            conn.bgrewriteaof()  # started, or scheduled after a running RDB save: either way, ours
            break
        except redis.ResponseError as exc:
            if "already in progress" not in str(exc):
                raise
        if not _wait_until_idle(conn, deadline):  # one that began before our deletions: let it end first
            return "not started"
    if not _wait_until_idle(conn, deadline):
        return "running"
    return "done" if conn.info("persistence").get("aof_last_bgrewrite_status") == "ok" else "failed"


def _wait_until_idle(conn: redis.Redis, deadline: float) -> bool:
    """True once no AOF rewrite is running or scheduled; False if `deadline` passes first."""
    while True:
        info = conn.info("persistence")
        if not int(info.get("aof_rewrite_in_progress", 0)) and not int(info.get("aof_rewrite_scheduled", 0)):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)


def _sweep(conn: redis.Redis, wa_id: str, needles: list[str]) -> int:
    """Delete keys under our prefix whose name holds the number, or whose string value holds a needle."""
    forms = {form for needle in needles for form in (needle, json.dumps(needle)[1:-1])}
    wanted = [form.lower().encode() for form in forms]
    deleted = 0
    for batch in member_redis.scan(conn, f"{settings.REDIS_KEY_PREFIX}:*"):
        pipe = conn.pipeline(transaction=False)
        for key in batch:
            pipe.type(key)
        strings = [key for key, kind in zip(batch, pipe.execute(), strict=True) if kind == b"string"]
        values = dict(zip(strings, conn.mget(strings), strict=True)) if strings else {}
        doomed = [
            key
            for key in batch
            if wa_id.encode() in key or any(form in (values.get(key) or b"").lower() for form in wanted)
        ]
        deleted += int(conn.delete(*doomed)) if doomed else 0
    return deleted
