"""The Graph sender and the outbox against a fake Graph API over real HTTP: payloads, headers, retries.

A retry is never slept: the row gets `retry_at` and its id goes into the due set on the state Redis; these
tests then make it due and flush the member, as the worker does. The fake records every request ("not
retried" = 1 request).
"""

import socket
import ssl
from datetime import timedelta

import pytest
from django.utils import timezone
from django_redis import get_redis_connection

from bot import outbox
from bot.graph_errors import ErrorClass
from bot.models import OutboxMessage
from bot.outbox import record_and_send
from bot.rendering import ReplyLimitError
from flows.types import Button, ButtonsReply, TextReply
from tests.credex_api.fake_ledger import FakeLedger
from tests.support.fake_graph import (  # noqa: F401 - the imports register the fixtures
    JITTER,
    fake_graph_fixture,
    graph_sender_fixture,
)
from tests.support.tls import self_signed_certificate

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


def due_score(row) -> float | None:
    return get_redis_connection("state").zscore(outbox.due_key(), str(row.pk))


def retry_until_settled(graph_sender, row, *, limit: int = 10) -> list[float]:
    """Make each scheduled retry due at once and flush, as the worker would; the delays that were asked."""
    delays = []
    for _ in range(limit):
        waiting = stored(row)
        if waiting.status != "queued" or waiting.retry_at is None:
            return delays
        asked = (waiting.retry_at - waiting.updated_at).total_seconds()
        assert due_score(row) == pytest.approx(waiting.retry_at.timestamp())  # in the due set
        delays.append(round(asked, 3))  # retry_at and updated_at come from one clock reading
        OutboxMessage.objects.filter(pk=row.pk).update(retry_at=timezone.now())
        outbox.flush(WA_ID, sender=graph_sender)
    raise AssertionError("still retrying")


# --- the request itself ----------------------------------------------------------------------------------


def test_accepted_send_posts_the_exact_payload_with_bearer_token_to_the_pinned_version(
    fake_graph, graph_sender
):
    row = send_text(graph_sender)

    assert len(fake_graph.requests) == 1
    request = fake_graph.requests[0]
    assert request.method == "POST"
    assert request.path == f"/v25.0/{PHONE_ID}/messages"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+263771234567",
        "type": "text",
        "text": {"body": "Your balance is $12.50", "preview_url": False},
        "biz_opaque_callback_data": str(row.pk),
    }
    row = stored(row)
    assert row.status == OutboxMessage.Status.ACCEPTED
    assert row.wamid == fake_graph.issued_wamids[0]
    assert row.accepted_at is not None
    assert row.attempts == 1
    assert row.kind == "text"
    assert "biz_opaque_callback_data" not in row.payload  # the stored payload is the rendered reply


def test_interactive_reply_is_recorded_with_its_kind(fake_graph, graph_sender):
    reply = ButtonsReply(body="Accept $5.00 from Rudo?", buttons=(Button(id="acc:1", title="Accept"),))
    row = record_and_send(wa_id=WA_ID, reply=reply, in_reply_to_id=None, sender=graph_sender)
    assert stored(row).kind == "interactive"
    assert fake_graph.requests[0].json["interactive"]["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "acc:1", "title": "Accept"}}
    ]


def test_a_reply_over_the_limits_is_refused_before_any_row_or_request(fake_graph, graph_sender):
    with pytest.raises(ReplyLimitError):
        send_text(graph_sender, body="x" * 4097)
    assert OutboxMessage.objects.count() == 0
    assert fake_graph.requests == []


def test_redirects_are_not_followed(fake_graph, graph_sender):
    fake_graph.respond_raw(302, {"moved": True}, headers={"Location": f"{fake_graph.url}/elsewhere"})
    row = send_text(graph_sender)
    assert len(fake_graph.requests) == 1
    row = stored(row)
    assert row.status == OutboxMessage.Status.FAILED
    assert row.error_class == ErrorClass.UNKNOWN


# --- retried ---------------------------------------------------------------------------------------------


def test_throttled_then_accepted_takes_two_attempts(fake_graph, graph_sender):
    fake_graph.respond_error(130429)
    row = send_text(graph_sender)
    assert len(fake_graph.requests) == 1  # nothing slept: the retry is scheduled
    recorded_delays = retry_until_settled(graph_sender, row)
    assert len(fake_graph.requests) == 2
    assert fake_graph.requests[0].body == fake_graph.requests[1].body
    row = stored(row)
    assert (row.status, row.attempts, row.wamid) == ("accepted", 2, fake_graph.issued_wamids[0])
    assert recorded_delays == [1.0 * (1 + JITTER)]
    assert due_score(row) is None


def test_pair_rate_limit_backs_off_four_to_the_x_seconds(fake_graph, graph_sender, settings):
    settings.WHATSAPP_BACKOFF_BASE_SECONDS = 0.5
    for _ in range(3):
        fake_graph.respond_error(131056)
    row = send_text(graph_sender)
    recorded_delays = retry_until_settled(graph_sender, row)
    assert recorded_delays == [0.5 * 1, 0.5 * 4, 0.5 * 16]
    assert len(fake_graph.requests) == 4
    assert (stored(row).status, stored(row).attempts) == ("accepted", 4)


