"""`POST /bot/notify`'s body through the real view and the fake Graph API: what is accepted (stripped,
limits inclusive, extra fields ignored), the table of malformed bodies (400 with a reason, nothing sent)
and the 16 KB cap (413, nothing sent).
"""

import json

import pytest

from bot.notify import MAX_BODY_BYTES
from tests.support.notify import (  # noqa: F401 - the import registers the autouse fixture
    GOOD,
    WA_ID,
    assert_nothing_sent,
    expected_payload,
    notify,
    notify_settings_fixture,
)

pytestmark = pytest.mark.django_db


def test_fields_are_stripped_and_the_limits_are_inclusive(client, fake_graph):
    name, message = "N" * 60, "m" * 299 + "✓"
    response = notify(
        client, {"phone": f" {WA_ID}\n", "memberName": f"  {name} ", "message": f"\t{message}\n"}
    )
    assert response.status_code == 200
    assert fake_graph.requests[0].json["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": name},
        {"type": "text", "text": message},
    ]


def test_extra_fields_are_ignored(client, fake_graph):
    assert notify(client, {**GOOD, "offerId": "abc", "amount": 12.5}).status_code == 200
    assert fake_graph.requests[0].json["template"] == expected_payload()["template"]


def with_field(name, value):
    return {**GOOD, name: value}


def without(name):
    return {key: value for key, value in GOOD.items() if key != name}


MALFORMED = {
    "not json": b"phone=263771234567",
    "empty": b"",
    "array": b"[]",
    "string": b'"hello"',
    "null": b"null",
    "not utf-8": b'{"phone": "\xff\xfe"}',
    "deep nesting": b"[" * 8000 + b"]" * 8000,  # under the size cap, over the parser's recursion limit
    "no phone": without("phone"),
    "no memberName": without("memberName"),
    "no message": without("message"),
    "phone as a number": with_field("phone", 263771234567),
    "phone null": with_field("phone", None),
    "phone with +": with_field("phone", "+" + WA_ID),
    "phone leading 0": with_field("phone", "0771234567"),
    "phone too short": with_field("phone", "12345"),
    "phone too long": with_field("phone", "1" * 16),
    "phone with a space": with_field("phone", "263 771234567"),
    "phone with a dash": with_field("phone", "263-771234567"),
    "phone in Arabic-Indic digits": with_field("phone", "٢٦٣٧٧١٢٣٤٥٦٧"),
    "phone in full-width digits": with_field("phone", "２６３７７１２３４５６７"),
    "phone empty": with_field("phone", ""),
    "memberName empty": with_field("memberName", ""),
    "memberName blank": with_field("memberName", "   "),
    "memberName 61 chars": with_field("memberName", "N" * 61),
    "memberName with a new line": with_field("memberName", "Rudo\nMoyo"),
    "memberName with a tab": with_field("memberName", "Rudo\tMoyo"),
    "memberName a list": with_field("memberName", ["Rudo"]),
    "message empty": with_field("message", ""),
    "message 301 chars": with_field("message", "m" * 301),
    "message with a new line": with_field("message", "Tendai offered you\n12.50 USD"),
    "message with a carriage return": with_field("message", "Tendai offered\ryou 12.50 USD"),
    "message with a NUL": with_field("message", "Tendai\x00 offered"),
    "message with an escape": with_field("message", "Tendai \x1b[31m offered"),
    "message with a line separator": with_field("message", "Tendai\u2028offered"),
    "message with five spaces": with_field("message", "Tendai     offered"),
    "message with a lone surrogate": b'{"phone": "263771234567", "memberName": "R", "message": "x\\ud800y"}',
    "message a number": with_field("message", 12.5),
    "message an object": with_field("message", {"text": "hi"}),
    "notificationID empty": with_field("notificationID", ""),
    "notificationID a number": with_field("notificationID", 7),
    "notificationID 101 chars": with_field("notificationID", "i" * 101),
    "notificationID with a space": with_field("notificationID", "credex 1"),
    "notificationID with a slash": with_field("notificationID", "../credex"),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_body_is_400_with_a_reason_and_nothing_is_sent(client, fake_graph, body):
    response = notify(client, body)
    assert response.status_code == 400
    assert response["Cache-Control"] == "no-store"
    reason = response.json()["error"]
    assert isinstance(reason, str) and reason
    assert_nothing_sent(fake_graph)


def test_the_reason_names_the_field(client, fake_graph):
    assert "phone" in notify(client, with_field("phone", "12")).json()["error"]
    assert "memberName" in notify(client, with_field("memberName", "N" * 61)).json()["error"]
    assert "message" in notify(client, with_field("message", "a\nb")).json()["error"]


def padded(size):
    """A valid body of exactly `size` bytes (padding in an ignored field)."""
    body = {**GOOD, "padding": ""}
    body["padding"] = "x" * (size - len(json.dumps(body).encode()))
    raw = json.dumps(body).encode()
    assert len(raw) == size
    return raw


def test_a_body_over_16_kb_is_413_and_nothing_is_sent(client, fake_graph):
    assert MAX_BODY_BYTES == 16 * 1024
    response = notify(client, padded(MAX_BODY_BYTES + 1))
    assert response.status_code == 413
    assert "error" in response.json()
    # A declared length over the cap is refused without reading the (short) body.
    assert notify(client, GOOD, CONTENT_LENGTH=str(MAX_BODY_BYTES + 1)).status_code == 413
    assert_nothing_sent(fake_graph)
    assert notify(client, padded(MAX_BODY_BYTES)).status_code == 200  # the boundary itself is accepted
    assert len(fake_graph.requests) == 1
