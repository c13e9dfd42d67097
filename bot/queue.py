"""The inbox work queue: a Redis stream on the state instance, consumed by `run_worker` through a group.

An entry stands for a member: processing a member drains all of its pending rows in order, so one entry per
member and delivery is enough. It holds no phone number: ``m``, the member's keyed hash
(`security.keyed_hash.member_key_part`, which erasure and export match), and ``row``, the id of one of the
member's inbox rows, from which the worker reads the wa_id (`member_of_row`). Entries are acknowledged (and
deleted) after processing; entries of a crashed consumer are reclaimed after `WORKER_RECLAIM_IDLE_MS`; the
sweeper re-queues the members of inbox rows left pending or stuck in `processing` (a worker died mid-row)
for longer than `WORKER_SWEEP_AFTER_SECONDS`. An entry without a readable row (one written by an earlier
version with the number in it, or whose row is gone) is acknowledged and dropped: the sweeper re-queues its
rows.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import redis
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_redis import get_redis_connection

from bot.models import InboxMessage
from flows.store import member_keys
from security import member_redis
from security.keyed_hash import member_key_part

logger = logging.getLogger(__name__)

STREAM_MAXLEN = 100_000


def stream_key() -> str:
    return f"{settings.REDIS_KEY_PREFIX}:{settings.INBOX_STREAM}"


Member = tuple[str, int]  # (wa_id, the id of one of the member's inbox rows)


def xadd_command(wa_id: str, row_id: int, source: str = "push") -> tuple:
    """The XADD that queues one member (capped stream, approximate trimming): its hash, a row id, and who
    queued it (`push`: the webhook's pusher; `again`: a worker handing a member back; `sweep`: the
    sweeper)."""
    return (
        "XADD",
        stream_key(),
        "MAXLEN",
        "~",
        STREAM_MAXLEN,
        "*",
        "m",
        member_key_part(wa_id),
        "row",
        row_id,
        "by",
        source,
    )


def enqueue_members(
    members: list[Member], connection: redis.Redis | None = None, *, source: str = "push"
) -> None:
    """Push one entry per (wa_id, row id) (pipelined: one round trip)."""
    if not members:
        return
    conn = connection or get_redis_connection("state")
    if len(members) == 1:  # one member: one round trip without pipeline overhead
        conn.execute_command(*xadd_command(*members[0], source))
        return
    pipe = conn.pipeline(transaction=False)
    for wa_id, row_id in members:
        pipe.execute_command(*xadd_command(wa_id, row_id, source))
    pipe.execute()


def first_rows(rows: list[tuple[str, int]]) -> list[Member]:
    """(wa_id, row id) pairs in order, one per member: the first of each member's rows."""
    first: dict[str, int] = {}
    for wa_id, row_id in rows:
        first.setdefault(wa_id, row_id)
    return list(first.items())


def member_of_row(row_id: int | None) -> str | None:
    """The wa_id an entry's row belongs to; None when the entry names no row that exists."""
    if row_id is None:
        return None
    return InboxMessage.objects.filter(pk=row_id).values_list("wa_id", flat=True).first()


def worker_connection(block_ms: int) -> redis.Redis:
    """A state-Redis client whose socket timeout outlasts a blocking read."""
    return redis.Redis.from_url(
        settings.REDIS_STATE_URL,
        socket_timeout=block_ms / 1000 + 2,
        socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
        decode_responses=True,
    )


