"""`insert_new(model, values, unique_field=)`: one INSERT that skips a duplicate and says whether it inserted.

The webhook's hot path stores each inbound message once, keyed on its unique WhatsApp id. The ORM offers
either `create()` inside a savepoint (four statements: SAVEPOINT, INSERT, RELEASE, and a ROLLBACK TO on a
duplicate) or `bulk_create(ignore_conflicts=True)`, which cannot tell which rows were new. This runs
``INSERT … ON CONFLICT (<unique>) DO NOTHING RETURNING <pk>`` with only the columns the caller sets (each
value adapted by its field's `get_db_prep_save`, as `save()` does, except a plain string into a plain
CharField, which that would return unchanged); every other column takes its database
default (`db_default`, or NULL). A duplicate costs nothing and a new row returns its primary key in the same
round trip. The statement is built once per model and column set. The syntax is shared by SQLite ≥ 3.35 and
PostgreSQL; the tests run it on both (`-m db_both`).

How it runs, by database:
- PostgreSQL: prepared, so it is parsed and planned once per connection instead of on every delivery
  (Django's own cursors bind client-side and never prepare). In autocommit (the webhook's lone message) it
  runs straight on libpq (`bot.pgexec`, half the client CPU of a cursor); inside a transaction on psycopg's
  server-binding `RawCursor` with `prepare=True`. `DB_PREPARED_STATEMENTS=False` (PgBouncer in transaction
  mode before 1.21) leaves `OPTIONS["prepare_threshold"]` None, and both paths then bind without preparing.
- SQLite: on the sqlite3 connection itself (no Django cursor: about 20 µs less), inside
  `bot.sqlitegate.write_gate` (writers queue instead of sleeping).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import psycopg
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

from bot import pgexec
from bot.sqlitegate import write_gate

SQL = "INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT ({unique}) DO NOTHING RETURNING {pk}"


def insert_new(model: type[models.Model], values: Mapping[str, Any], *, unique_field: str) -> Any | None:
    """Insert a `model` row of `values` (field name → Python value) unless one with the same `unique_field`
    exists; the new primary key, or None for a duplicate."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    statement, fields = _prepared(model, tuple(values), unique_field, alias)
    params = [_db_value(field, values[field.name], connection) for field in fields]
    connection.validate_no_broken_transaction()
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        row = _run_prepared_postgresql(connection, statement, params)
    else:  # SQLite: `_prepared` refuses any other database
        with write_gate(connection):
            row = _run_on_sqlite(connection, statement, params)
    return None if row is None else row[0]


def _db_value(field: models.Field, value: Any, connection: BaseDatabaseWrapper) -> Any:
    """`field.get_db_prep_save(value, connection)`, short-cut where it is the identity: a plain `str` into a
    plain CharField comes back unchanged (CharField's preparation only resolves lazy text and calls `str()`
    on what is not text). About 4 µs a column of the webhook's INSERT."""
    if type(value) is str and type(field) is models.CharField:
        return value
    return field.get_db_prep_save(value, connection)


def _run_on_sqlite(connection: BaseDatabaseWrapper, statement: str, params: Sequence[Any]) -> Any:
    """On the sqlite3 connection itself (`?` marks: no per-call query rewriting), under Django's error
    translation. In or out of `atomic()` alike: Django issues SQLite's BEGIN and COMMIT itself."""
    with connection.wrap_database_errors:
        return connection.connection.execute(statement, params).fetchone()


def _run_prepared_postgresql(connection: BaseDatabaseWrapper, statement: str, params: Sequence[Any]) -> Any:
    """Run prepared (unless the settings turn that off), under Django's error translation."""
    raw = connection.connection
    with connection.wrap_database_errors:
        if connection.get_autocommit():
            return pgexec.fetch_one(raw, statement, params, prepare=raw.prepare_threshold is not None)
        with psycopg.RawCursor(raw) as cursor:
            cursor.execute(statement, params, prepare=True)
            return cursor.fetchone()


def _mark(vendor: str, number: int) -> str:
    """Parameter `number`'s placeholder: `$n` for libpq and psycopg's RawCursor, `?` for sqlite3."""
    return f"${number}" if vendor == "postgresql" else "?"


@lru_cache(maxsize=32)
def _prepared(model: type[models.Model], names: tuple[str, ...], unique_field: str,
              alias: str) -> tuple[str, list[models.Field]]:  # fmt: skip
    """The statement and the fields of its parameters; refuses a column set that leaves a NOT NULL column
    with no database default (the INSERT would fail on every call)."""
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    for field in meta.concrete_fields:
        omitted = field.name not in names and not isinstance(field, models.AutoField)
        if omitted and not field.null and not field.has_db_default():
            raise ValueError(f"{meta.label}.{field.name} is NOT NULL without db_default: pass a value")
    connection = connections[alias]
    if connection.vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"insert_new runs on PostgreSQL and SQLite, not {connection.vendor}")
    quote = connection.ops.quote_name
    statement = SQL.format(
        table=quote(meta.db_table),
        columns=", ".join(quote(field.column) for field in fields),
        marks=", ".join(_mark(connection.vendor, number) for number in range(1, len(fields) + 1)),
        unique=quote(meta.get_field(unique_field).column),
        pk=quote(meta.pk.column),
    )
    return statement, fields
