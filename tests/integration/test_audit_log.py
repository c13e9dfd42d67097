"""The audit log: `security.audit.record` writes one cleaned row; UPDATE, DELETE (and on PostgreSQL
TRUNCATE) are refused by the database itself, whoever sends them — the ORM, raw SQL, 20 threads at once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import RequestFactory

from security import audit, correlation
from security.models import AppendOnlyError, AuditEvent
from tests.support.concurrency import run_together

pytestmark = pytest.mark.db_both
PHONE = "263771234567"
MASKED = "•••••••4567"
TABLE = AuditEvent._meta.db_table


def one_row(**overrides) -> AuditEvent:
    values = {"actor": audit.member(PHONE), "obj": "instruction 1", "new": {"state": "confirmed"}}
    audit.record("instruction.confirmed", **{**values, **overrides})
    return AuditEvent.objects.latest("id")


def snapshot(row: AuditEvent) -> tuple:
    fresh = AuditEvent.objects.get(pk=row.pk)
    return (fresh.at, fresh.actor, fresh.action, fresh.obj, fresh.old_values, fresh.new_values)


@pytest.mark.django_db
def test_a_row_has_actor_time_ip_agent_values_and_correlation_id(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().post(
        "/admin/",
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
        HTTP_USER_AGENT="UA/" + "x" * 300,
    )
    with correlation.bound("corr-audit-1"):
        row = one_row(
            old={"phone": PHONE, "state": "pending"},
            new={"state": "confirmed", "token": "t0ken-value", "otp": "123456", "note": f"to {PHONE}\nX"},
            request=request,
        )
    assert row.actor == f"member:{MASKED}" and row.action == "instruction.confirmed"
    assert row.at.utcoffset().total_seconds() == 0
    assert row.client_ip == "203.0.113.9"  # the forged X-Forwarded-For is ignored
    assert len(row.user_agent) == 200 and row.user_agent.startswith("UA/x")
    assert row.old_values == {"phone": MASKED, "state": "pending"}
    assert row.new_values == {"state": "confirmed", "note": f"to {MASKED}\\nX"}  # secrets left out
    assert row.correlation_id == "corr-audit-1"
    assert PHONE not in repr(vars(row)) and "t0ken-value" not in repr(vars(row))


@pytest.mark.django_db
def test_orm_update_and_delete_are_refused_by_the_database():
    row = one_row()
    before = snapshot(row)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).update(action="instruction.done")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert snapshot(row) == before and AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_raw_sql_update_and_delete_are_refused_by_the_database():
    row = one_row()
    before = snapshot(row)
    for statement in (
        f"UPDATE {TABLE} SET actor = 'staff:mallory' WHERE id = %s",  # noqa: S608 - our own table name
        f"UPDATE {TABLE} SET new_values = NULL",  # noqa: S608
        f"DELETE FROM {TABLE} WHERE id = %s",  # noqa: S608
        f"DELETE FROM {TABLE}",  # noqa: S608
    ):
        params = [row.pk] if "%s" in statement else []
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(statement, params)
    assert snapshot(row) == before


@pytest.mark.django_db
def test_the_model_refuses_changes_before_the_database_is_asked():
    row = one_row()
    row.action = "instruction.done"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    assert AuditEvent.objects.get(pk=row.pk).action == "instruction.confirmed"


@pytest.mark.django_db
def test_truncate_is_refused_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite has none); DELETE is refused on both")
    row = one_row()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as c:
        c.execute(f"TRUNCATE {TABLE}")
    assert AuditEvent.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_tamperers_change_nothing_while_writers_append():
    rows = [one_row(obj=f"instruction {n}") for n in range(3)]
    before = [snapshot(row) for row in rows]
    refused: list[str] = []

    def tamper(n: int) -> None:
        if n % 2:
            audit.record("login.success", actor=audit.staff(f"ops{n}"))
            return
        try:
            with connection.cursor() as cursor:
                verb = "DELETE FROM" if n % 4 else "UPDATE"
                tail = "" if verb == "DELETE FROM" else " SET action = 'forged'"
                cursor.execute(f"{verb} {TABLE}{tail}")
        except DatabaseError as exc:
            refused.append(type(exc).__name__)

    errors = run_together(tamper, [(n,) for n in range(20)])

    assert errors == []
    assert refused == ["IntegrityError"] * 10
    assert [snapshot(row) for row in rows] == before
    assert AuditEvent.objects.filter(action="login.success").count() == 10


@pytest.mark.django_db
def test_a_failed_audit_write_is_logged_and_never_breaks_the_caller(caplog):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {TABLE}")  # a real database failure, rolled back after the test
        audit.record("member.export", actor=audit.staff("ops"), new={"fields": 3})
        with connection.cursor() as cursor:  # the caller's transaction is still usable
            cursor.execute("SELECT 1")
        transaction.set_rollback(True)
    assert "audit write failed for member.export" in caplog.text
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_flush_empties_the_log_only_outside_production(settings):
    one_row()
    settings.DJANGO_ENV = "production"
    with pytest.raises(CommandError):
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 1
    settings.DJANGO_ENV = "test"
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    row = one_row()  # and the guard is back in place afterwards
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).update(action="forged")
