"""Builders of realistic WhatsApp Cloud API webhook payloads: the one home of the shapes Meta sends, used by
the tests, the development chat and the benchmarks.

Plain functions returning plain dicts, so a test reads like the JSON Meta sends:

    payload = envelope(entry(change(messages=[text_message("hi")], contacts=[contact(SENDER)])))

`text_payload("hi")` is the one-message shortcut. Items default to our phone number id
(settings.WHATSAPP_PHONE_NUMBER_ID), a fixed sender, "now" as the timestamp and a fresh random wamid.

WhatsApp usernames are built in `devtools.payloads.bsuid`: senders known by a
business-scoped user id (BSUID) with or without their phone, usernames, parent BSUIDs, statuses with
`recipient_user_id`, contact-request answers, forwarded vCards and the identity system messages. Here,
`contact(...)` and `status(...)` take the same optional BSUID fields, and `single` reads the sender from
`from` or `from_user_id`. Whole deliveries by keyword, for tools without Django settings (`make run`,
`make bench`, the development chat), are in `devtools.payloads.deliveries`.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterable

SENDER = "263771234567"
OTHER_SENDER = "263779876543"
SENDER_NAME = "Tendai Moyo"
WABA_ID = "102290129340398"
DISPLAY_NUMBER = "15550783881"


def new_wamid() -> str:
    """A fresh wamid in Meta's shape: `wamid.` + base64 of random bytes."""
    return "wamid." + base64.b64encode(b"\x15\x02\x00\x11\x18\x12" + secrets.token_bytes(24)).decode("ascii")


def now_ts() -> str:
    return str(int(time.time()))


def our_phone_number_id() -> str:
    from django.conf import settings  # noqa: PLC0415 - the builders are imported before Django is set up

    return settings.WHATSAPP_PHONE_NUMBER_ID


# --- envelope ---------------------------------------------------------------------------------------------


def envelope(*entries: dict) -> dict:
    """The top-level delivery: `object` + entries."""
    return {"object": "whatsapp_business_account", "entry": list(entries)}


def entry(*changes: dict, waba_id: str = WABA_ID) -> dict:
    return {"id": waba_id, "changes": list(changes)}


def change(
    *,
    messages: Iterable[dict] = (),
    statuses: Iterable[dict] = (),
    errors: Iterable[dict] = (),
    contacts: Iterable[dict] = (),
    phone_number_id: str | None = None,
    field: str = "messages",
) -> dict:
    """One `changes[]` item; lists that are empty are left out, as Meta does."""
    value: dict = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": DISPLAY_NUMBER,
            "phone_number_id": phone_number_id or our_phone_number_id(),
        },
    }
    for key, items in (("contacts", contacts), ("messages", messages), ("statuses", statuses)):
        if items := list(items):
            value[key] = items
    if errors := list(errors):
        value["errors"] = errors
    return {"value": value, "field": field}


def contact(
    wa_id: str | None = SENDER, name: str = SENDER_NAME, *, user_id: str | None = None,
    username: str | None = None, parent_user_id: str | None = None,
) -> dict:  # fmt: skip
    """A `contacts[]` entry; `wa_id=None` leaves the phone out (a member whose number WhatsApp withholds).
    `user_id`, `parent_user_id`, `profile.username`: Meta's BSUID fields ("Business-scoped user IDs")."""
    profile = {"name": name} | present(username=username)
    return {"profile": profile} | present(wa_id=wa_id, user_id=user_id, parent_user_id=parent_user_id)


def present(**fields: object) -> dict:
    """The `fields` that are not None: Meta leaves an absent field out rather than sending null."""
    return {key: value for key, value in fields.items() if value is not None}


def text_payload(body: str, *, sender: str = SENDER, name: str = SENDER_NAME, **message_fields) -> dict:
    """A whole delivery holding one text message and its contact."""
    message = text_message(body, sender=sender, **message_fields)
    return envelope(entry(change(messages=[message], contacts=[contact(sender, name)])))


def single(message: dict, *, name: str = SENDER_NAME) -> dict:
    """A whole delivery holding one given message and its sender's contact (by phone, BSUID or both)."""
    sender = contact(message.get("from"), name, user_id=message.get("from_user_id"))
    return envelope(entry(change(messages=[message], contacts=[sender])))


# --- messages[] -------------------------------------------------------------------------------------------


def _message(
    kind: str, *, wamid: str | None, sender: str, timestamp: str | None, context_id: str | None
) -> dict:
    message = {"from": sender, "id": wamid or new_wamid(), "timestamp": timestamp or now_ts(), "type": kind}
    if context_id:
        message["context"] = {"from": DISPLAY_NUMBER, "id": context_id}
    return message


