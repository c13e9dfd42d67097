"""`bot.dbinsert.insert_new` on the real database (both with `-m db_both`): defaults, duplicates, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from bot.dbinsert import insert_new
from bot.models import InboxMessage
from tests.support.inbox_rows import message_values

pytestmark = [pytest.mark.db_both, pytest.mark.django_db]


def test_a_new_row_returns_its_id_and_takes_the_database_defaults():
    before = timezone.now()
    row_id = insert_new(InboxMessage, message_values("wamid.A"), unique_field="wamid")
    row = InboxMessage.objects.get(pk=row_id)
    assert (row.status, row.attempts, row.error_ref) == (InboxMessage.Status.PENDING, 0, "")
    assert (row.claimed_at, row.processed_at) == (None, None)
    assert before - timedelta(seconds=5) <= row.received_at <= timezone.now() + timedelta(seconds=5)
    assert row.event == {"type": "text", "body": "hi"}
    assert row.message_ts == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_duplicate_returns_none_and_changes_nothing():
    first = insert_new(InboxMessage, message_values("wamid.B"), unique_field="wamid")
    assert insert_new(InboxMessage, message_values("wamid.B", body="changed"), unique_field="wamid") is None
    assert list(InboxMessage.objects.values_list("pk", "event")) == [(first, {"type": "text", "body": "hi"})]


class Kind(str):
    """Text that is not a plain `str`: adapted by the field as `save()` adapts it."""


@pytest.mark.parametrize("wa_id", ["263771234567", gettext_lazy("263771234567")])
def test_values_are_stored_as_the_orm_stores_them(wa_id):
    values = {**message_values("wamid.orm"), "wa_id": wa_id, "kind": Kind("text")}
    ours = InboxMessage.objects.get(pk=insert_new(InboxMessage, values, unique_field="wamid"))
    theirs = InboxMessage.objects.create(**{**values, "wamid": "wamid.orm2"})
    columns = ("wa_id", "kind", "message_ts", "event", "correlation_id")
    stored = InboxMessage.objects.filter(pk__in=[ours.pk, theirs.pk]).order_by("pk").values_list(*columns)
    assert stored[0] == stored[1] == ("263771234567", "text", values["message_ts"], values["event"], "c0ffee")
    assert type(stored[0][0]) is str and type(stored[0][1]) is str


def test_a_column_set_that_leaves_a_required_column_empty_is_refused_before_any_sql():
    with pytest.raises(ValueError, match="wa_id is NOT NULL without db_default"):
        insert_new(InboxMessage, {"wamid": "wamid.C"}, unique_field="wamid")
    assert not InboxMessage.objects.exists()


def test_a_database_refusal_surfaces_as_djangos_integrity_error():
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_new(InboxMessage, {**message_values("wamid.D"), "wa_id": None}, unique_field="wamid")
    assert InboxMessage.objects.count() == 0


def _our_prepared_statements() -> int:
    with connection.cursor() as cursor:
        query = "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s"
        cursor.execute(query, ["INSERT INTO%"])
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's path")
def test_postgresql_prepares_the_insert_once_per_connection():
    before = _our_prepared_statements()
    insert_new(InboxMessage, message_values("wamid.P0"), unique_field="wamid")
    prepared = _our_prepared_statements()
    for number in range(1, 4):
        insert_new(InboxMessage, message_values(f"wamid.P{number}"), unique_field="wamid")
    assert prepared - before <= 1 and prepared >= 1  # prepared (now or by an earlier test on this connection)
    assert _our_prepared_statements() == prepared  # and not again for each delivery
    assert InboxMessage.objects.count() == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's path")
@pytest.mark.django_db(transaction=True)  # reconnects with the setting off
def test_with_prepared_statements_off_nothing_is_prepared(monkeypatch):
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "prepare_threshold", None)
    connection.close()
    try:
        for number in range(3):
            insert_new(InboxMessage, message_values(f"wamid.Q{number}"), unique_field="wamid")
        assert _our_prepared_statements() == 0
        assert InboxMessage.objects.count() == 3
    finally:
        connection.close()  # the next test connects with the setting restored


# --- PostgreSQL outside a transaction: the statement runs on libpq (bot.pgexec) -------------------------

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="bot.pgexec is PostgreSQL's")


def _statements_named_ours() -> int:
    """Statements prepared under bot.pgexec's names (vp_N); psycopg's own are _pg3_N."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE %s", ["vp\\_%"])
        return cursor.fetchone()[0]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_in_autocommit_the_insert_is_prepared_once_on_libpq_and_stores_the_same_values():
    ids = [insert_new(InboxMessage, message_values(f"wamid.L{n}", body=f"b{n}"), unique_field="wamid")
           for n in range(4)]  # fmt: skip
    assert _statements_named_ours() == 1
    columns = ("pk", "wamid", "event", "message_ts", "status")
    rows = list(InboxMessage.objects.order_by("pk").values_list(*columns))
    stamp = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    expected = [(ids[n], f"wamid.L{n}", {"type": "text", "body": f"b{n}"}, stamp, "pending")
                for n in range(4)]  # fmt: skip
    assert rows == expected


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_in_autocommit_a_duplicate_returns_none_and_a_refusal_is_an_integrity_error():
    first = insert_new(InboxMessage, message_values("wamid.M"), unique_field="wamid")
    assert insert_new(InboxMessage, message_values("wamid.M", body="again"), unique_field="wamid") is None
    with pytest.raises(IntegrityError):
        insert_new(InboxMessage, {**message_values("wamid.N"), "wa_id": None}, unique_field="wamid")
    # The connection is still usable after the refusal.
    assert insert_new(InboxMessage, message_values("wamid.O"), unique_field="wamid") is not None
    assert sorted(InboxMessage.objects.values_list("wamid", flat=True)) == ["wamid.M", "wamid.O"]
    assert InboxMessage.objects.get(pk=first).event == {"type": "text", "body": "hi"}


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_statement_the_server_dropped_is_prepared_again_and_the_row_stored_once():
    insert_new(InboxMessage, message_values("wamid.R0"), unique_field="wamid")
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a pooler's DISCARD ALL does
    assert _statements_named_ours() == 0
    assert insert_new(InboxMessage, message_values("wamid.R1"), unique_field="wamid") is not None
    assert _statements_named_ours() == 1
    assert sorted(InboxMessage.objects.values_list("wamid", flat=True)) == ["wamid.R0", "wamid.R1"]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_inside_atomic_the_insert_rolls_back_with_the_transaction():
    """The libpq path would skip psycopg's BEGIN; inside atomic() the insert must stay in the transaction."""
    with pytest.raises(RuntimeError), transaction.atomic():
        assert insert_new(InboxMessage, message_values("wamid.S"), unique_field="wamid") is not None
        raise RuntimeError("the delivery failed after the insert")
    assert not InboxMessage.objects.exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_pgexec_refuses_to_run_inside_a_transaction():
    from psycopg import ProgrammingError

    from bot import pgexec

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # psycopg has sent BEGIN
        with pytest.raises(ProgrammingError, match="outside a transaction"):
            pgexec.fetch_one(connection.connection, "SELECT $1::int", [1])
