"""Django's SQLite backend, except that a connection which raised a database error is not reused.

Django reuses a connection after an error (other than a data or integrity error) when the backend says it is
usable, and SQLite's always says so: it cannot tell. But a connection opened while the file could not be
written (read-only, `chattr +i`) stays read-only for its whole life: reused for `DB_CONN_MAX_AGE`, every write
through it failed with "attempt to write a readonly database" long after the file was writable again. So
here a connection that had an error is closed by `close_old_connections` (each request's start and end, each
worker cycle and member job) and the next query opens a fresh one (a file open: cheap). The error is
remembered apart from Django's `errors_occurred`, which a rollback clears: a failed write inside
`transaction.atomic()` rolls back before the request ends. Settings select this backend for every SQLite
database (`ENGINE = "config.sqlite3"`).
"""

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    failed = False  # an error occurred on this connection since it was opened

    @property
    def errors_occurred(self) -> bool:
        return self.__dict__.get("_errors_occurred", False)

    @errors_occurred.setter
    def errors_occurred(self, value: bool) -> None:
        self.__dict__["_errors_occurred"] = value
        if value:
            self.failed = True

    def connect(self) -> None:
        super().connect()
        self.failed = False

    def is_usable(self) -> bool:
        return not self.failed

    def close_if_unusable_or_obsolete(self) -> None:
        if self.connection is not None and self.failed:
            self.close()
            return
        super().close_if_unusable_or_obsolete()
