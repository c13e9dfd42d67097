"""bot.parsing with WhatsApp usernames: every sender shape of Meta's "Business-scoped user IDs" parses to the
right event; a message naming no sender is skipped and its siblings kept; malformed BSUIDs never pass."""

import pytest

from bot.events import event_from_dict, event_to_dict
from bot.parsing import parse_webhook
from devtools import payloads as p
from devtools.payloads import bsuid as b
from flows.types import ContactMessage, IdentityChange, TextMessage

OURS = "100000000000001"


def parse(payload):
    return parse_webhook(payload, phone_number_id=OURS)


def one_change(**kwargs) -> dict:
    return p.envelope(p.entry(p.change(phone_number_id=OURS, **kwargs)))


def only(payload):
    batch = parse(payload)
    assert batch.skipped == 0
    (message,) = batch.messages
    return message


def test_bsuid_only_sender_with_username_is_kept_without_a_phone():
    message = only(b.delivery(b.text("hi"), username=b.SENDER_USERNAME, phone_number_id=OURS))
    assert isinstance(message, TextMessage)
    assert (message.wa_id, message.user_id, message.username, message.profile_name, message.body) == (
        "", b.SENDER_BSUID, b.SENDER_USERNAME, p.SENDER_NAME, "hi"
    )  # fmt: skip


def test_phone_and_bsuid_arrive_together():
    payload = b.delivery(b.text("hi", phone=p.SENDER), username=b.SENDER_USERNAME, phone_number_id=OURS)
    message = only(payload)
    assert (message.wa_id, message.user_id, message.username) == (p.SENDER, b.SENDER_BSUID, b.SENDER_USERNAME)


def test_phone_only_message_gets_the_bsuid_of_its_contact():
    contact = p.contact(p.SENDER, user_id=b.SENDER_BSUID, username=b.SENDER_USERNAME)
    message = only(one_change(messages=[p.text_message("hi")], contacts=[contact]))
    assert (message.wa_id, message.user_id, message.username) == (p.SENDER, b.SENDER_BSUID, b.SENDER_USERNAME)


def test_sender_without_username_has_an_empty_one():
    message = only(b.delivery(b.text("hi"), phone_number_id=OURS))
    assert (message.user_id, message.username) == (b.SENDER_BSUID, "")


def test_parent_bsuid_from_the_message_or_the_contact():
    from_message = b.text("a", parent=b.PARENT_BSUID)
    assert only(b.delivery(from_message, phone_number_id=OURS)).parent_user_id == b.PARENT_BSUID
    from_contact = b.delivery(b.text("b"), parent=b.PARENT_BSUID, phone_number_id=OURS)
    assert only(from_contact).parent_user_id == b.PARENT_BSUID


def test_contact_request_answer_carries_origin_and_the_shared_number():
    message = only(b.delivery(b.contact_request_answer(p.SENDER), phone_number_id=OURS))
    assert isinstance(message, ContactMessage)
    assert (message.origin, message.phones, message.cards, message.user_id, message.wa_id) == (
        "contact_request", (p.SENDER,), 1, b.SENDER_BSUID, ""
    )  # fmt: skip


@pytest.mark.parametrize("origin", ["other", None], ids=["origin-other", "origin-absent"])
def test_forwarded_vcards_are_not_contact_requests(origin):
    forwarded = b.forwarded_vcard(p.OTHER_SENDER, "263775550000", origin=origin)
    message = only(b.delivery(forwarded, phone_number_id=OURS))
    assert isinstance(message, ContactMessage)
    expected_origin = "other" if origin else ""
    assert (message.origin, message.phones, message.cards) == (
        expected_origin, (p.OTHER_SENDER, "263775550000"), 2
    )  # fmt: skip


def test_a_forged_origin_on_a_later_card_does_not_make_a_contact_request():
    forwarded = b.forwarded_vcard(p.OTHER_SENDER)
    forwarded["contacts"].append(b.card(p.SENDER, origin="contact_request"))
    assert only(b.delivery(forwarded, phone_number_id=OURS)).origin == "other"


def test_a_typed_number_is_just_text():
    message = only(b.delivery(b.text("+263 77 987 6543"), phone_number_id=OURS))
    assert type(message) is TextMessage
    assert message.body == "+263 77 987 6543"


def test_user_changed_number_system_message():
    message = only(
        b.delivery(b.number_changed(p.OTHER_SENDER, b.OTHER_BSUID), contacts=[], phone_number_id=OURS)
    )
    assert isinstance(message, IdentityChange)
    assert (message.change, message.new_phone, message.new_user_id) == (
        "user_changed_number", p.OTHER_SENDER, b.OTHER_BSUID
    )  # fmt: skip
    assert (message.wa_id, message.user_id, message.profile_name) == (p.SENDER, b.SENDER_BSUID, "")


def test_user_changed_user_id_system_message_from_a_bsuid_only_sender():
    message = only(b.delivery(b.user_id_changed(b.OTHER_BSUID), contacts=[], phone_number_id=OURS))
    assert isinstance(message, IdentityChange)
    assert (message.change, message.new_phone, message.new_user_id, message.wa_id, message.user_id) == (
        "user_changed_user_id", "", b.OTHER_BSUID, "", b.SENDER_BSUID
    )  # fmt: skip


def test_system_message_of_another_type_is_skipped():
    message = b.user_id_changed()
    message["system"]["type"] = "customer_identity_changed"
    batch = parse(b.delivery(message, contacts=[], phone_number_id=OURS))
    assert (batch.messages, batch.skipped) == ((), 1)


