"""Whether the web processes' stream pusher (`bot/stream_pusher.py`) keeps up, measured from outside.

`StreamWatch` tails the inbox stream with a plain `XREAD BLOCK` (no consumer group, so the workers' reading
is untouched) and notes each entry's id time (when Redis added it: milliseconds of the machine's clock) and
the inbox row it names. Afterwards `push_lags` reads those rows' `received_at` (set when the webhook stored
them) and gives, per entry, how long the row waited to reach the stream. One entry per member
per push: a member whose row is already on its way is not pushed again, so there are at most as many lags as
deliveries. Workers add entries too (`by` = `again`, a member handed back to the end of the queue, or
`sweep`); only the pusher's (`by` = `push`) are timed. An entry naming a row older than
`WORKER_SWEEP_AFTER_SECONDS` (60 s, the default the benchmark keeps) is still counted as the sweeper's.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime

import redis

from bench.turn_stack import REDIS_KEY_PREFIX

SWEEP_AFTER_SECONDS = 60  # config/settings/base.py's WORKER_SWEEP_AFTER_SECONDS default


class StreamWatch:
    """A thread noting (entry time in epoch seconds, row id) for each entry added to the inbox stream."""

    def __init__(self, state_url: str, stream: str = "inbox") -> None:
        self.client = redis.Redis.from_url(state_url)
        self.key = f"{REDIS_KEY_PREFIX}:{stream}"
        self.entries: list[tuple[float, int]] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="turn-stream", daemon=True)

    def start(self) -> StreamWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        self.client.close()

    def take(self) -> list[tuple[float, int]]:
        """The entries noted since the last take."""
        taken, self.entries = self.entries, []
        return taken

    def _watch(self) -> None:
        last = "$"
        while not self._stopping.is_set():
            try:
                answer = self.client.xread({self.key: last}, block=500, count=1000)
            except redis.RedisError:
                continue
            for _key, entries in answer or []:
                for entry_id, fields in entries:
                    last = entry_id
                    row = fields.get(b"row")
                    if row is not None and fields.get(b"by", b"push") == b"push":  # not a worker's re-queue
                        self.entries.append((int(entry_id.split(b"-")[0]) / 1000, int(row)))


def push_lags(entries: list[tuple[float, int]], database_url: str) -> tuple[list[float], int]:
    """Seconds from each named row's `received_at` to its stream entry, for the pusher's entries; and how
    many entries the sweeper added."""
    if not entries:
        return [], 0
    received = _received_at([row for _, row in entries], database_url)
    lags = [added - received[row] for added, row in entries if row in received]
    pushed = [lag for lag in lags if lag < SWEEP_AFTER_SECONDS]
    return pushed, len(lags) - len(pushed)


def _received_at(rows: list[int], database_url: str) -> dict[int, float]:
    query = "SELECT id, received_at FROM bot_inboxmessage WHERE id IN ({})"
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            found = connection.execute(query.format(",".join("?" * len(rows))), rows).fetchall()
        return {row: _utc(text).timestamp() for row, text in found}
    import psycopg

    with psycopg.connect(database_url) as connection:
        found = connection.execute(query.format(",".join(["%s"] * len(rows))), rows).fetchall()
    return {row: at.timestamp() for row, at in found}


def _utc(text: str) -> datetime:
    """SQLite's stored time (UTC, no zone) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
