"""Outbox rows around a send: no downgrade of a row a status webhook moved, one send per row even when
workers race, captured mode sends nothing, and logs keep the token, phone and text out.
"""

import logging
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bot.models import OutboxMessage
from bot.outbox import alert_unresolved, flush, record_and_send, record_captured, send_row
from bot.sender import GraphSender, get_sender
from flows.types import TextReply
from tests.support.fake_graph import (  # noqa: F401 - the imports register the fixtures
    fake_graph_fixture,
    graph_sender_fixture,
)

pytestmark = pytest.mark.django_db

WA_ID = "263771234567"
PHONE_ID = "109876543210"
TOKEN = "test-token-EAAG-not-real"


@pytest.fixture(autouse=True)
def _graph_settings(settings):
    settings.WHATSAPP_ACCESS_TOKEN = TOKEN
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_ID
    settings.WHATSAPP_SEND_MAX_ATTEMPTS = 4
    settings.WHATSAPP_BACKOFF_BASE_SECONDS = 1.0
    settings.WHATSAPP_CONNECT_TIMEOUT = 1.0
    settings.WHATSAPP_READ_TIMEOUT = 2.0


def send_text(graph_sender, body="Your balance is $12.50"):
    return record_and_send(wa_id=WA_ID, reply=TextReply(body=body), in_reply_to_id=None, sender=graph_sender)


def stored(row):
    return OutboxMessage.objects.get(pk=row.pk)


# --- outbox row rules ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_status_webhook_that_got_there_first_is_not_downgraded(fake_graph, graph_sender):
    def webhook_delivered_first(request):
        OutboxMessage.objects.filter(pk=request.json["biz_opaque_callback_data"]).update(status="delivered")

    fake_graph.respond_ok(before=webhook_delivered_first)
    row = stored(send_text(graph_sender))
    assert row.status == OutboxMessage.Status.DELIVERED
    assert row.wamid == fake_graph.issued_wamids[0]
    assert row.accepted_at is not None


@pytest.mark.django_db(transaction=True)
def test_racing_senders_send_a_row_once(fake_graph, graph_sender):
    row = OutboxMessage.objects.create(
        wa_id=WA_ID, kind="text", payload={"messaging_product": "whatsapp", "to": "+263771234567"}
    )
    barrier = threading.Barrier(4)
    results = []

    def race():
        racer = GraphSender()
        barrier.wait()
        results.append(send_row(OutboxMessage.objects.get(pk=row.pk), sender=racer))
        racer.close()
        connection.close()  # this thread's own database connection

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(fake_graph.requests) == 1
    assert sorted(result.skipped for result in results) == [False, True, True, True]
    assert stored(row).status == OutboxMessage.Status.ACCEPTED


def test_an_already_accepted_row_is_never_sent_again(fake_graph, graph_sender):
    row = send_text(graph_sender)
    again = send_row(stored(row), sender=graph_sender)
    assert again.skipped
    assert len(fake_graph.requests) == 1


def test_captured_mode_sends_nothing(fake_graph):
    payload = record_captured(wa_id=WA_ID, reply=TextReply(body="Hi"), in_reply_to_id=None)
    assert payload == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+263771234567",
        "type": "text",
        "text": {"body": "Hi", "preview_url": False},
    }
    assert fake_graph.requests == []
    row = OutboxMessage.objects.get()
    assert (row.status, row.kind, row.payload, row.wamid) == ("captured", "text", payload, None)


# --- process-wide client and logging --------------------------------------------------------------------


def test_one_sender_and_session_per_process():
    assert get_sender() is get_sender()


def test_logs_carry_neither_token_nor_phone_nor_text(fake_graph, graph_sender, caplog):
    caplog.set_level(logging.DEBUG)
    fake_graph.respond_error(131026)
    send_text(graph_sender, body="Pay Chipo 40.00")
    send_text(graph_sender, body="Pay Chipo 40.00")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "outbox" in logged  # the outcomes are logged, with the recipient masked...
    assert "•••••••4567" in logged
    for secret in (TOKEN, WA_ID, "Chipo"):  # ...without the secrets
        assert secret not in logged


def test_a_reply_tried_without_any_answer_is_reported_once_and_never_sent_again(
    fake_graph, graph_sender, settings, caplog
):
    """A worker killed between the claim and Meta's answer leaves a row tried, with no answer and no status:
    after OUTBOX_UNRESOLVED_AFTER_SECONDS ops are told once (ids only); nothing is re-sent."""
    settings.OUTBOX_UNRESOLVED_AFTER_SECONDS = 60
    row = OutboxMessage.objects.create(
        wa_id=WA_ID, kind="text", payload={"messaging_product": "whatsapp", "to": "+263771234567"}, attempts=1
    )  # claimed, then the worker died: no wamid, no outcome
    fresh = OutboxMessage.objects.create(wa_id=WA_ID, kind="text", payload={}, attempts=1)
    OutboxMessage.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    caplog.set_level(logging.WARNING, logger="security.alerts")
    assert alert_unresolved() == 1
    assert alert_unresolved() == 0  # once
    alerts = [r for r in caplog.records if getattr(r, "alert", "") == "outbox.unresolved"]
    assert len(alerts) == 1 and alerts[0].alert_details == {"outbox_ids": [str(row.pk)]}
    assert WA_ID not in caplog.text
    flush(WA_ID, sender=graph_sender)
    assert fake_graph.requests == []  # neither the unresolved row nor the recent one is sent again
    assert stored(row).error_class == "unresolved" and stored(fresh).error_class == ""
