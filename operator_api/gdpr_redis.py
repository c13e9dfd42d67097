"""A member's data in both Redis instances, for GDPR export and erasure (`bot.api.gdpr`).

State Redis: the member's conversation state, marker and lock (`flows.store.member_keys`: names built from
the member's keyed hash), their confirmation nonces (found by the record's member hash) and inbox-stream
entries (found by their ``m`` field; `bot.queue`). Cache Redis: the ledger token and its login lock.
No key name there holds a phone number; values may (another member's offer to this one).

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
from collections.abc import Iterator
from itertools import islice
from typing import Any

import redis
from django.conf import settings
from django_redis import get_redis_connection

from bot import queue
from credex_api.auth import TokenStore
from credex_api.conf import ClientConfig, cache_redis
from flows.confirmations import member_hash
from flows.store import member_keys
from security.keyed_hash import member_key_part

SCAN_BATCH = 500
AOF_REWRITE_WAIT_SECONDS = 10.0  # far above a rewrite of the state instance (≤ 256 MB), below Gunicorn's 30 s
POLL_SECONDS = 0.05


def _token_keys(wa_id: str) -> tuple[str, str]:
    """The member's ledger-token key and its login lock (the same HMAC the ledger client uses)."""
    tokens = TokenStore(
        cache_redis(),
        secret=settings.SECRET_KEY,
        ttl_seconds=1,
        lock_seconds=1,
        wait_seconds=0,
        key_prefix=ClientConfig.from_settings().key_prefix,
    )
    key = tokens.member_key(wa_id)
    return key, key + ":login"


def export(wa_id: str) -> dict[str, Any]:
    """What the member has in Redis: the conversation itself, and whether the rest exists."""
    keys = member_keys(wa_id)
    state, cache = get_redis_connection("state"), cache_redis()
    raw, marker, lock = state.mget(keys.state, keys.marker, keys.lock)
    return {
        "state_redis": {
            "conversation": json.loads(raw) if raw else None,
            "conversation_marker": marker is not None,
            "member_lock": lock is not None,
            "confirmations": len(_own_confirmations(state, wa_id)),
            "inbox_stream_entries": len(_stream_entries(state, wa_id)),
        },
        "cache_redis": {"ledger_token": bool(cache.exists(_token_keys(wa_id)[0]))},  # the token: never
    }


def erase(wa_id: str, needles: list[str]) -> dict[str, Any]:
    """Delete the member's keys and every key mentioning them, then rewrite the state AOF (see above)."""
    state, cache = get_redis_connection("state"), cache_redis()
    done: dict[str, Any] = {"state_member_keys": int(state.delete(*member_keys(wa_id)))}
    done["confirmations"] = int(state.delete(*found)) if (found := _own_confirmations(state, wa_id)) else 0
    entries = _stream_entries(state, wa_id)
    done["inbox_stream_entries"] = int(state.xdel(queue.stream_key(), *entries)) if entries else 0
    done["cache_member_keys"] = int(cache.delete(*_token_keys(wa_id)))
    done["state_mentions"] = _sweep(state, wa_id, needles)
    done["cache_mentions"] = _sweep(cache, wa_id, needles)
    done["state_aof_rewrite"] = rewrite_append_only_file(state)
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


def _scan(conn: redis.Redis, pattern: str) -> Iterator[list[bytes]]:
    found = conn.scan_iter(match=pattern, count=SCAN_BATCH)
    while batch := list(islice(found, SCAN_BATCH)):
        yield batch


def _own_confirmations(state: redis.Redis, wa_id: str) -> list[bytes]:
    """Confirmation nonces are keyed by the nonce; their record names the member by `member_hash`."""
    mine = member_hash(wa_id)
    owned = []
    for batch in _scan(state, f"{settings.REDIS_KEY_PREFIX}:confirm:*"):
        for key, raw in zip(batch, state.mget(batch), strict=True):
            try:
                if raw and json.loads(raw).get("m") == mine:
                    owned.append(key)
            except (ValueError, AttributeError):
                continue
    return owned


def _stream_entries(state: redis.Redis, wa_id: str) -> list[bytes]:
    """The member's inbox-stream entries: ``m`` is their keyed hash (``wa_id``: an older version's entry)."""
    entries, start = [], "-"
    mine, number = member_key_part(wa_id).encode(), wa_id.encode()
    while batch := state.xrange(queue.stream_key(), min=start, max="+", count=1000):
        entries += [
            entry for entry, fields in batch if mine == fields.get(b"m") or number == fields.get(b"wa_id")
        ]
        if len(batch) < 1000:
            break
        start = "(" + batch[-1][0].decode()
    return entries


def _sweep(conn: redis.Redis, wa_id: str, needles: list[str]) -> int:
    """Delete keys under our prefix whose name holds the number, or whose string value holds a needle."""
    forms = {form for needle in needles for form in (needle, json.dumps(needle)[1:-1])}
    wanted = [form.lower().encode() for form in forms]
    deleted = 0
    for batch in _scan(conn, f"{settings.REDIS_KEY_PREFIX}:*"):
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
