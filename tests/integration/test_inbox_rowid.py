"""The inbox's primary key (`bot.fields.RowidAutoField`) on the real database (both with `-m db_both`).

Ids keep growing with every stored message; on SQLite no AUTOINCREMENT bookkeeping is done, on PostgreSQL the
column is still an identity column; migrating an existing inbox keeps every row and its id.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bot.models import InboxMessage
from tests.support.inbox_rows import message_values, store_row
from tests.support.migrations import migrated_back_to

pytestmark = [pytest.mark.db_both]

BEFORE, AFTER = ("bot", "0002_inbox_db_defaults"), ("bot", "0003_inbox_rowid_pk")


def table_sql() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [InboxMessage._meta.db_table])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_each_new_message_gets_a_larger_id_and_a_duplicate_takes_none():
    first, second = store_row("wamid.1"), store_row("wamid.2")
    assert store_row("wamid.1") is None
    third = store_row("wamid.3")
    assert first < second < third
    assert list(InboxMessage.objects.order_by("pk").values_list("wamid", flat=True)) == [
        "wamid.1",
        "wamid.2",
        "wamid.3",
    ]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="AUTOINCREMENT is SQLite's")
def test_on_sqlite_the_key_is_a_plain_rowid_with_no_sequence_row():
    store_row("wamid.seq")
    assert re.search(r'"id" integer NOT NULL PRIMARY KEY[,)]', table_sql())
    assert "AUTOINCREMENT" not in table_sql()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_sequence")
        assert InboxMessage._meta.db_table not in {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="identity columns are PostgreSQL's")
def test_on_postgresql_the_key_is_still_a_bigint_identity_column():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type, is_identity FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = 'id'",
            [InboxMessage._meta.db_table],
        )
        assert cursor.fetchone() == ("bigint", "YES")


@pytest.mark.django_db(transaction=True)
def test_migrating_an_existing_inbox_keeps_every_row_and_id_and_new_ids_follow_on():
    with migrated_back_to(BEFORE) as old_apps:
        old = old_apps.get_model("bot", "InboxMessage")
        rows = [(wamid, old.objects.create(**message_values(wamid)).pk) for wamid in ("wamid.a", "wamid.b")]
        MigrationExecutor(connection).migrate([AFTER])  # the migration under test, alone
    assert list(InboxMessage.objects.order_by("pk").values_list("wamid", "pk")) == rows
    assert store_row("wamid.new") > rows[-1][1]