def ensure_group(conn: redis.Redis) -> None:
    try:
        conn.xgroup_create(stream_key(), settings.INBOX_CONSUMER_GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _row_id(fields: dict | None) -> int | None:
    row = str((fields or {}).get("row", ""))
    return int(row) if row.isascii() and row.isdigit() else None


def read_new(conn: redis.Redis, consumer: str, *, count: int, block_ms: int) -> list[tuple[str, int | None]]:
    """New entries for this consumer as (entry id, inbox row id or None)."""
    reply = conn.xreadgroup(
        settings.INBOX_CONSUMER_GROUP, consumer, {stream_key(): ">"}, count=count, block=block_ms
    )
    return [(entry_id, _row_id(fields)) for _stream, entries in reply or [] for entry_id, fields in entries]


def reclaim_stale(conn: redis.Redis, consumer: str, *, count: int) -> list[tuple[str, int | None]]:
    """Entries another consumer took but never acknowledged (it crashed), now owned by this consumer."""
    _next, entries, *_ = conn.xautoclaim(
        stream_key(), settings.INBOX_CONSUMER_GROUP, consumer, settings.WORKER_RECLAIM_IDLE_MS, "0-0", count
    )
    return [(entry_id, _row_id(fields)) for entry_id, fields in entries if fields]


def acknowledge(conn: redis.Redis, entry_id: str) -> None:
    pipe = conn.pipeline(transaction=False)
    pipe.xack(stream_key(), settings.INBOX_CONSUMER_GROUP, entry_id)
    pipe.xdel(stream_key(), entry_id)
    pipe.execute()


def sweep(conn: redis.Redis, *, after_seconds: float | None = None) -> int:
    """Re-queue members whose rows sat pending or `processing` longer than `after_seconds` (default
    `WORKER_SWEEP_AFTER_SECONDS`; 0 after an outage: everything unfinished) and whose member lock is free.
    Returns members re-queued.

    A member whose lock is held is being served (its holder looks for pending rows when it lets go), or its
    dead holder's lock frees within seconds and a later sweep takes it. A row stuck in `processing` keeps
    its status: the next holder of its member's lock takes it again (`bot.processing`)."""
    age = settings.WORKER_SWEEP_AFTER_SECONDS if after_seconds is None else after_seconds
    cutoff = timezone.now() - timedelta(seconds=age)
    unfinished = InboxMessage.objects.filter(
        Q(status=InboxMessage.Status.PROCESSING, claimed_at__lte=cutoff)
        | Q(status=InboxMessage.Status.PENDING) & (Q(received_at__lte=cutoff) | Q(claimed_at__lte=cutoff))
    )
    rows = unfinished.order_by("message_ts", "id").values_list("wa_id", "pk")
    members = _unlocked(conn, first_rows(list(rows)))
    enqueue_members(members, conn, source="sweep")
    if members:
        logger.warning("sweeper re-queued %d member(s) with rows left unfinished", len(members))
    return len(members)


def _unlocked(conn: redis.Redis, members: list[Member]) -> list[Member]:
    """The members whose member lock nobody holds (one pipelined round trip)."""
    if not members:
        return members
    pipe = conn.pipeline(transaction=False)
    for wa_id, _row in members:
        pipe.exists(member_keys(wa_id).lock)
    return [member for member, held in zip(members, pipe.execute(), strict=True) if not held]


def member_entries(conn: redis.Redis, wa_id: str) -> list[bytes]:
    """The member's stream entries: ``m`` is their keyed hash (``wa_id``: an older version's entry)."""
    entries, start = [], "-"
    mine, number = member_key_part(wa_id).encode(), wa_id.encode()
    while batch := conn.xrange(stream_key(), min=start, max="+", count=1000):
        entries += [
            entry for entry, fields in batch if mine == fields.get(b"m") or number == fields.get(b"wa_id")
        ]
        if len(batch) < 1000:
            break
        start = "(" + batch[-1][0].decode()
    return entries


def _erase_entries(conn: redis.Redis, wa_id: str) -> int:
    entries = member_entries(conn, wa_id)
    return int(conn.xdel(stream_key(), *entries)) if entries else 0


member_redis.register(
    member_redis.MemberData(
        "inbox_stream_entries", member_redis.STATE, "the member's waiting deliveries (no number)", __name__,
        find=member_entries, erase=_erase_entries, export=lambda conn, m: len(member_entries(conn, m)),
    )
)  # fmt: skip
