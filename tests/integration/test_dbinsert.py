"""`bot.dbinsert.insert_new` on the real database (both with `-m db_both`): defaults, duplicates, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bot.dbinsert import insert_new
from bot.models import InboxMessage

pytestmark = [pytest.mark.db_both, pytest.mark.django_db]


def message_values(wamid: str, body: str = "hi") -> dict:
    return {
        "wamid": wamid,
        "wa_id": "263771234567",
        "kind": "text",
        "message_ts": datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        "event": {"type": "text", "body": body},
        "correlation_id": "c0ffee",
    }


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
