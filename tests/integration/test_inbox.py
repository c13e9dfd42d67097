"""Durable inbox through the real view: whole batches stored once, redeliveries (sequential and concurrent)
stored and dispatched once, statuses moving outbox rows monotonically, platform errors deduped."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from bot.models import InboxMessage, OutboxMessage, PlatformError, StatusEvent
from devtools import payloads as p
from tests.support.concurrency import run_together
from tests.support.signing import meta_json, post_signed
from tests.support.webhook import record_processing


@pytest.fixture
def dispatched(monkeypatch):
    """Every list of ids handed to processing.dispatch_committed."""
    return record_processing(monkeypatch)["dispatch"]


def outbox(wamid: str, status: str = OutboxMessage.Status.ACCEPTED) -> OutboxMessage:
    return OutboxMessage.objects.create(wa_id=p.SENDER, kind="text", payload={"type": "text"}, status=status,
                                        wamid=wamid)  # fmt: skip


def deliver(client, payload, capture):
    with capture(execute=True):
        response = post_signed(client, payload)
    assert response.status_code == 200, response.content
    return response.json()


def three_messages_two_statuses_two_entries() -> dict:
    first = p.entry(
        p.change(messages=[p.text_message("one", wamid="wamid.M1", timestamp="1717000001")],
                 contacts=[p.contact(p.SENDER, "Tendai")]),
        p.change(statuses=[p.status("wamid.OUT1", "delivered", timestamp="1717000002")]),
    )  # fmt: skip
    second = p.entry(
        p.change(
            messages=[
                p.button_reply("menu:balance", "Balance", wamid="wamid.M2", context_id="wamid.OUT1",
                               timestamp="1717000003"),
                p.text_message("three", wamid="wamid.M3", sender=p.OTHER_SENDER, timestamp="1717000004"),
            ],
            statuses=[p.status("wamid.OUT2", "read")],
            contacts=[p.contact(p.OTHER_SENDER, "Other"), p.contact(p.SENDER, "Tendai")],
        )
    )  # fmt: skip
    return p.envelope(first, second)


@pytest.mark.django_db
def test_batch_of_three_messages_and_two_statuses(client, dispatched, django_capture_on_commit_callbacks):
    outbox("wamid.OUT1")
    outbox("wamid.OUT2", status=OutboxMessage.Status.SENT)
    answer = deliver(client, three_messages_two_statuses_two_entries(), django_capture_on_commit_callbacks)
    assert answer == {"received": 3, "duplicates": 0}
    rows = {row.wamid: row for row in InboxMessage.objects.all()}
    assert sorted(rows) == ["wamid.M1", "wamid.M2", "wamid.M3"]
    assert [sorted(ids) for ids in dispatched] == [sorted(row.pk for row in rows.values())]
    assert rows["wamid.M1"].message_ts == datetime(2024, 5, 29, 16, 26, 41, tzinfo=UTC)
    first = rows["wamid.M1"]
    assert (first.kind, first.wa_id, first.status) == ("text", p.SENDER, "pending")
    assert rows["wamid.M2"].event == {
        "type": "choice", "wa_id": p.SENDER, "message_id": "wamid.M2", "timestamp": 1717000003,
        "profile_name": "Tendai", "context_id": "wamid.OUT1", "choice_id": "menu:balance", "title": "Balance",
        "source": "button", "user_id": "", "parent_user_id": "", "username": "",
    }  # fmt: skip
    assert (rows["wamid.M3"].wa_id, rows["wamid.M3"].event["profile_name"]) == (p.OTHER_SENDER, "Other")
    assert dict(OutboxMessage.objects.values_list("wamid", "status")) == {
        "wamid.OUT1": "delivered",
        "wamid.OUT2": "read",
    }
    assert StatusEvent.objects.filter(matched=True).count() == 2


@pytest.mark.django_db
def test_malformed_item_is_skipped_while_its_siblings_are_stored(
    client, dispatched, django_capture_on_commit_callbacks
):
    broken = p.text_message("no sender")
    del broken["from"]
    payload = p.envelope(p.entry(p.change(messages=[p.text_message("a"), broken, p.image_message()])))
    assert deliver(client, payload, django_capture_on_commit_callbacks)["received"] == 2
    assert sorted(InboxMessage.objects.values_list("kind", flat=True)) == ["image", "text"]


@pytest.mark.django_db
def test_same_message_five_times_sequentially_is_stored_and_dispatched_once(
    client, dispatched, django_capture_on_commit_callbacks
):
    body = meta_json(p.text_payload("send 10 to bob"))
    answers = [deliver(client, body, django_capture_on_commit_callbacks) for _ in range(5)]
    row = InboxMessage.objects.get()
    assert answers == [{"received": 1, "duplicates": 0}] + [{"received": 0, "duplicates": 1}] * 4
    assert dispatched == [[row.pk]]


@pytest.mark.db_both
@pytest.mark.django_db(transaction=True)
def test_same_message_twenty_times_concurrently_is_stored_and_dispatched_once(dispatched):
    body = meta_json(p.text_payload("send 10 to bob"))
    answers = []

    def deliver_once():
        response = post_signed(Client(), body)
        answers.append((response.status_code, response.json()))

    assert run_together(deliver_once, [()] * 20) == []
    assert [status for status, _ in answers] == [200] * 20
    assert sum(answer["received"] for _, answer in answers) == 1
    assert sum(answer["duplicates"] for _, answer in answers) == 19
    row = InboxMessage.objects.get()
    assert dispatched == [[row.pk]]


@pytest.mark.db_both
@pytest.mark.django_db(transaction=True)
def test_same_batch_ten_times_concurrently_stores_and_dispatches_each_message_once(dispatched):
    """Each message of a batch has its own savepoint inside the batch's transaction: a redelivery racing
    the first stores none of them again, and no delivery fails."""
    body = meta_json(three_messages_two_statuses_two_entries())
    answers = []

    def deliver_once():
        response = post_signed(Client(), body)
        answers.append((response.status_code, response.json()))

    assert run_together(deliver_once, [()] * 10) == []
    assert [status for status, _ in answers] == [200] * 10
    assert sum(answer["received"] for _, answer in answers) == 3
    assert sum(answer["duplicates"] for _, answer in answers) == 27
    assert sorted(InboxMessage.objects.values_list("wamid", flat=True)) == [
        "wamid.M1",
        "wamid.M2",
        "wamid.M3",
    ]
    assert sorted(pk for ids in dispatched for pk in ids) == sorted(
        InboxMessage.objects.values_list("pk", flat=True)
    )


# --- statuses --------------------------------------------------------------------------------------------


def post_status(client, capture, *items) -> None:
    deliver(client, p.status_payload(*items), capture)


@pytest.mark.django_db
def test_statuses_only_move_forward(client, dispatched, django_capture_on_commit_callbacks):
    outbox("wamid.A")
    post = lambda *items: post_status(client, django_capture_on_commit_callbacks, *items)  # noqa: E731
    post(p.status("wamid.A", "read"))  # `delivered` skipped: read implies delivered
    post(p.status("wamid.A", "delivered"))
    post(p.status("wamid.A", "sent"))
    assert OutboxMessage.objects.get().status == "read"
    assert sorted(StatusEvent.objects.values_list("status", "matched")) == [
        ("delivered", True), ("read", True), ("sent", True),
    ]  # fmt: skip
    assert dispatched == []


@pytest.mark.django_db
def test_failed_is_terminal_with_its_error_code(client, django_capture_on_commit_callbacks):
    outbox("wamid.F", status=OutboxMessage.Status.SENT)
    post = lambda *items: post_status(client, django_capture_on_commit_callbacks, *items)  # noqa: E731
    post(p.status("wamid.F", "failed", error_code=131026))
    post(p.status("wamid.F", "read"), p.status("wamid.F", "delivered"))
    post(p.status("wamid.F", "failed", error_code=131047))  # redelivered/other failure: first code kept
    row = OutboxMessage.objects.get()
    assert (row.status, row.error_code) == ("failed", 131026)
    assert StatusEvent.objects.get(status="failed").error_code == 131026


@pytest.mark.django_db
def test_unknown_wamid_is_recorded_unmatched_and_redelivery_is_one_row(
    client, django_capture_on_commit_callbacks
):
    outbox("wamid.KNOWN")
    item = p.status("wamid.FROM-ELSEWHERE", "delivered", timestamp="1717000009")
    for _ in range(3):
        post_status(client, django_capture_on_commit_callbacks, item, p.status("wamid.KNOWN", "played"))
    unknown = StatusEvent.objects.get(wamid="wamid.FROM-ELSEWHERE")
    assert (unknown.matched, unknown.status) == (False, "delivered")
    assert unknown.status_ts == datetime.fromtimestamp(1717000009, tz=UTC)
    assert StatusEvent.objects.count() == 2
    assert OutboxMessage.objects.get().status == "accepted"  # `played` is recorded, not a progress step


@pytest.mark.db_both
@pytest.mark.django_db(transaction=True)
def test_concurrent_statuses_end_at_the_highest(dispatched):
    outbox("wamid.RACE")
    order = ["read", "sent", "delivered", "sent", "read", "delivered"] * 2
    codes = []

    def send(value):
        codes.append(post_signed(Client(), p.status_payload(p.status("wamid.RACE", value))).status_code)

    assert run_together(send, [(value,) for value in order]) == []
    assert codes == [200] * len(order)
    assert OutboxMessage.objects.get().status == "read"
    assert StatusEvent.objects.count() == 3


@pytest.mark.django_db
def test_platform_errors_are_stored_once(client, django_capture_on_commit_callbacks):
    error = p.platform_error(131052, "Media download error", "Unable to download the media sent by the user.")
    payload = p.envelope(p.entry(p.change(errors=[error])))
    for _ in range(2):
        deliver(client, payload, django_capture_on_commit_callbacks)
    row = PlatformError.objects.get()
    assert (row.code, row.title, row.details) == (
        131052,
        "Media download error",
        error["error_data"]["details"],
    )


@pytest.mark.db_both
@pytest.mark.django_db
def test_nul_and_lone_surrogates_are_stored_not_a_poison_batch(
    client, dispatched, django_capture_on_commit_callbacks
):
    """PostgreSQL refuses NUL and lone surrogates; one odd message must not make Meta redeliver forever."""
    payload = p.text_payload("a\x00b \ud83d c 😀", name="N\x00me")
    assert deliver(client, payload, django_capture_on_commit_callbacks)["received"] == 1
    event = InboxMessage.objects.get().event
    assert (event["body"], event["profile_name"]) == ("a\ufffdb \ufffd c 😀", "N\ufffdme")
