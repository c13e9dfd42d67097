"""`insert_new(instance, unique_field)`: one INSERT that skips a duplicate and says whether it inserted.

The webhook's hot path stores each inbound message once, keyed on its unique WhatsApp id. The ORM offers
either `create()` inside a savepoint (four statements: SAVEPOINT, INSERT, RELEASE, and a ROLLBACK TO on a
duplicate) or `bulk_create(ignore_conflicts=True)`, which cannot tell which rows were new. This builds
``INSERT … ON CONFLICT (<unique>) DO NOTHING RETURNING <pk>`` from the model's own field definitions (values
adapted by each field's `get_db_prep_save`, as `save()` does), so a duplicate costs nothing and a new row
returns its primary key in the same round trip. The syntax is shared by SQLite ≥ 3.35 and PostgreSQL; the
tests run it on both (`-m db_both`).
"""

from __future__ import annotations

from typing import Any

from django.db import connections, models, router


def insert_new(instance: models.Model, *, unique_field: str) -> Any | None:
    """Insert `instance` unless a row with the same `unique_field` exists; the new primary key, or None."""
    model = type(instance)
    meta = model._meta
    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not isinstance(field, models.AutoField)]
    values = [field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields]
    sql = "INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT ({unique}) DO NOTHING RETURNING {pk}"
    statement = sql.format(
        table=quote(meta.db_table),
        columns=", ".join(quote(field.column) for field in fields),
        marks=", ".join(["%s"] * len(fields)),
        unique=quote(meta.get_field(unique_field).column),
        pk=quote(meta.pk.column),
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        row = cursor.fetchone()
    if row is None:
        return None
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = alias
    return row[0]
