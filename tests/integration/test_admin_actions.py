"""The ops actions of issue 24 (point 8) through a TOTP-verified operator in the real admin: "Retry failed
send" stores and sends a NEW outbox row with the failed one's payload (the failed row never sent again, a row
retried once even when two operators click at once), refused for a row that did not fail and to staff without
`bot.retry_outboxmessage`; the breaker page's "Reset breaker" closes the shared breaker, refused to staff
without `credex_api.reset_breaker`. Each action writes its audit row. Sends go to the fake Graph API.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django_redis import get_redis_connection

from bot.admin_actions import retry_claim_key
from bot.models import OutboxMessage
from credex_api.breaker import FAILURE, CircuitBreaker
from credex_api.conf import ClientConfig, cache_redis
from security.models import AuditEvent
from tests.support.admin import logged_in, login, make_operator
from tests.support.concurrency import run_together
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401 - registers the fixture

pytestmark = pytest.mark.django_db

WA_ID = "263771234567"
PAYLOAD = {"messaging_product": "whatsapp", "to": WA_ID, "type": "text", "text": {"body": "Offer sent 4711"}}
OUTBOX_LIST = reverse("admin:bot_outboxmessage_changelist")
BREAKER_PAGE = reverse("admin:credex_api_breaker")


def operator(username: str = "ops", *permissions: str) -> Client:
    client = Client()
    extra = {"superuser": False, "permissions": ("bot.view_outboxmessage", *permissions)}
    assert logged_in(login(client, make_operator(username, **extra)))
    return client


def outbox_row(status: str = OutboxMessage.Status.FAILED) -> OutboxMessage:
    return OutboxMessage.objects.create(
        wa_id=WA_ID, kind="text", payload=PAYLOAD, status=status, error_code=131026, attempts=1
    )


def retry(client: Client, *rows: OutboxMessage):
    data = {"action": "retry_failed_sends", "_selected_action": [str(row.pk) for row in rows]}
    return client.post(OUTBOX_LIST, data, follow=True)


def shown(response) -> str:
    """The page the operator lands on (its messages included)."""
    return response.content.decode()


def test_retrying_a_failed_send_sends_a_new_row_and_leaves_the_old_one(fake_graph):
    failed = outbox_row()
    response = retry(operator("ops", "bot.retry_outboxmessage"), failed)
    new = OutboxMessage.objects.exclude(pk=failed.pk).get()
    assert new.payload == PAYLOAD and new.wa_id == WA_ID and new.status == OutboxMessage.Status.ACCEPTED
    assert [request.json["biz_opaque_callback_data"] for request in fake_graph.requests] == [str(new.pk)]
    assert fake_graph.requests[0].json["text"] == PAYLOAD["text"]
    failed.refresh_from_db()
    assert (failed.status, failed.error_code, failed.attempts) == ("failed", 131026, 1)
    assert f"{failed.pk} → {new.pk}" in shown(response)
    event = AuditEvent.objects.get(action="admin.retry_send")
    assert event.actor == "staff:ops" and event.obj == f"outbox {failed.pk}"
    assert event.new_values["outbox"] == str(new.pk) and WA_ID not in str(event.__dict__)


def test_a_send_that_did_not_fail_is_not_retried(fake_graph):
    accepted = outbox_row(OutboxMessage.Status.ACCEPTED)
    response = retry(operator("ops", "bot.retry_outboxmessage"), accepted)
    assert f"{accepted.pk} (accepted: only a failed send can be retried)" in shown(response)
    assert OutboxMessage.objects.count() == 1 and fake_graph.requests == []
    assert not AuditEvent.objects.filter(action="admin.retry_send").exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_is_retried_once_even_by_two_operators_at_once(fake_graph):
    failed = outbox_row()
    clients = [operator(name, "bot.retry_outboxmessage") for name in ("ops1", "ops2")]
    responses = []
    assert run_together(lambda client: responses.append(retry(client, failed)), [(c,) for c in clients]) == []
    assert OutboxMessage.objects.count() == 2 and len(fake_graph.requests) == 1
    assert sum("already retried" in shown(response) for response in responses) == 1
    assert AuditEvent.objects.filter(action="admin.retry_send").count() == 1


def test_staff_without_the_retry_permission_cannot_retry(fake_graph):
    failed = outbox_row()
    viewer = operator("viewer")
    assert "retry_failed_sends" not in viewer.get(OUTBOX_LIST).content.decode()
    retry(viewer, failed)
    assert OutboxMessage.objects.count() == 1 and fake_graph.requests == []
    assert not AuditEvent.objects.filter(action="admin.retry_send").exists()
    assert not get_redis_connection("state").exists(retry_claim_key(failed.pk))


def open_breaker() -> CircuitBreaker:
    config = ClientConfig.from_settings()
    breaker = CircuitBreaker(cache_redis(), config.breaker, key_prefix=config.key_prefix)
    for _ in range(config.breaker.consecutive_failures):
        breaker.record(breaker.acquire(), FAILURE)
    assert breaker.status()["state"] == "open"
    return breaker


def test_resetting_the_breaker_from_its_page_closes_it_and_is_audited():
    breaker = open_breaker()
    ops = operator("ops", "credex_api.view_breaker", "credex_api.reset_breaker")
    assert 'id="reset-breaker"' in ops.get(BREAKER_PAGE).content.decode()
    response = ops.post(BREAKER_PAGE, follow=True)
    assert breaker.status()["state"] == "closed" and breaker.status()["consecutive_failures"] == 0
    assert "Breaker reset (it was open)." in shown(response)
    event = AuditEvent.objects.get(action="admin.reset_breaker")
    assert event.actor == "staff:ops" and event.old_values["state"] == "open"


def test_staff_who_may_only_view_the_breaker_cannot_reset_it():
    breaker = open_breaker()
    viewer = operator("viewer", "credex_api.view_breaker")
    assert 'id="reset-breaker"' not in viewer.get(BREAKER_PAGE).content.decode()
    assert viewer.post(BREAKER_PAGE).status_code == 403
    assert breaker.status()["state"] == "open"
    assert not AuditEvent.objects.filter(action="admin.reset_breaker").exists()