def test_server_error_then_accepted_is_retried(fake_graph, graph_sender):
    fake_graph.respond_raw(500, None)
    row = send_text(graph_sender)
    recorded_delays = retry_until_settled(graph_sender, row)
    assert len(fake_graph.requests) == 2
    assert (stored(row).status, stored(row).attempts) == ("accepted", 2)
    assert len(recorded_delays) == 1


def test_transient_graph_codes_are_retried_with_growing_delays(fake_graph, graph_sender):
    fake_graph.respond_error(131000, http_status=500)
    fake_graph.respond_error(131016, http_status=503)
    row = send_text(graph_sender)
    recorded_delays = retry_until_settled(graph_sender, row)
    assert len(fake_graph.requests) == 3
    assert stored(row).status == "accepted"
    assert recorded_delays == [1.0 * (1 + JITTER), 2.0 * (1 + JITTER)]


def test_persistent_server_errors_stop_at_max_attempts(fake_graph, graph_sender):
    for _ in range(10):
        fake_graph.respond_raw(502, None)
    row = send_text(graph_sender)
    recorded_delays = retry_until_settled(graph_sender, row)
    assert len(fake_graph.requests) == 4
    row = stored(row)
    assert (row.status, row.attempts, row.error_class, row.error_code) == (
        "failed",
        4,
        "retry_transient",
        None,
    )
    assert row.wamid is None
    assert len(recorded_delays) == 3


def test_connection_refused_is_retried_up_to_max_attempts(graph_sender, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.WHATSAPP_API_URL = f"http://127.0.0.1:{closed_port}"
    settings.WHATSAPP_SEND_MAX_ATTEMPTS = 3
    row = send_text(graph_sender)
    recorded_delays = retry_until_settled(graph_sender, row)
    row = stored(row)
    assert (row.status, row.attempts, row.error_class) == ("failed", 3, "retry_transient")
    assert recorded_delays == [1.0 * (1 + JITTER), 2.0 * (1 + JITTER)]


def test_a_tls_handshake_failure_is_retried_because_nothing_left(graph_sender, settings, tmp_path):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed_certificate(tmp_path))  # a certificate the sender does not trust
    server = FakeLedger(tls=context).start()  # any HTTPS server will do: no request gets past the handshake
    try:
        settings.WHATSAPP_API_URL = server.url
        settings.WHATSAPP_SEND_MAX_ATTEMPTS = 2
        row = send_text(graph_sender)
        retry_until_settled(graph_sender, row)
    finally:
        server.stop()
    row = stored(row)
    assert (row.status, row.attempts, row.error_class) == ("failed", 2, "retry_transient")


# --- not retried -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        (131026, 400, ErrorClass.TERMINAL_RECIPIENT),
        (190, 401, ErrorClass.AUTH),
        (131047, 400, ErrorClass.NEEDS_TEMPLATE),
        (100, 400, ErrorClass.BUG),
        (137000, 400, ErrorClass.SECURITY),
    ],
)
def test_non_retryable_errors_fail_at_once_with_code_and_class(fake_graph, graph_sender, case):
    code, http_status, klass = case
    fake_graph.respond_error(code, http_status=http_status)
    row = send_text(graph_sender)
    assert len(fake_graph.requests) == 1
    row = stored(row)
    assert (row.status, row.error_code, row.error_class, row.attempts) == ("failed", code, klass.value, 1)
    assert row.wamid is None


def test_read_timeout_is_not_retried_and_the_outcome_is_unknown(fake_graph, graph_sender, settings):
    settings.WHATSAPP_READ_TIMEOUT = 0.3
    fake_graph.hang(seconds=3)
    row = send_text(graph_sender)
    assert len(fake_graph.requests) == 1  # Meta may have accepted it: sending again could duplicate it
    row = stored(row)
    assert (row.status, row.error_class, row.attempts) == ("queued", "outcome_unknown", 1)
    assert fake_graph.requests[0].json["biz_opaque_callback_data"] == str(row.pk)  # for reconciliation


def test_connection_dropped_after_sending_is_not_retried(fake_graph, graph_sender):
    fake_graph.drop()
    result = graph_sender.send({"messaging_product": "whatsapp", "to": "+263771234567"})
    assert len(fake_graph.requests) == 1
    assert (result.ok, result.outcome_unknown, result.attempts) == (False, True, 1)
    assert result.error.klass == ErrorClass.OUTCOME_UNKNOWN


def test_a_2xx_without_a_message_id_is_unknown_not_resent(fake_graph, graph_sender):
    fake_graph.respond_raw(200, {"messaging_product": "whatsapp"})
    row = send_text(graph_sender)
    assert len(fake_graph.requests) == 1
    assert (stored(row).status, stored(row).error_class) == ("queued", "outcome_unknown")


def test_a_retry_the_due_set_lost_is_put_back_once_overdue(fake_graph, graph_sender):
    """After a state-Redis restore the set may miss a retry: the sweeper re-adds rows whose retry is
    overdue; a row still waiting for its time is left to the set."""
    fake_graph.respond_error(130429)
    fake_graph.respond_error(130429)
    overdue, waiting = send_text(graph_sender), send_text(graph_sender, body="second")
    get_redis_connection("state").delete(outbox.due_key())  # the set lost both
    OutboxMessage.objects.filter(pk=overdue.pk).update(retry_at=timezone.now() - timedelta(seconds=30))
    assert outbox.reschedule_lost() == 1
    assert due_score(overdue) is not None and due_score(waiting) is None
