"""bot.parsing: every item of a delivery becomes a typed event; malformed items are skipped, siblings kept."""

import hashlib
import json
import logging

import pytest

from bot.events import (
    ParsedBatch,
    StatusUpdate,
    event_from_dict,
    event_kind,
    event_to_dict,
)
from bot.parsing import MAX_TEXT_CHARS, parse_webhook
from devtools import payloads as p
from flows.types import ChoiceMessage, TextMessage, UnsupportedMessage

OURS = "100000000000001"


def parse(payload) -> ParsedBatch:
    return parse_webhook(payload, phone_number_id=OURS)


def one_change(**kwargs) -> dict:
    return p.envelope(p.entry(p.change(phone_number_id=OURS, **kwargs)))


def test_text_message_with_profile_name_and_context():
    message = p.text_message("Hi 👋 a@b.c/d", wamid="wamid.A1", timestamp="1717000000", context_id="wamid.C")
    batch = parse(one_change(messages=[message], contacts=[p.contact(p.SENDER, "Tendai")]))
    assert batch == ParsedBatch(
        messages=(
            TextMessage(
                wa_id=p.SENDER, message_id="wamid.A1", timestamp=1_717_000_000, profile_name="Tendai",
                context_id="wamid.C", body="Hi 👋 a@b.c/d",
            ),
        )
    )  # fmt: skip


def test_choices_from_buttons_lists_and_template_quick_replies():
    messages = [
        p.button_reply("confirm:1", "Yes", context_id="wamid.OUT1"),
        p.list_reply("row-2", "Balance", "See balances", context_id="wamid.OUT2"),
        p.quick_reply("accept:abc", "Accept", context_id="wamid.OUT3"),
    ]
    batch = parse(one_change(messages=messages))
    assert [(m.choice_id, m.title, m.source, m.context_id) for m in batch.messages] == [
        ("confirm:1", "Yes", "button", "wamid.OUT1"),
        ("row-2", "Balance", "list", "wamid.OUT2"),
        ("accept:abc", "Accept", "quick_reply", "wamid.OUT3"),
    ]
    assert all(isinstance(m, ChoiceMessage) for m in batch.messages)


def test_other_types_become_unsupported_events():
    messages = [p.image_message(), p.sticker_message(), p.location_message(), p.reaction_message(),
                p.unknown_message(), {**p.text_message("x"), "type": "contacts"}]  # fmt: skip
    nfm = p.button_reply("x", "y")
    nfm["interactive"] = {"type": "nfm_reply", "nfm_reply": {"name": "flow", "body": "Sent"}}
    batch = parse(one_change(messages=[*messages, nfm]))
    assert [m.kind for m in batch.messages] == [
        "image", "sticker", "location", "reaction", "unknown", "contacts", "interactive:nfm_reply",
    ]  # fmt: skip
    assert all(isinstance(m, UnsupportedMessage) for m in batch.messages)
    assert batch.skipped == 0


def test_profile_name_matched_by_wa_id_not_first_contact():
    messages = [p.text_message("a", sender=p.SENDER), p.text_message("b", sender=p.OTHER_SENDER)]
    contacts = [p.contact(p.OTHER_SENDER, "Other"), p.contact(p.SENDER, "Sender")]
    batch = parse(one_change(messages=messages, contacts=contacts))
    assert [(m.wa_id, m.profile_name) for m in batch.messages] == [
        (p.SENDER, "Sender"),
        (p.OTHER_SENDER, "Other"),
    ]
    lonely = parse(one_change(messages=[p.text_message("c", sender="263700000001")], contacts=contacts))
    assert lonely.messages[0].profile_name == ""


def test_every_entry_change_and_item_of_a_batch_is_read():
    first = p.entry(
        p.change(messages=[p.text_message("1"), p.text_message("2")], statuses=[p.status("wamid.S1", "read")],
                 phone_number_id=OURS),
        p.change(statuses=[p.status("wamid.S2", "failed", error_code=131026)], phone_number_id=OURS),
    )  # fmt: skip
    second = p.entry(p.change(messages=[p.text_message("3")], errors=[p.platform_error(131000, "E", "d")],
                              phone_number_id=OURS))  # fmt: skip
    batch = parse(p.envelope(first, second))
    assert [m.body for m in batch.messages] == ["1", "2", "3"]
    assert [(s.wamid, s.status, s.error_code) for s in batch.statuses] == [
        ("wamid.S1", "read", None),
        ("wamid.S2", "failed", 131026),
    ]
    assert [(e.code, e.title, e.details) for e in batch.errors] == [(131000, "E", "d")]
    assert batch.skipped == 0


