"""Model fields of our own: `RowidAutoField`, the inbox's primary key without SQLite's AUTOINCREMENT.

On SQLite, Django declares every auto field `integer NOT NULL PRIMARY KEY AUTOINCREMENT`. AUTOINCREMENT only
adds a promise that an id freed by deleting the newest row is never handed out again, and keeps it by
reading and rewriting a row of `sqlite_sequence` in every INSERT: one more B-tree page read and one more page
written to the WAL per stored message. Without it the column is still the table's rowid, and each new row
gets the largest id so far plus one, so ids only ever grow while no row is deleted. Inbox rows are never
deleted (the admin is read-only and erasure blanks them in place: `operator_api.gdpr`), so the promise costs
something and buys nothing there. Measured on the 2-core VM, the webhook's INSERT on the migrated schema
through sqlite3, two connections alternating single-row commits (as two Gunicorn workers do), medians of 6
trials of 3,000: 140 → 129 and 138 → 123 µs of CPU per INSERT (one connection: 123 → 113, 119 → 97).
End to end (two Gunicorn servers up at once, 24 alternating wrk pairs) the gain is below this VM's noise.
On PostgreSQL the field is exactly Django's BigAutoField (an identity column).
"""

from __future__ import annotations

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


class RowidAutoField(models.BigAutoField):
    """A BigAutoField that is a plain rowid alias on SQLite (no AUTOINCREMENT); unchanged elsewhere."""

    def db_type_suffix(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "sqlite":
            return None
        return super().db_type_suffix(connection)
