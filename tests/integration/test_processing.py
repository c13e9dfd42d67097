"""Processing through the real view, engine, Redis and (fake) Graph API: order, exactly-once, mock replies."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from bot import queue
from bot.models import InboxMessage, OutboxMessage
from bot.processing import process_member
from credex_api.client import reset_client
from devtools import payloads as p
from flows.store import member_lock
from tests.support.concurrency import run_together
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401  (fixture)
from tests.support.signing import post_signed
from tests.support.workers import answered_rows

pytestmark = pytest.mark.django_db(transaction=True)
MOCK = {"X-Mock-Testing": "true"}


def replies_by_member(wa_id: str) -> list[int]:
    """The inbox ids our outbox rows answer, for one member, in the order they were written."""
    rows = OutboxMessage.objects.filter(wa_id=wa_id).order_by("created_at")
    return list(dict.fromkeys(rows.values_list("in_reply_to_id", flat=True)))


def test_signed_hi_with_mock_header_returns_the_welcome_as_json(sandbox, settings):
    settings.MYCREDEX_APP_URL = sandbox.url
    settings.CLIENT_API_KEY = sandbox.client_api_key
    reset_client()
    try:
        response = post_signed(Client(), p.text_payload("hi"), headers=MOCK)
    finally:
        reset_client()

    assert response.status_code == 200
    replies = response.json()["replies"]
    assert replies, "a greeting must be answered"
    first = replies[0]
    assert first["messaging_product"] == "whatsapp"
    assert first["to"].lstrip("+") == p.SENDER
    buttons = [b["reply"]["title"] for b in first["interactive"]["action"]["buttons"]]
    assert buttons == ["Become a member", "About credex"]  # a number the ledger does not know
    assert InboxMessage.objects.get().status == InboxMessage.Status.DONE
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.CAPTURED).count() == len(replies)


def test_interleaved_members_are_each_answered_in_their_own_message_order(fake_graph):
    base = int(p.now_ts())
    # One delivery, members interleaved and each member's messages listed out of timestamp order.
    a2 = p.text_message("help", sender=p.SENDER, timestamp=str(base + 2))
    b1 = p.text_message("hi", sender=p.OTHER_SENDER, timestamp=str(base))
    a1 = p.text_message("hi", sender=p.SENDER, timestamp=str(base))
    b2 = p.text_message("menu", sender=p.OTHER_SENDER, timestamp=str(base + 2))
    a3 = p.text_message("menu", sender=p.SENDER, timestamp=str(base + 3))
    contacts = [p.contact(p.SENDER), p.contact(p.OTHER_SENDER)]
    payload = p.envelope(p.entry(p.change(messages=[a2, b1, a1, b2, a3], contacts=contacts)))

    assert post_signed(Client(), payload).status_code == 200

    def ids(*messages):
        return [InboxMessage.objects.get(wamid=m["id"]).pk for m in messages]

    assert replies_by_member(p.SENDER) == ids(a1, a2, a3)
    assert replies_by_member(p.OTHER_SENDER) == ids(b1, b2)
    assert {r.json["to"].lstrip("+") for r in fake_graph.requests} == {p.SENDER, p.OTHER_SENDER}
    assert InboxMessage.objects.exclude(status=InboxMessage.Status.DONE).count() == 0


def test_one_message_delivered_five_times_is_answered_once(fake_graph):
    payload = p.text_payload("hi")
    for _ in range(5):
        assert post_signed(Client(), payload).status_code == 200

    inbox = InboxMessage.objects.get()
    assert inbox.attempts == 1
    answered = OutboxMessage.objects.filter(in_reply_to=inbox)
    assert answered.exists()
    assert len(fake_graph.requests) == answered.count()


@pytest.mark.db_both
def test_one_message_delivered_twenty_times_concurrently_is_answered_once(fake_graph):
    payload = p.text_payload("hi")
    statuses = []

    def deliver(client):
        statuses.append(post_signed(client, payload).status_code)

    errors = run_together(deliver, [(Client(),) for _ in range(20)])  # each client made before the release

    assert errors == []
    assert statuses == [200] * 20
    inbox = InboxMessage.objects.get()
    assert inbox.status == InboxMessage.Status.DONE
    assert inbox.attempts == 1
    one_answer = OutboxMessage.objects.filter(in_reply_to=inbox).count()
    assert one_answer >= 1
    assert len(fake_graph.requests) == one_answer  # the single answer was sent once, not 20 times


def test_a_status_for_an_unknown_outcome_send_is_matched_by_its_callback_data(fake_graph):
    fake_graph.drop()  # the send's outcome is unknown: no wamid came back
    post_signed(Client(), p.text_payload("hi"))
    row = OutboxMessage.objects.get(in_reply_to__isnull=False)
    assert row.wamid is None

    status = p.status("wamid.late-arrival", "delivered")
    status["biz_opaque_callback_data"] = str(row.pk)
    post_signed(Client(), p.status_payload(status))

    row.refresh_from_db()
    assert row.wamid == "wamid.late-arrival"
    assert row.status == OutboxMessage.Status.DELIVERED


def test_a_turn_still_running_past_the_sweep_age_is_not_run_a_second_time(fake_graph, settings):
    """The sweeper leaves the member of a row stuck in `processing` alone while its lock is held, and only
    the next holder of the member lock takes it again: while the (slow, living) holder keeps the lock,
    nothing runs it twice."""
    settings.PROCESSING_MODE = "queue"  # so the webhook only stores
    member = "263771000900"
    assert post_signed(Client(), p.text_payload("hi", sender=member)).status_code == 200
    long_ago = timezone.now() - timedelta(seconds=settings.WORKER_SWEEP_AFTER_SECONDS + 5)
    InboxMessage.objects.update(status=InboxMessage.Status.PROCESSING, claimed_at=long_ago, attempts=1)
    with member_lock(member, ttl_ms=10_000, wait_seconds=1):  # the slow holder, still alive
        assert queue.sweep(queue.worker_connection(100)) == 0  # its member is being served
        assert process_member(member, requeue=lambda *_: None, wait_seconds=0) == 0  # a stray entry waits
        assert InboxMessage.objects.get().status == InboxMessage.Status.PROCESSING
    assert queue.sweep(queue.worker_connection(100)) == 1  # the holder let go: queued again
    assert process_member(member, requeue=lambda *_: None, wait_seconds=0) == 1  # and run once
    assert InboxMessage.objects.get().status == InboxMessage.Status.DONE
    assert len(answered_rows(fake_graph, member)) == 1