@pytest.mark.parametrize(
    "event",
    [
        b.contact_request_answer(p.SENDER),
        b.forwarded_vcard(p.OTHER_SENDER),
        b.number_changed(p.OTHER_SENDER),
        b.text("hi", parent=b.PARENT_BSUID),
    ],
    ids=["contact-request", "forwarded", "changed-number", "text"],
)
def test_identity_events_survive_the_inbox_round_trip(event):
    message = only(b.delivery(event, phone_number_id=OURS))
    assert event_from_dict(event_to_dict(message)) == message


def test_message_naming_no_sender_is_skipped_and_its_siblings_kept():
    nobody = b.text("who am I", bsuid=None)
    messages = [b.text("first"), nobody, b.text("third", phone=p.SENDER)]
    batch = parse(b.delivery(*messages, contacts=[b.sender()], phone_number_id=OURS))
    assert [m.body for m in batch.messages] == ["first", "third"]
    assert batch.skipped == 1


MALFORMED_BSUIDS = {
    "lowercase-country": "zw.1502576394655843",
    "over-128-chars": "ZW." + "1" * 129,
    "spaces": "ZW.1502 576394",
    "phone-number": p.SENDER,
    "plus-phone": "+263771234567",
    "no-country": ".1502576394655843",
    "not-a-string": 1502576394655843,
    "empty": "",
}


@pytest.mark.parametrize("bad", MALFORMED_BSUIDS.values(), ids=MALFORMED_BSUIDS.keys())
def test_malformed_from_user_id_refuses_the_message_even_with_a_phone(bad):
    message = b.text("hi", bsuid=None, phone=p.SENDER)
    message["from_user_id"] = bad
    batch = parse(one_change(messages=[message, p.text_message("sibling")], contacts=[p.contact()]))
    assert [m.body for m in batch.messages] == ["sibling"]
    assert batch.skipped == 1


@pytest.mark.parametrize("bad", MALFORMED_BSUIDS.values(), ids=MALFORMED_BSUIDS.keys())
def test_malformed_bsuid_in_a_contact_is_ignored_and_never_given_to_the_message(bad):
    contact = p.contact(p.SENDER, user_id=bad, parent_user_id=bad)
    message = only(one_change(messages=[p.text_message("hi")], contacts=[contact]))
    assert (message.wa_id, message.user_id, message.parent_user_id) == (p.SENDER, "", "")
    assert message.profile_name == p.SENDER_NAME


def test_contact_with_only_a_malformed_bsuid_is_skipped_and_its_name_never_shown():
    contact = b.sender(bsuid="zw.lower", name="Mallory")
    batch = parse(one_change(messages=[b.text("hi")], contacts=[contact]))
    (message,) = batch.messages
    assert (message.profile_name, message.username, batch.skipped) == ("", "", 1)


def test_malformed_parent_bsuid_on_the_message_is_dropped():
    message = b.text("hi", parent="ZW.ENT.with space")
    assert only(b.delivery(message, phone_number_id=OURS)).parent_user_id == ""


def test_oversized_username_is_dropped_not_cut():
    payload = b.delivery(b.text("hi"), username="u" * 65, phone_number_id=OURS)
    assert only(payload).username == ""


def test_contacts_are_matched_by_bsuid_in_a_batch_of_several_senders():
    contacts = [
        b.sender(bsuid=b.OTHER_BSUID, name=b.OTHER_NAME, username=b.OTHER_USERNAME),
        p.contact(p.OTHER_SENDER, "Phone Only"),
        b.sender(bsuid=b.SENDER_BSUID, phone=p.SENDER),
    ]
    messages = [
        b.text("from tendai", phone=p.SENDER),
        p.text_message("from phone only", sender=p.OTHER_SENDER),
        b.text("from rudo", bsuid=b.OTHER_BSUID),
        b.text("stranger", bsuid="ZW.999"),
    ]
    batch = parse(one_change(messages=messages, contacts=contacts))
    seen = [(m.body, m.wa_id, m.user_id, m.profile_name, m.username) for m in batch.messages]
    assert seen == [
        ("from tendai", p.SENDER, b.SENDER_BSUID, p.SENDER_NAME, b.SENDER_USERNAME),
        ("from phone only", p.OTHER_SENDER, "", "Phone Only", ""),
        ("from rudo", "", b.OTHER_BSUID, b.OTHER_NAME, b.OTHER_USERNAME),
        ("stranger", "", "ZW.999", "", ""),
    ]
    assert batch.skipped == 0


def test_statuses_keep_the_recipient_bsuid():
    statuses = [
        p.status("wamid.S1", "delivered", recipient=None, recipient_user_id=b.SENDER_BSUID),
        p.status("wamid.S2", "read", recipient_user_id=b.OTHER_BSUID),
        p.status("wamid.S3", "failed", recipient=None, recipient_user_id=b.SENDER_BSUID, error_code=131026),
        p.status("wamid.S4", "sent", recipient=None, recipient_user_id="zw.bad"),
    ]
    batch = parse(one_change(statuses=statuses))
    seen = [(s.wamid, s.recipient_id, s.recipient_user_id, s.error_code) for s in batch.statuses]
    assert seen == [
        ("wamid.S1", "", b.SENDER_BSUID, None),
        ("wamid.S2", p.SENDER, b.OTHER_BSUID, None),
        ("wamid.S3", "", b.SENDER_BSUID, 131026),
        ("wamid.S4", "", "", None),
    ]
