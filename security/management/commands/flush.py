"""`manage.py flush`, which also empties the append-only audit log, in development and tests only.

Django's flush deletes (SQLite) or truncates (PostgreSQL) every table; the audit log's triggers refuse
both, so the stock command fails as soon as the log has a row (on PostgreSQL, always: TRUNCATE is refused
even on an empty table). The test suite's transactional tests flush between tests, so this command lifts
the guard for the flush, in the same transaction (`security.audit.guard_lifted`), when DJANGO_ENV is
development or test. Anywhere else the guard stays: the flush fails and the log is kept.
"""

from django.conf import settings
from django.core.management.commands import flush
from django.db import connections

from security.audit import guard_lifted

LIFTED_IN = ("development", "test")


class Command(flush.Command):
    def handle(self, **options: object) -> None:
        if getattr(settings, "DJANGO_ENV", "production") not in LIFTED_IN:
            super().handle(**options)
            return
        with guard_lifted(connections[options["database"]]):
            super().handle(**options)
