"""`bot.dbinsert.insert_new` on the real database (both, with `-m db_both`): defaults, duplicates, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
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
