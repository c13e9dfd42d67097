"""Real `run_worker` processes for queue-mode tests, and what the fake Graph API says they answered.

`start_worker(...)` starts `manage.py run_worker` as a subprocess on the test database (SQLite file or the
PostgreSQL server of the run), the test Redis pair, the given fake Graph API and ledger. `answered_rows(fake)`
maps what arrived at the fake back to the inbox rows it answers (through `biz_opaque_callback_data`, our
outbox id), in arrival order.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

from bot.models import InboxMessage, OutboxMessage

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the database this test runs on, for a subprocess."""
    current = connection.settings_dict
    if current["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{current['NAME']}"
    return f"postgresql://{current['USER']}:{current['PASSWORD']}@{current['HOST']}:{current['PORT']}/{current['NAME']}"


def start_worker(
    graph_url: str, name: str, *, ledger_url: str = "", concurrency: int = 8, **extra: str
) -> subprocess.Popen:
    """A worker process named `name` (its consumer name); `extra` settings go into its environment."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "WHATSAPP_API_URL": graph_url,
        "WORKER_CONCURRENCY": str(concurrency),
        "WORKER_RECLAIM_IDLE_MS": "500",
        "WORKER_SWEEP_AFTER_SECONDS": "3",
        "WORKER_SWEEP_EVERY_SECONDS": "1",
        "MEMBER_LOCK_TTL_MS": "1500",
        "MYCREDEX_APP_URL": ledger_url or settings.MYCREDEX_APP_URL,
        "CLIENT_API_KEY": settings.CLIENT_API_KEY,
        "MYCREDEX_THROTTLE_PER_MINUTE": "0",
        "INBOUND_PER_MINUTE": "1000",
        "WHATSAPP_BACKOFF_BASE_SECONDS": str(settings.WHATSAPP_BACKOFF_BASE_SECONDS),
        **extra,
    }
    logs = Path(os.environ.get("TEST_WORKER_LOGS") or os.environ.get("TEST_WORKDIR", "/tmp"))
    log = open(logs / f"worker-{name}.log", "ab")  # noqa: SIM115
    with log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--consumer", name],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


def stop_worker(worker: subprocess.Popen) -> int:
    """SIGTERM, then its exit status (it finishes the turns in flight first)."""
    worker.terminate()
    try:
        return worker.wait(20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(5)
        raise


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def answered_rows(fake, recipient: str | None = None) -> list[tuple[float, int]]:
    """(arrival time, answered inbox row id) for each message that arrived, in arrival order."""
    arrivals = [request for request in fake.requests if recipient is None or request.to == f"+{recipient}"]
    ids = {request.json.get("biz_opaque_callback_data") for request in arrivals}
    rows = dict(OutboxMessage.objects.filter(pk__in=ids).values_list("pk", "in_reply_to_id"))
    return [
        (request.at, rows.get(_uuid(request.json.get("biz_opaque_callback_data")))) for request in arrivals
    ]


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def inbox_ids(wa_id: str) -> list[int]:
    """The member's inbox row ids in message order."""
    rows = InboxMessage.objects.filter(wa_id=wa_id).order_by("message_ts", "id")
    return list(rows.values_list("pk", flat=True))
