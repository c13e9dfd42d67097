"""The webhook's attack matrix (issue 18, holes 8 and 9): signed deliveries that must be bounded or refused
item by item, through the real view, the real database and real Redis, in mock mode (the replies come back).

Each row is one delivery, signed with the app secret (only Meta, or whoever holds the secret, can send it)
and holding valid "help" messages (`wamid.OK…`) beside the attack. Expected, for every row: the answer's
status, exactly the valid siblings stored and answered (an invalid sender is never stored nor rendered), and
at most `max_lines` lines of WARNING or above for the whole delivery, one of them giving the skipped count.
The million-item rows are about 3 MB each (Meta's largest batch): before the item cap they wrote a million
warning lines; the time each takes is measured (the test's `seconds` user property, in a JUnit XML
report), never asserted.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import pytest
from django.test import Client

from bot.models import InboxMessage
from devtools import payloads as p
from security.models import AuditEvent
from tests.support.logs import counted_lines
from tests.support.signing import meta_json, post_signed

pytestmark = pytest.mark.django_db

MOCK = {"X-Mock-Testing": "true"}
MILLION = 1_000_000
SOME = 1_000
SKIPPED_ONE = "1 item skipped"
BAD_SENDER = "sender missing or not a WhatsApp id"
BAD_CONTACT = "contact without a WhatsApp id or user id"
NO_CONTACT_ID = BAD_CONTACT
OVER_CAP = "read stopped at the item cap (20,000)"


def ok(number: int) -> dict:
    return p.text_message("help", wamid=f"wamid.OK{number}")


def ok_change(number: int) -> dict:
    return p.change(messages=[ok(number)], contacts=[p.contact()])


def ok_entry(number: int) -> dict:
    return p.entry(ok_change(number))


def flooded(payload: dict) -> bytes:
    """`payload` as Meta would sign it, each "SOME" list item replaced by a thousand `{}` and each "MANY"
    by a million: built as bytes (a million dicts would take longer to serialise than to send)."""
    body = meta_json(payload)
    for marker, count in ((b'"SOME"', SOME), (b'"MANY"', MILLION)):
        body = body.replace(marker, b",".join([b"{}"] * count))
    return body


def with_sender(sender: object) -> bytes:
    """A valid message, one from `sender`, and a valid one after it, in one change."""
    bad = {**p.text_message("help", wamid="wamid.BAD"), "from": sender}
    return meta_json(p.envelope(p.entry(p.change(messages=[ok(1), bad, ok(2)], contacts=[p.contact()]))))


@dataclass(frozen=True)
class Attack:
    name: str
    body: bytes
    stored: tuple[str, ...]  # the wamids stored: the valid siblings, nothing else
    logged: tuple[str, ...]  # each found in one of the delivery's WARNING+ lines
    max_lines: int = 1
    status: int = 200


def _million_rows() -> list[Attack]:
    capped = ("items skipped", OVER_CAP)
    return [
        Attack(
            "a million empty entries",
            flooded(p.envelope(ok_entry(1), "SOME", ok_entry(2), "MANY")),
            ("wamid.OK1", "wamid.OK2"), capped, max_lines=2,
        ),
        Attack(
            "a million empty changes",
            flooded(p.envelope(p.entry(ok_change(1), "SOME", ok_change(2), "MANY"))),
            ("wamid.OK1", "wamid.OK2"), capped, max_lines=2,
        ),
        Attack(
            "a million empty messages",
            flooded(p.envelope(p.entry(p.change(messages=[ok(1), "SOME", ok(2), "MANY"])))),
            ("wamid.OK1", "wamid.OK2"), capped, max_lines=2,
        ),
        Attack(
            "a million empty statuses",
            flooded(p.envelope(ok_entry(1), p.entry(p.change(messages=[ok(2)], statuses=["SOME", "MANY"])))),
            ("wamid.OK1", "wamid.OK2"), capped, max_lines=2,
        ),
        Attack(
            "a million empty contacts",
            flooded(p.envelope(ok_entry(1), p.entry(p.change(contacts=["SOME", "MANY"])), ok_entry(2))),
            ("wamid.OK1",), ("items skipped", NO_CONTACT_ID, OVER_CAP), max_lines=2,
        ),
    ]  # fmt: skip


ATTACKS = [
    *_million_rows(),
    Attack('sender "0"', with_sender("0"), ("wamid.OK1", "wamid.OK2"), (SKIPPED_ONE, BAD_SENDER)),
    Attack("sender with a leading zero", with_sender("0263771234567"), ("wamid.OK1", "wamid.OK2"),
           (SKIPPED_ONE, BAD_SENDER)),
    Attack("sender in Arabic-Indic digits", with_sender("٢٦٣٧٧١٢٣٤٥٦٧"), ("wamid.OK1", "wamid.OK2"),
           (SKIPPED_ONE, BAD_SENDER)),
    Attack("sender in fullwidth digits", with_sender("２６３７７１２３４５６７"), ("wamid.OK1", "wamid.OK2"),
           (SKIPPED_ONE, BAD_SENDER)),
    Attack("sender of 16 digits", with_sender("2637712345678901"), ("wamid.OK1", "wamid.OK2"),
           (SKIPPED_ONE, BAD_SENDER)),
    Attack("sender of 5 digits", with_sender("26377"), ("wamid.OK1", "wamid.OK2"), (SKIPPED_ONE, BAD_SENDER)),
    Attack("sender with a plus", with_sender("+263771234567"), ("wamid.OK1", "wamid.OK2"),
           (SKIPPED_ONE, BAD_SENDER)),
    Attack("sender with a new line", with_sender("263771234567\n"), ("wamid.OK1", "wamid.OK2"),
           (SKIPPED_ONE, BAD_SENDER)),
    Attack("sender as a JSON number", with_sender(263771234567), ("wamid.OK1", "wamid.OK2"),
           (SKIPPED_ONE, BAD_SENDER)),
    Attack("sender empty", with_sender(""), ("wamid.OK1", "wamid.OK2"), (SKIPPED_ONE, BAD_SENDER)),
    Attack(
        "contact with a wa_id of 0",
        meta_json(p.envelope(p.entry(p.change(messages=[ok(1)], contacts=[p.contact("0", "Mallory"),
                                                                            p.contact()])))),
        ("wamid.OK1",), (SKIPPED_ONE, BAD_CONTACT),
    ),
]  # fmt: skip


@pytest.mark.parametrize("attack", ATTACKS, ids=[attack.name for attack in ATTACKS])
def test_webhook_attack(attack: Attack, request):
    started = time.perf_counter()
    with counted_lines() as lines:
        response = post_signed(Client(), attack.body, headers=MOCK)
    elapsed = time.perf_counter() - started
    request.node.user_properties.append(("seconds", round(elapsed, 3)))  # measured, never asserted

    assert response.status_code == attack.status
    stored = InboxMessage.objects.all()
    assert sorted(row.wamid for row in stored) == sorted(attack.stored)
    assert {row.wa_id for row in stored} <= {p.SENDER}
    assert {reply["to"].lstrip("+") for reply in response.json()["replies"]} == {p.SENDER}
    assert lines.total <= attack.max_lines, lines.kept
    for expected in attack.logged:
        assert any(expected in line for line in lines.kept), (expected, lines.kept)


def test_over_the_item_cap_what_was_read_is_stored_the_rest_dropped_audited_and_alerted(settings, caplog):
    """A signed delivery over WEBHOOK_MAX_ITEMS: 200 (a redelivery would be cut at the same place), the
    messages read before the cap stored and answered, the rest not read; an audit row says where it stopped
    and an alert goes out once per dedupe window, however many such deliveries come."""
    settings.WEBHOOK_MAX_ITEMS = 6  # entry, change, contact, then three messages
    messages = [ok(number) for number in range(1, 6)]
    body = meta_json(p.envelope(p.entry(p.change(messages=messages, contacts=[p.contact()]))))
    with caplog.at_level(logging.WARNING):
        answers = [post_signed(Client(), body, headers=MOCK) for _ in range(2)]

    assert [answer.status_code for answer in answers] == [200, 200]
    assert [answer.json()["received"] for answer in answers] == [3, 0]  # the second is a redelivery
    assert sorted(InboxMessage.objects.values_list("wamid", flat=True)) == [
        "wamid.OK1",
        "wamid.OK2",
        "wamid.OK3",
    ]
    rows = AuditEvent.objects.filter(action="webhook.item_cap").order_by("id")
    assert [row.new_values["cut_at"] for row in rows] == ["e0.c0.messages[3]"] * 2
    assert rows[0].new_values["items_cap"] == 6 and rows[0].actor == "system"
    alerts = [record for record in caplog.records if record.name == "security.alerts"]
    assert [record.alert_outcome for record in alerts] == ["sent", "duplicate"]
