"""SQLite's one writer at a time, queued for instead of slept on: the webhook's inserts take this gate.

SQLite lets one connection write at a time. A writer that finds the lock taken is refused, and the busy
handler retries after sleeping 1, 2, 5, 10, 15, 20, 25… ms, so under concurrent deliveries an insert that
itself takes a fraction of a millisecond waits tens of milliseconds (measured with `make bench`: the
store's p99 fell from 57 ms to 20 ms behind this gate, 50 connections, 2 Gunicorn workers × 4 threads). The
gate makes writers wait their turn instead: a lock among the threads of a process, then an exclusive
`flock` on `<database>.writelock` among processes, each handed over the moment the holder lets go.

Writers that do not take the gate (the worker, the admin) still meet SQLite's own busy handler, exactly as
before. An in-memory or URI-named database has no file to lock beside it: there the gate is the thread lock.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper


class _Turns:
    """This process's thread lock and lock-file descriptors (fresh in a forked child)."""

    def __init__(self) -> None:
        self.thread_lock = threading.Lock()
        self.files: dict[str, int] = {}
        self.files_guard = threading.Lock()

    def lock_file(self, database: str) -> int | None:
        """The descriptor of the lock file beside `database` (None when there is no such file)."""
        if database in ("", ":memory:") or database.startswith("file:"):
            return None
        with self.files_guard:
            if database not in self.files:
                path = Path(database).with_name(Path(database).name + ".writelock")
                self.files[database] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            return self.files[database]

    def after_fork(self) -> None:
        """A forked child opens its own descriptors: an inherited one would share the parent's lock."""
        for descriptor in self.files.values():
            os.close(descriptor)  # the parent keeps its lock: it holds its own descriptor
        self.__init__()


_turns = _Turns()
os.register_at_fork(after_in_child=_turns.after_fork)


@contextmanager
def write_gate(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Hold SQLite's write turn for the statement run inside (released however the block ends)."""
    turns = _turns
    descriptor = turns.lock_file(str(connection.settings_dict["NAME"]))
    with turns.thread_lock:
        if descriptor is None:
            yield
            return
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