def test_status_fields():
    item = p.status("wamid.S", "failed", recipient="263771234567", timestamp="1717000001", error_code=131047)
    (status,) = parse(one_change(statuses=[item])).statuses
    assert status == StatusUpdate(
        wamid="wamid.S", status="failed", timestamp=1_717_000_001, recipient_id="263771234567",
        error_code=131047, error_title="Message undeliverable",
    )  # fmt: skip


def test_platform_error_digest_is_sha256_of_canonical_json():
    item = p.platform_error(131052, "Media download error", "too big")
    (error,) = parse(one_change(errors=[item])).errors
    canonical = json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert error.digest == hashlib.sha256(canonical.encode()).hexdigest()
    reordered = dict(reversed(list(item.items())))
    assert parse(one_change(errors=[reordered])).errors[0].digest == error.digest


@pytest.mark.parametrize(
    "breakage",
    [
        {"id": None},
        {"id": 12},
        {"id": "wamid." + "x" * 250},  # > 255
        {"id": "wamid with spaces"},
        {"from": None},
        {"from": "+263771234567"},
        {"from": "2637712345ab"},
        {"from": "١٢٣٤٥"},  # non-ASCII digits
        {"from": "1" * 33},
        {"from": "0"},
        {"from": "0263771234567"},  # a leading zero
        {"from": "1" * 16},
        {"from": "12345"},
        {"timestamp": None},
        {"timestamp": "12.5"},
        {"timestamp": "-5"},
        {"timestamp": True},
        {"timestamp": "9" * 12},  # beyond year 9999
        {"type": None},
        {"text": {"body": 42}},
        {"text": "hi"},
        {"text": {"body": "x" * (MAX_TEXT_CHARS + 1)}},
    ],
)
def test_malformed_message_is_skipped_and_its_siblings_kept(breakage, caplog):
    bad = {**p.text_message("secret body 263771234567"), **breakage}
    bad = {key: value for key, value in bad.items() if value is not None}
    messages = [p.text_message("before"), bad, p.text_message("after")]
    with caplog.at_level(logging.WARNING, logger="bot.parsing"):
        batch = parse(one_change(messages=messages, statuses=[p.status("wamid.S", "sent")]))
    assert [m.body for m in batch.messages] == ["before", "after"]
    assert len(batch.statuses) == 1
    assert batch.skipped == 1
    assert "messages[1]" in caplog.text
    assert "secret body" not in caplog.text and "263771234567" not in caplog.text


def test_malformed_choices_and_statuses_are_skipped():
    no_id = p.button_reply("x", "Yes")
    no_id["interactive"]["button_reply"].pop("id")
    no_payload = p.quick_reply("", "Accept")
    statuses = [p.status("wamid.A", "delivered"), {"id": "wamid.B", "status": "exploded", "timestamp": "1"},
                "not an object", p.status("wamid.C", "read")]  # fmt: skip
    batch = parse(one_change(messages=[no_id, no_payload, p.text_message("ok")], statuses=statuses))
    assert [m.body for m in batch.messages] == ["ok"]
    assert [s.wamid for s in batch.statuses] == ["wamid.A", "wamid.C"]
    assert batch.skipped == 4


def test_oversized_or_odd_optional_fields_are_bounded_not_fatal():
    message = p.text_message("nul\x00 and lone \ud800 surrogate", context_id="x" * 300)
    contacts = [{"profile": {"name": "N" * 1000}, "wa_id": p.SENDER}]
    status = {**p.status("wamid.S", "failed", error_code=2**40), "recipient_id": "r" * 100}
    batch = parse(one_change(messages=[message], contacts=contacts, statuses=[status]))
    (event,) = batch.messages
    assert event.body == "nul\ufffd and lone \ufffd surrogate"
    assert event.context_id is None
    assert len(event.profile_name) == 256
    assert (batch.statuses[0].error_code, batch.statuses[0].recipient_id) == (None, "")


