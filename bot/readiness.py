"""Readiness (`GET /readyz`): can this stack take a message and answer it, not merely "is the process up".

Red (503) unless every check passes; the answer is `{"ready": bool, "failed": [names]}`, nothing more (no
URLs, no error texts: those go to the log as class names only). The checks:
- `database`: a write is committed: the `ReadinessProbe` row's counter goes up by one, so a locked or
  read-only database is red (the liveness probe's SELECT 1 passes on both). The row must change: a
  rolled-back write never reaches the file, and SQLite commits an UPDATE that leaves its page as it was
  without writing anything (so a no-op UPDATE stayed green on a `chattr +i` file). On SQLite the probe
  waits at most `DB_PROBE_TIMEOUT_MS` for the write lock, not the settings' busy timeout.
- `cache`, `state`: each Redis answers PING.
- `worker` (queue mode only): some worker beat within `WORKER_HEARTBEAT_MAX_AGE_SECONDS` (bot/heartbeat.py).
- `stream` (queue mode only): at most `READY_MAX_STREAM_BACKLOG` entries of the inbox stream wait, counting
  those not yet read by the consumer group (its lag) and those read but not acknowledged (pending).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django_redis import get_redis_connection

from bot import heartbeat, queue
from bot.models import ReadinessProbe

logger = logging.getLogger("bot.readiness")
DB_PROBE_TIMEOUT_MS = 1000
PROBE_ROW = 1


class NotReadyError(Exception):
    """A check ran and found the dependency not fit to serve (as opposed to failing to reach it)."""


def database_writable() -> None:
    """Commit a write that changes a row (`ReadinessProbe.writes` + 1); raises when the database cannot be
    written now. On SQLite the write lock is waited for at most `DB_PROBE_TIMEOUT_MS`."""
    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        if sqlite:  # before BEGIN: transaction_mode IMMEDIATE takes the write lock there
            cursor.execute(f"PRAGMA busy_timeout = {DB_PROBE_TIMEOUT_MS}")
        try:
            with transaction.atomic():
                ReadinessProbe.objects.get_or_create(pk=PROBE_ROW)
                ReadinessProbe.objects.filter(pk=PROBE_ROW).update(writes=F("writes") + 1)
        finally:
            if sqlite:  # the connection goes on serving requests with the configured busy timeout
                busy_ms = int(connection.settings_dict["OPTIONS"].get("timeout", 5) * 1000)
                cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")


def worker_beating() -> None:
    age = heartbeat.newest_age(get_redis_connection("state"))
    if age is None or age > settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS:
        raise NotReadyError("no recent worker heartbeat")


def stream_consumed() -> None:
    groups = get_redis_connection("state").xinfo_groups(queue.stream_key())
    group = next((g for g in groups if _text(g["name"]) == settings.INBOX_CONSUMER_GROUP), None)
    if group is None:
        raise NotReadyError("no consumer group")
    backlog = (group.get("lag") or 0) + group["pending"]  # lag is None when Redis cannot tell
    if backlog > settings.READY_MAX_STREAM_BACKLOG:
        raise NotReadyError("stream backlog over bound")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def checks() -> dict[str, Callable[[], None]]:
    """The checks readiness runs, by name (the stream ones only when a worker is meant to run)."""
    named = {
        "database": database_writable,
        "cache": lambda: get_redis_connection("default").ping(),
        "state": lambda: get_redis_connection("state").ping(),
    }
    if settings.PROCESSING_MODE == "queue":
        named |= {"worker": worker_beating, "stream": stream_consumed}
    return named


def failed_checks() -> list[str]:
    """The names of the checks that failed now (empty: ready)."""
    failed = []
    for name, check in checks().items():
        try:
            check()
        except Exception as exc:  # any failure is "not ready"; only the class name reaches the log
            logger.warning("readiness: %s failed (%s)", name, type(exc).__name__)
            failed.append(name)
    return failed
