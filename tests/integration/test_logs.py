"""Structured logs through the real webhook: every line logged while a delivery is handled — by the view,
by inline processing, or later by the worker for its inbox row — carries that delivery's correlation id,
as one JSON object per line, redacted."""

from __future__ import annotations

import pytest
from django.test import Client

from bot import processing
from bot.models import InboxMessage
from devtools import payloads as p
from security import correlation
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401  (fixture)
from tests.support.logs import emitted_logs
from tests.support.signing import post_signed

pytestmark = pytest.mark.django_db
MOCK = {"X-Mock-Testing": "true"}


def test_every_line_of_a_mock_delivery_carries_its_correlation_id():
    with emitted_logs() as logs:
        response = post_signed(Client(), p.text_payload("help"), headers=MOCK)
    assert response.status_code == 200 and response.json()["replies"]
    delivery = response["X-Correlation-Id"]
    lines = logs.lines()
    ours = [line for line in lines if line["correlation_id"] == delivery]
    assert "flows.services" in {line["logger"] for line in ours}, lines  # the turn, deep inside processing
    assert [line for line in lines if line["correlation_id"] not in (delivery, "-")] == []
    assert correlation.current() == ""  # nothing left bound after the request
    assert p.SENDER not in logs.text


def test_the_worker_logs_a_queued_row_under_the_id_of_its_delivery(settings, fake_graph):
    settings.PROCESSING_MODE = "queue"
    response = post_signed(Client(), p.text_payload("help"))
    delivery = response["X-Correlation-Id"]
    assert InboxMessage.objects.get().correlation_id == delivery

    with emitted_logs() as logs:  # as run_worker does, outside any request
        processing.process_member(p.SENDER)

    assert InboxMessage.objects.get().status == InboxMessage.Status.DONE
    lines = logs.lines()
    assert lines and {line["correlation_id"] for line in lines} == {delivery}


def test_two_deliveries_never_share_an_id():
    ids = set()
    for text in ("help", "help"):
        with emitted_logs() as logs:
            response = post_signed(Client(), p.text_payload(text), headers=MOCK)
        ids.add(response["X-Correlation-Id"])
        assert {line["correlation_id"] for line in logs.lines()} <= {response["X-Correlation-Id"], "-"}
    assert len(ids) == 2


def test_a_signature_rejection_is_logged_under_its_id_without_the_signature():
    with emitted_logs() as logs:
        response = post_signed(Client(), p.text_payload("help"), signature="sha256=" + "ab" * 32)
    assert response.status_code == 403
    rejected = [line for line in logs.lines() if line["logger"] == "security.webhook"]
    assert [line["correlation_id"] for line in rejected] == [response["X-Correlation-Id"]]
    assert "ab" * 32 not in logs.text


@pytest.mark.parametrize(
    ("body", "signature", "status"),
    [
        (p.text_payload("help"), "sha256=" + "ab" * 32, 403),  # signed by nobody
        (b"[1, 2]", None, 400),  # signed, but not a JSON object
    ],
)
def test_an_error_answer_is_logged_once_by_django_under_the_deliverys_id(body, signature, status):
    """Django's own "Forbidden: /bot/webhook" line is written inside the delivery, not after it."""
    with emitted_logs() as logs:
        response = post_signed(Client(), body, signature=signature)
    assert response.status_code == status
    requests = [line for line in logs.lines() if line["logger"] == "django.request"]
    assert [(line["correlation_id"], line["status_code"]) for line in requests] == [
        (response["X-Correlation-Id"], status)
    ]
