"""Text keys are unique or indexed without PostgreSQL's pattern-ops twins (both databases with `-m db_both`).

`unique=True` / `db_index=True` on a CharField make Django add a `varchar_pattern_ops` index beside the plain
one on PostgreSQL; the models declare theirs in `Meta` instead (see the `bot.models` docstring). These tests
read the real schema: every former key is still unique or indexed, duplicates are still refused, no
pattern-ops index exists, and migrating a populated inbox keeps its rows and their uniqueness.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from bot.models import InboxMessage, OutboxMessage, PlatformError
from credex_api.models import Instruction
from security import audit
from security.models import AuditEvent
from tests.support.inbox_rows import message_values, store_row
from tests.support.migrations import migrated_back_to

pytestmark = [pytest.mark.db_both]

UNIQUE_KEYS = [(InboxMessage, "wamid"), (OutboxMessage, "wamid"), (PlatformError, "digest")]
INDEXED_KEYS = [(OutboxMessage, "wa_id"), (Instruction, "member"), (AuditEvent, "action"),
                (AuditEvent, "correlation_id")]  # fmt: skip
BEFORE = ("bot", "0003_inbox_rowid_pk")
AUDIT_BEFORE = ("security", "0001_initial")
OUR_APPS = ("bot", "credex_api", "security")


def constraints_of(model) -> list[dict]:
    with connection.cursor() as cursor:
        return list(connection.introspection.get_constraints(cursor, model._meta.db_table).values())


def our_tables() -> list[str]:
    """Every table of the apps the rule covers (all but the sandbox ledger, a development stand-in)."""
    models = [model for app in OUR_APPS for model in apps.get_app_config(app).get_models()]
    return sorted({model._meta.db_table for model in models})


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "column"), UNIQUE_KEYS, ids=lambda item: getattr(item, "__name__", item))
def test_each_former_unique_text_key_is_still_unique_with_one_index(model, column):
    on_column = [c for c in constraints_of(model) if c["columns"] == [column]]
    assert len(on_column) == 1  # the migration left no index of the old declaration behind
    assert on_column[0]["unique"]


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "column"), INDEXED_KEYS, ids=lambda item: getattr(item, "__name__", item))
def test_each_former_indexed_text_column_is_still_indexed_once(model, column):
    on_column = [c for c in constraints_of(model) if c["columns"] == [column]]
    assert len(on_column) == 1
    assert on_column[0]["index"]


@pytest.mark.django_db
def test_duplicates_are_still_refused():
    assert store_row("wamid.dup") is not None
    assert store_row("wamid.dup") is None
    OutboxMessage.objects.create(wa_id="263770000001", kind="text", payload={}, wamid="wamid.out")
    PlatformError.objects.create(code=131000, digest="d" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(wa_id="263770000002", kind="text", payload={}, wamid="wamid.out")
    with pytest.raises(IntegrityError), transaction.atomic():
        PlatformError.objects.create(code=131000, digest="d" * 64)
    OutboxMessage.objects.create(wa_id="263770000003", kind="text", payload={})  # no wamid yet: NULLs differ
    OutboxMessage.objects.create(wa_id="263770000004", kind="text", payload={})
    assert OutboxMessage.objects.filter(wamid__isnull=True).count() == 2


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pattern-ops indexes are PostgreSQL's")
def test_on_postgresql_no_text_column_of_ours_has_a_pattern_ops_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s) AND indexdef LIKE %s",
            [our_tables(), "%pattern_ops%"],
        )
        assert cursor.fetchall() == []
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = ANY(%s)", [our_tables()])
        assert cursor.fetchone()[0] >= len(UNIQUE_KEYS + INDEXED_KEYS)  # the query does see our indexes


@pytest.mark.django_db(transaction=True)
def test_migrating_a_populated_inbox_keeps_its_rows_and_still_refuses_their_duplicates():
    with migrated_back_to(BEFORE) as old_apps:
        old = old_apps.get_model("bot", "InboxMessage")
        rows = [(wamid, old.objects.create(**message_values(wamid)).pk) for wamid in ("wamid.a", "wamid.b")]
    assert list(InboxMessage.objects.order_by("pk").values_list("wamid", "pk")) == rows
    assert store_row("wamid.a") is None
    assert store_row("wamid.c") > rows[-1][1]


def audit_guard_refuses_a_delete() -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table}")  # noqa: S608 - our own table name
    except IntegrityError:
        return True
    return False


@pytest.mark.django_db(transaction=True)
def test_the_audit_log_is_still_append_only_after_its_index_migration_either_way():
    audit.record("test.migrated", actor=audit.SYSTEM)
    with migrated_back_to(AUDIT_BEFORE):  # reversed: the table rebuilt back
        assert audit_guard_refuses_a_delete()
    assert audit_guard_refuses_a_delete()
    assert AuditEvent.objects.filter(action="test.migrated").count() == 1
