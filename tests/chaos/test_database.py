"""Database faults under a real `run_worker` on a SQLite file: the worker lives, every acked row is answered,
readiness (`GET /readyz`) is red during the fault and green after.

Faults: another connection holds `BEGIN EXCLUSIVE` past the busy timeout (lowered to 1 s for the worker
through SQLITE_BUSY_TIMEOUT_SECONDS), and the database file and its WAL made immutable (`chattr +i`, which
refuses writes even to root, who ignores `chmod`). The shared-memory index (`-shm`) is left writable: an
immutable `-shm` raises SIGBUS in every process mapping it (SQLite maps it in WAL mode whatever
`mmap_size` says); see README, Readiness.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from bot.models import InboxMessage
from devtools import payloads as p
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401  (fixture)
from tests.support.signing import post_signed
from tests.support.workers import answered_rows, start_worker, stop_worker, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.timeout(60)]
MEMBERS = [f"26377300{n:04d}" for n in range(6)]
FAULT_SECONDS = 4.0


@pytest.fixture
def sqlite_file():
    if connection.vendor != "sqlite" or connection.settings_dict["NAME"].startswith(("file:", ":memory:")):
        pytest.skip("a SQLite file is what these faults act on")
    return Path(connection.settings_dict["NAME"])


@pytest.fixture
def worker(settings, fake_graph, sqlite_file):
    settings.PROCESSING_MODE = "queue"
    process = start_worker(
        fake_graph.url, "chaos-db", SQLITE_BUSY_TIMEOUT_SECONDS="1", PROCESSING_MODE="queue"
    )
    assert wait_until(lambda: ready() == (200, []), 20), ready()
    yield process
    assert process.poll() is None, "the worker died"
    assert stop_worker(process) == 0


def ready() -> tuple[int, list[str]]:
    response = Client().get("/readyz")
    return response.status_code, response.json()["failed"]


def post_one_each(text: str) -> None:
    for member in MEMBERS:
        payload = p.envelope(
            p.entry(p.change(messages=[p.text_message(text, sender=member)], contacts=[p.contact(member)]))
        )
        assert post_signed(Client(), payload).status_code == 200


def all_answered(fake) -> bool:
    acked = set(InboxMessage.objects.values_list("pk", flat=True))
    return acked <= {row for _, row in answered_rows(fake)}


@contextmanager
def exclusive_lock(path: Path):
    """Another connection holds the write lock (readers in WAL mode still read)."""
    holder = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def immutable(path: Path):
    """The file and its WAL made immutable. A reader is held open meanwhile: with no connection left, SQLite
    deletes the WAL, and `chattr` on a missing WAL would fail after freezing the database file."""
    keeper = sqlite3.connect(path, check_same_thread=False)
    keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens (creates) the -wal and -shm
    files = [str(path), f"{path}-wal"]
    try:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", *files]).returncode != 0:
            pytest.skip("chattr +i is not available here")
        yield
    finally:
        subprocess.run(["chattr", "-i", *files], check=False)  # also after a partial +i
        keeper.close()


@pytest.mark.parametrize(
    "fault",
    [exclusive_lock, immutable],
    ids=["locked_past_busy_timeout", "read_only"],
)
def test_database_fault_keeps_worker_alive_answers_every_acked_row_and_readiness_tracks_it(
    worker, fake_graph, sqlite_file, fault
):
    post_one_each("hi")  # acknowledged before the fault: the worker is on them as it strikes
    during: list[tuple[int, list[str]]] = []
    with fault(sqlite_file):
        deadline = time.monotonic() + FAULT_SECONDS
        while time.monotonic() < deadline:
            during.append(ready())
            time.sleep(0.5)
    assert during and all(status == 503 and "database" in failed for status, failed in during), during
    # Recovery bounded: green again and every acknowledged row answered within 15 s of the fault's end.
    assert wait_until(lambda: ready() == (200, []), 15), ready()
    assert wait_until(lambda: all_answered(fake_graph), 15), "an acknowledged row was never answered"
    assert worker.poll() is None, "the worker died"
