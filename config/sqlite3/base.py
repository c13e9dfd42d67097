"""Django's SQLite backend, except that a connection which raised a database error is not reused.

Django reuses a connection after an error (other than a data or integrity error) when the backend says it is
usable, and SQLite's always says so: it cannot tell. But a connection opened while the file could not be
written (read-only, `chattr +i`) stays read-only for its whole life: reused for `DB_CONN_MAX_AGE`, every write
through it failed with "attempt to write a readonly database" long after the file was writable again. So
here a connection is usable only while no error occurred on it; `close_old_connections` (each request's start
and end, each worker cycle and member job) then closes it, and the next query opens a fresh one (a file
open: cheap). Settings select this backend for every SQLite database (`ENGINE = "config.sqlite3"`).
"""

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        return not self.errors_occurred