def text_message(
    body: str, *, wamid: str | None = None, sender: str = SENDER, timestamp: str | None = None,
    context_id: str | None = None,
) -> dict:  # fmt: skip
    message = _message("text", wamid=wamid, sender=sender, timestamp=timestamp, context_id=context_id)
    message["text"] = {"body": body}
    return message


def button_reply(
    choice_id: str, title: str, *, context_id: str | None = None, wamid: str | None = None,
    sender: str = SENDER, timestamp: str | None = None,
) -> dict:  # fmt: skip
    """A tap on a reply button of an interactive message we sent (`context.id` = that message)."""
    message = _message("interactive", wamid=wamid, sender=sender, timestamp=timestamp,
                       context_id=context_id or new_wamid())  # fmt: skip
    message["interactive"] = {"type": "button_reply", "button_reply": {"id": choice_id, "title": title}}
    return message


def list_reply(
    choice_id: str, title: str, description: str = "", *, context_id: str | None = None,
    wamid: str | None = None, sender: str = SENDER, timestamp: str | None = None,
) -> dict:  # fmt: skip
    """A row picked from a list message we sent."""
    message = _message("interactive", wamid=wamid, sender=sender, timestamp=timestamp,
                       context_id=context_id or new_wamid())  # fmt: skip
    row = {"id": choice_id, "title": title, "description": description}
    message["interactive"] = {"type": "list_reply", "list_reply": row}
    return message


def quick_reply(
    payload: str, text: str, *, context_id: str | None = None, wamid: str | None = None,
    sender: str = SENDER, timestamp: str | None = None,
) -> dict:  # fmt: skip
    """A template quick-reply tap: `type=button` with `button{payload,text}` (not `interactive`)."""
    message = _message("button", wamid=wamid, sender=sender, timestamp=timestamp,
                       context_id=context_id or new_wamid())  # fmt: skip
    message["button"] = {"payload": payload, "text": text}
    return message


def image_message(*, caption: str = "", wamid: str | None = None, sender: str = SENDER) -> dict:
    message = _message("image", wamid=wamid, sender=sender, timestamp=None, context_id=None)
    message["image"] = {
        "caption": caption,
        "mime_type": "image/jpeg",
        "sha256": "c" * 44,
        "id": "1003383421387256",
    }
    return message


def sticker_message(*, wamid: str | None = None, sender: str = SENDER) -> dict:
    message = _message("sticker", wamid=wamid, sender=sender, timestamp=None, context_id=None)
    message["sticker"] = {
        "mime_type": "image/webp",
        "sha256": "s" * 44,
        "id": "1204562920915651",
        "animated": False,
    }
    return message


def location_message(*, wamid: str | None = None, sender: str = SENDER) -> dict:
    message = _message("location", wamid=wamid, sender=sender, timestamp=None, context_id=None)
    message["location"] = {
        "latitude": -17.8292,
        "longitude": 31.0522,
        "name": "Harare",
        "address": "1 First St",
    }
    return message


def reaction_message(emoji: str = "👍", *, reacted_to: str | None = None, sender: str = SENDER) -> dict:
    message = _message("reaction", wamid=None, sender=sender, timestamp=None, context_id=None)
    message["reaction"] = {"message_id": reacted_to or new_wamid(), "emoji": emoji}
    return message


def unknown_message(*, sender: str = SENDER) -> dict:
    """A message type Meta reports as unsupported by the Cloud API."""
    message = _message("unknown", wamid=None, sender=sender, timestamp=None, context_id=None)
    message["errors"] = [{"code": 131051, "title": "Message type unknown", "message": "Message type unknown"}]
    return message


# --- statuses[] and errors[] ------------------------------------------------------------------------------


def status(wamid: str, value: str, *, recipient: str | None = SENDER, timestamp: str | None = None,
           error_code: int | None = None, recipient_user_id: str | None = None) -> dict:  # fmt: skip
    """A `statuses[]` item for one of our outgoing messages; `failed` carries `errors[]`. `recipient=None`
    leaves `recipient_id` out; `recipient_user_id` is the recipient's BSUID ("Business-scoped user IDs")."""
    item: dict = {"id": wamid, "status": value, "timestamp": timestamp or now_ts()}
    if recipient is not None:
        item["recipient_id"] = recipient
    if recipient_user_id is not None:
        item["recipient_user_id"] = recipient_user_id
    if value != "failed":
        item["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "utility", "type": "regular"}
    if error_code is not None:
        item["errors"] = [platform_error(error_code, "Message undeliverable", "Message failed to send.")]
    return item


def status_payload(*items: dict) -> dict:
    return envelope(entry(change(statuses=items)))


def platform_error(code: int, title: str, details: str) -> dict:
    """A `value.errors[]` (or `statuses[].errors[]`) item."""
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }
