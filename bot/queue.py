"""The inbox work queue: a Redis stream on the state instance, consumed by `run_worker` through a group.

Entries name a member (`wa_id`), not a row: processing a member drains all of its pending rows in order, so
one entry per member and delivery is enough. Entries are acknowledged after processing; entries of a crashed
consumer are reclaimed after `WORKER_RECLAIM_IDLE_MS`; the sweeper re-queues inbox rows left pending or stuck
in `processing` (a worker died mid-row) for longer than `WORKER_SWEEP_AFTER_SECONDS`.
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

logger = logging.getLogger(__name__)

STREAM_MAXLEN = 100_000


def stream_key() -> str:
    return f"{settings.REDIS_KEY_PREFIX}:{settings.INBOX_STREAM}"


def xadd_command(wa_id: str) -> tuple:
    """The XADD that queues one member (capped stream, approximate trimming)."""
    return ("XADD", stream_key(), "MAXLEN", "~", STREAM_MAXLEN, "*", "wa_id", wa_id)


def enqueue_members(wa_ids: list[str], connection: redis.Redis | None = None) -> None:
    """Push one entry per member (pipelined: one round trip)."""
    if not wa_ids:
        return
    conn = connection or get_redis_connection("state")
    if len(wa_ids) == 1:  # one member: one round trip without pipeline overhead
        conn.execute_command(*xadd_command(wa_ids[0]))
        return
    pipe = conn.pipeline(transaction=False)
    for wa_id in wa_ids:
        pipe.execute_command(*xadd_command(wa_id))
    pipe.execute()


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


def read_new(conn: redis.Redis, consumer: str, *, count: int, block_ms: int) -> list[tuple[str, str]]:
    """New entries for this consumer as (entry id, wa_id)."""
    reply = conn.xreadgroup(
        settings.INBOX_CONSUMER_GROUP, consumer, {stream_key(): ">"}, count=count, block=block_ms
    )
    return [(entry_id, fields["wa_id"]) for _stream, entries in reply or [] for entry_id, fields in entries]


def reclaim_stale(conn: redis.Redis, consumer: str, *, count: int) -> list[tuple[str, str]]:
    """Entries another consumer took but never acknowledged (it crashed), now owned by this consumer."""
    _next, entries, *_ = conn.xautoclaim(
        stream_key(), settings.INBOX_CONSUMER_GROUP, consumer, settings.WORKER_RECLAIM_IDLE_MS, "0-0", count
    )
    return [(entry_id, fields["wa_id"]) for entry_id, fields in entries if fields]


def acknowledge(conn: redis.Redis, entry_id: str) -> None:
    pipe = conn.pipeline(transaction=False)
    pipe.xack(stream_key(), settings.INBOX_CONSUMER_GROUP, entry_id)
    pipe.xdel(stream_key(), entry_id)
    pipe.execute()


def sweep(conn: redis.Redis) -> int:
    """Re-queue members whose rows sat pending or stuck in processing too long. Returns rows re-queued."""
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_SWEEP_AFTER_SECONDS)
    stuck = InboxMessage.objects.filter(status=InboxMessage.Status.PROCESSING, claimed_at__lt=cutoff)
    reset = stuck.update(status=InboxMessage.Status.PENDING)
    waiting = InboxMessage.objects.filter(status=InboxMessage.Status.PENDING).filter(
        Q(received_at__lt=cutoff) | Q(claimed_at__lt=cutoff)
    )
    members = list(dict.fromkeys(waiting.values_list("wa_id", flat=True)))
    enqueue_members(members, conn)
    if reset or members:
        logger.warning(
            "sweeper re-queued %d member(s); %d row(s) were stuck in processing", len(members), reset
        )
    return len(members)
