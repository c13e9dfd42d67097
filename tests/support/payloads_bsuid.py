"""Webhook payloads of WhatsApp usernames (issue 22): every sender shape Meta sends once numbers can hide.

Shapes per Meta's "Business-scoped user IDs" page (developers.facebook.com/documentation/business-messaging/
whatsapp/business-scoped-user-ids) and the messages webhook references ("Contacts messages", "System
messages"):

- `contacts[]`: `{"profile": {"name", "username"?}, "wa_id"?, "user_id": BSUID, "parent_user_id"?}`;
- `messages[]`: `{"from"?: phone, "from_user_id": BSUID, "from_parent_user_id"?, ...}`: `from` only while
  the user shares their number;
- `statuses[]`: `{"recipient_id"?: phone, "recipient_user_id": BSUID, ...}` (`payloads.status`);
- a `contacts` message: WhatsApp's answer to our `request_contact_info` has `origin: "contact_request"`;
  a card the user forwarded has origin "other" (or none);
- `system` messages carry no `contacts[]`: `user_changed_number` (`system.wa_id`, `system.user_id` the new
  ones) and `user_changed_user_id` (`system.user_id` the new BSUID).

    payload = bsuid_payload(text_message_from("hi"))                       # BSUID only, with a username
    payload = bsuid_payload(text_message_from("hi", phone=SENDER), phone=SENDER)   # phone + BSUID
"""

from __future__ import annotations

from tests.support.payloads import (
    SENDER,
    SENDER_NAME,
    change,
    contact,
    entry,
    envelope,
    new_wamid,
    now_ts,
)

SENDER_BSUID = "ZW.1502576394655843"
OTHER_BSUID = "ZW.2604119883107731"
PARENT_BSUID = "ZW.ENT.8841203376551290"
SENDER_USERNAME = "tendai.moyo"
OTHER_NAME = "Rudo Chikwanha"
OTHER_USERNAME = "rudo_c"


def bsuid_message(
    kind: str, *, user_id: str | None = SENDER_BSUID, phone: str | None = None,
    parent_user_id: str | None = None, wamid: str | None = None, timestamp: str | None = None,
) -> dict:  # fmt: skip
    """The common part of a `messages[]` item sent by a BSUID (`from_user_id`), with `from` only when
    `phone` is given. `user_id=None` and `phone=None` make a message naming no sender (malformed)."""
    message: dict = {"id": wamid or new_wamid(), "timestamp": timestamp or now_ts(), "type": kind}
    if phone is not None:
        message["from"] = phone
    if user_id is not None:
        message["from_user_id"] = user_id
    if parent_user_id is not None:
        message["from_parent_user_id"] = parent_user_id
    return message


def text_message_from(body: str, **sender: str | None) -> dict:
    """A text message from a BSUID (keywords of `bsuid_message`)."""
    return {**bsuid_message("text", **sender), "text": {"body": body}}


def typed_number(number: str = "+263 77 123 4567", **sender: str | None) -> dict:
    """A member typing a phone number as text: never a contact request answer, so it links nothing."""
    return text_message_from(number, **sender)


def bsuid_contact(
    user_id: str = SENDER_BSUID, *, name: str = SENDER_NAME, username: str | None = SENDER_USERNAME,
    phone: str | None = None, parent_user_id: str | None = None,
) -> dict:  # fmt: skip
    """A `contacts[]` entry for a BSUID sender: no `wa_id` unless `phone` is given."""
    return contact(phone, name, user_id=user_id, username=username, parent_user_id=parent_user_id)


def bsuid_payload(
    *messages: dict, user_id: str = SENDER_BSUID, phone: str | None = None, name: str = SENDER_NAME,
    username: str | None = SENDER_USERNAME, parent_user_id: str | None = None,
    phone_number_id: str | None = None,
) -> dict:  # fmt: skip
    """A whole delivery of `messages` from one BSUID sender and that sender's contact entry."""
    sender = bsuid_contact(user_id, name=name, username=username, phone=phone, parent_user_id=parent_user_id)
    value = change(messages=list(messages), contacts=[sender], phone_number_id=phone_number_id)
    return envelope(entry(value))


def card(phone: str, *, name: str = SENDER_NAME, origin: str | None = None) -> dict:
    """One contact card of a `contacts` message (Meta's "Contacts messages webhook reference")."""
    first, _, last = name.partition(" ")
    item: dict = {
        "name": {"formatted_name": name, "first_name": first, "last_name": last},
        "phones": [{"phone": f"+{phone}", "wa_id": phone, "type": "CELL"}],
    }
    if origin is not None:
        item["origin"] = origin
    return item


def contact_request_answer(phone: str = SENDER, **sender: str | None) -> dict:
    """WhatsApp's answer to our `request_contact_info`: the member's own card, origin "contact_request"."""
    return {**bsuid_message("contacts", **sender), "contacts": [card(phone, origin="contact_request")]}


def forwarded_vcard(*phones: str, origin: str | None = "other", **sender: str | None) -> dict:
    """Cards the member forwarded (of `phones`, one card each): origin "other", or none when None."""
    cards = [card(phone, name=OTHER_NAME, origin=origin) for phone in phones or (SENDER,)]
    return {**bsuid_message("contacts", **sender), "contacts": cards}


def number_changed(
    new_phone: str, new_user_id: str = OTHER_BSUID, *, old_user_id: str = SENDER_BSUID,
    old_phone: str | None = SENDER,
) -> dict:  # fmt: skip
    """Meta's `user_changed_number` system message, sent from the old identity."""
    body = f"User {SENDER_NAME} changed from {old_phone or 'a hidden number'} to {new_phone}"
    system = {"body": body, "wa_id": new_phone, "user_id": new_user_id, "type": "user_changed_number"}
    return {**bsuid_message("system", user_id=old_user_id, phone=old_phone), "system": system}


def user_id_changed(
    new_user_id: str = OTHER_BSUID, *, old_user_id: str = SENDER_BSUID, old_phone: str | None = None
) -> dict:
    """Meta's `user_changed_user_id` system message (the BSUID changed; no `system.wa_id`)."""
    system = {"body": f"User {SENDER_NAME} changed their user ID", "user_id": new_user_id,
              "type": "user_changed_user_id"}  # fmt: skip
    return {**bsuid_message("system", user_id=old_user_id, phone=old_phone), "system": system}


def system_payload(message: dict, *, phone_number_id: str | None = None) -> dict:
    """A delivery holding one system message and, as Meta sends them, no `contacts[]`."""
    return envelope(entry(change(messages=[message], phone_number_id=phone_number_id)))
