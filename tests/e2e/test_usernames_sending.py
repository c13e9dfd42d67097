"""WhatsApp usernames, what actually goes out (issue 22): without the mock header, the replies reach the fake
Graph API over HTTP addressed by `recipient` (the BSUID) while we do not know the number and by `to` once
the contact request linked it; a worker that links a number hands the member's waiting messages on under
their new key instead of leaving them pending."""

from __future__ import annotations

import pytest
from django.test import Client

from bot import processing
from bot.models import InboxMessage, MemberIdentity
from devtools.payloads import bsuid as u
from flows import texts
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401 (fixture)
from tests.support.signing import post_signed

pytestmark = pytest.mark.django_db(transaction=True)


def post(*messages: dict) -> None:
    assert post_signed(Client(), u.delivery(*messages)).status_code == 200


def answer_and_question(phone: str, bsuid: str) -> tuple[dict, dict]:
    answer = u.contact_request_answer(phone, bsuid=bsuid)
    return answer, u.text("hi", bsuid=bsuid, timestamp=str(int(answer["timestamp"]) + 1))


def sent(fake_graph) -> list[dict]:
    return [request.json for request in fake_graph.requests]


def test_replies_go_to_the_bsuid_then_to_the_linked_number(ledger, new_member, fake_graph):
    phone, bsuid = new_member().phone, u.new_bsuid()

    post(u.text("hi", bsuid=bsuid))
    asked = sent(fake_graph)
    post(*answer_and_question(phone, bsuid))
    after = sent(fake_graph)[len(asked) :]

    assert [(m.get("to"), m.get("recipient"), m["interactive"]["type"]) for m in asked] == [
        (None, bsuid, "request_contact_info")
    ]
    assert {(m.get("to"), m.get("recipient")) for m in after} == {("+" + phone, None)}
    assert after[0]["text"]["body"] == texts.NUMBER_LINKED and len(after) == 3  # linked, greeting, "hi"


def test_a_worker_that_links_a_number_hands_the_waiting_message_on_under_the_number(
    ledger, new_member, fake_graph, settings
):
    phone, bsuid = new_member().phone, u.new_bsuid()
    post(u.text("hi", bsuid=bsuid))
    unlinked = MemberIdentity.objects.get(bsuid=bsuid).key
    settings.PROCESSING_MODE = "queue"
    post(*answer_and_question(phone, bsuid))
    handed_on: list[tuple[str, int]] = []

    processing.process_member(unlinked, requeue=lambda key, row: handed_on.append((key, row)))

    question = InboxMessage.objects.filter(event__user_id=bsuid).latest("message_ts", "id")
    assert handed_on == [(phone, question.pk)]
    assert processing.process_member(phone, requeue=lambda *_: None) == 1
    question.refresh_from_db()
    assert question.status == "done" and question.wa_id == phone