def test_foreign_phone_number_and_other_fields_are_dropped(caplog):
    foreign = p.change(messages=[p.text_message("not for us 263771234567")], phone_number_id="999")
    other_field = p.change(messages=[p.text_message("x")], phone_number_id=OURS, field="account_update")
    ours = p.change(messages=[p.text_message("for us")], phone_number_id=OURS)
    with caplog.at_level(logging.WARNING, logger="bot.parsing"):
        batch = parse(p.envelope(p.entry(foreign, other_field, ours)))
    assert [m.body for m in batch.messages] == ["for us"]
    assert batch.skipped == 2
    assert "another phone number id" in caplog.text
    assert "not for us" not in caplog.text and "263771234567" not in caplog.text


@pytest.mark.parametrize(
    "payload",
    [None, [], "text", 3, {}, {"object": "page", "entry": []}, {"object": "instagram", "entry": [{}]}],
)
def test_not_a_whatsapp_payload_is_an_empty_batch(payload):
    assert parse(payload) == ParsedBatch()


def test_broken_envelope_parts_are_skipped():
    payload = {"object": "whatsapp_business_account", "entry": [None, {"changes": "x"}, {"changes": [1, {}]}]}
    assert parse(payload) == ParsedBatch(skipped=4)
    assert parse({"object": "whatsapp_business_account"}) == ParsedBatch(skipped=1)


def test_event_dict_round_trip_is_json_serialisable():
    events = parse(one_change(messages=[p.text_message("héllo"), p.list_reply("r", "R"), p.image_message()]))
    for event in events.messages:
        stored = json.loads(json.dumps(event_to_dict(event)))
        assert event_from_dict(stored) == event
    assert [event_to_dict(e)["type"] for e in events.messages] == ["text", "choice", "unsupported"]
    assert [event_kind(e) for e in events.messages] == ["text", "choice:list", "image"]
    with pytest.raises(ValueError):
        event_from_dict({"type": "nope"})


# --- the item cap, the one summary line, contacts --------------------------------------------------------


def five_messages() -> dict:
    return one_change(messages=[p.text_message(str(number)) for number in range(1, 6)])


def test_a_delivery_is_read_up_to_the_item_cap_and_says_where_it_stopped():
    # entry, change, then one item per message: the 6th item read is the 4th message
    batch = parse_webhook(five_messages(), phone_number_id=OURS, max_items=5)
    assert [m.body for m in batch.messages] == ["1", "2", "3"]
    assert batch.cut_at == "e0.c0.messages[3]"


def test_a_delivery_of_exactly_the_cap_is_read_whole():
    batch = parse_webhook(five_messages(), phone_number_id=OURS, max_items=7)
    assert ([m.body for m in batch.messages], batch.cut_at) == (["1", "2", "3", "4", "5"], "")


def test_broken_items_are_one_line_with_the_count_per_reason(caplog):
    messages = [p.text_message("ok"), *[{**p.text_message("x"), "from": "0"}] * 3, "not an object"]
    with caplog.at_level(logging.WARNING, logger="bot.parsing"):
        batch = parse(one_change(messages=messages))
    assert [m.body for m in batch.messages] == ["ok"]
    assert [record.getMessage() for record in caplog.records] == [
        "webhook delivery: 4 items skipped; "
        "sender missing or not a WhatsApp id ×3 (first at e0.c0.messages[1]); "
        "message is not an object ×1 (first at e0.c0.messages[4])"
    ]


def test_a_clean_delivery_logs_nothing(caplog):
    with caplog.at_level(logging.DEBUG, logger="bot.parsing"):
        parse(one_change(messages=[p.text_message("ok")], contacts=[p.contact()]))
    assert caplog.records == []


def test_contacts_must_carry_a_whatsapp_id_and_a_bsuid_alone_is_not_malformed():
    contacts = [
        p.contact("0", "Zero"),  # not a WhatsApp id: skipped, its name never used
        {"profile": {"name": "Hidden"}, "user_id": "ZW.1502576394655843"},  # BSUID only: nothing to match yet
        {"profile": {"name": "Nobody"}},  # neither
        p.contact(p.SENDER, "Tendai"),
    ]
    batch = parse(one_change(messages=[p.text_message("hi")], contacts=contacts))
    assert [(m.wa_id, m.profile_name) for m in batch.messages] == [(p.SENDER, "Tendai")]
    assert batch.skipped == 2
