"""Writing the audit log (`record`), and the database guard that makes it append-only.

    audit.record("instruction.confirmed", actor=audit.member("263771234567"), obj=f"instruction {key}",
                 new={"action": "credex_offer", "state": "confirmed"})

- `actor` is a string: `member(wa_id)` gives "member:<masked phone>", `staff(username)` "staff:<username>",
  or the constants SYSTEM and LEDGER.
- `old`/`new` are JSON-like values, cleaned before they are stored: keys named like a secret (token,
  secret, password, key, otp, pin, ...) are left out, message-text keys dropped, phone numbers masked,
  control characters escaped (`security.logfilter.redact_data`).
- With `request`, the row gets the trusted client IP (`security.client_ip`) and the user agent (first 200
  characters); the correlation id defaults to the one bound for this delivery (`security.correlation`).
- `record` never raises: an audit write that fails is logged (ERROR, on "security.audit") and the
  operation it describes goes on, since it has usually already happened (a ledger call, a login).
  Inside a transaction the insert runs in its own savepoint, so a failure cannot break the caller's.

The guard (`install_guard`, installed by migration 0001 for the connection's vendor): triggers that
reject UPDATE and DELETE on the table on SQLite (`RAISE(ABORT, ...)`) and PostgreSQL (a plpgsql function,
row triggers, and a statement trigger for TRUNCATE); both raise `IntegrityError` through Django. Anyone
who may drop triggers can still lift it: in production, run the app as a database role that does not own
the table. `guard_lifted` does exactly that for `manage.py flush` outside production (the test suite's
transactional tests flush the database between tests).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, connection, transaction

from security import correlation
from security.client_ip import client_ip
from security.logfilter import redact_data, redact_text
from security.models import APPEND_ONLY_MESSAGE, AuditEvent
from security.redaction import mask_phone

logger = logging.getLogger("security.audit")

SYSTEM = "system"
LEDGER = "ledger"
USER_AGENT_LENGTH = 200
TABLE = AuditEvent._meta.db_table

_SQLITE_GUARD = [
    f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END;",
    f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END;",
]
_SQLITE_UNGUARD = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update;", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;"]
_POSTGRES_GUARD = [
    f"CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'restrict_violation'; END; $$;",
    f"CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only();",
    f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only();",
]
_POSTGRES_UNGUARD = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE};",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};",
    f"DROP FUNCTION IF EXISTS {TABLE}_append_only();",
]


def member(wa_id: str) -> str:
    """The actor of a member's own action: "member:<masked phone>"."""
    return f"member:{mask_phone(wa_id)}"


def staff(username: str) -> str:
    """The actor of a staff action: "staff:<username>"."""
    return f"staff:{redact_text(str(username))[:100]}"


def record(
    action: str,
    *,
    actor: str,
    obj: str = "",
    old: Any = None,
    new: Any = None,
    request: Any = None,
    correlation_id: str = "",
) -> None:
    """Append one audit row (see the module docstring); never raises."""
    try:
        row = AuditEvent(
            actor=redact_text(actor)[:120],
            action=action[:64],
            obj=redact_text(obj)[:200],
            old_values=redact_data(old, drop_sensitive=True) if old is not None else None,
            new_values=redact_data(new, drop_sensitive=True) if new is not None else None,
            correlation_id=(correlation_id or correlation.current())[:64],
        )
        if request is not None:
            row.client_ip = client_ip(request)
            row.user_agent = redact_text(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_LENGTH]
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint: a failed insert leaves the caller's transaction usable
                row.save(force_insert=True)
        else:
            row.save(force_insert=True)  # autocommit: one INSERT, no BEGIN/COMMIT
    except Exception as exc:  # the operation already happened; losing its row must not undo it
        logger.error("audit write failed for %s (%s)", action, type(exc).__name__)


def _statements(vendor: str, *, guard: bool) -> list[str]:
    if vendor == "sqlite":
        return _SQLITE_GUARD if guard else _SQLITE_UNGUARD
    if vendor == "postgresql":
        return _POSTGRES_GUARD if guard else _POSTGRES_UNGUARD
    raise DatabaseError(f"no append-only guard for the {vendor} database")


def install_guard(db: Any) -> None:
    """Create the append-only triggers on `db` (a Django connection)."""
    with db.cursor() as cursor:
        for statement in _statements(db.vendor, guard=True):
            cursor.execute(statement)


def remove_guard(db: Any) -> None:
    """Drop the append-only triggers (migration reversal; `guard_lifted`)."""
    with db.cursor() as cursor:
        for statement in _statements(db.vendor, guard=False):
            cursor.execute(statement)


@contextmanager
def guard_lifted(db: Any) -> Iterator[None]:
    """Inside one transaction: drop the triggers, run the block, put them back (flush outside production)."""
    with transaction.atomic(using=db.alias):
        remove_guard(db)
        yield
        install_guard(db)
