"""Whole WhatsApp deliveries by keyword, for tools that have no Django settings at hand: `make run`'s mock
message, `make bench`, `manage.py chat` and the development chat page. Built from the builders of
`devtools.payloads`, so a delivery here has exactly the shape the tests send.

`whatsapp_text_payload` is one text message; `whatsapp_choice_payload` a tap (a reply button, a list row or
a template quick reply, shaped as WhatsApp sends each); `whatsapp_contacts_payload` a `contacts` message:
WhatsApp's answer to our `request_contact_info` (origin "contact_request", the member's own number) or a
forwarded vCard of other numbers (origin "other").

A "username user" (WhatsApp usernames, Meta's "Business-scoped user IDs") is a member whose number WhatsApp
withholds: `as_username_user` rewrites a delivery so the sender is named only by a business-scoped user id
(BSUID: `contacts[].user_id`, `messages[].from_user_id`) with a `profile.username`, no `wa_id` and no
`from`. `sample_bsuid` derives that BSUID from the number deterministically ("ZW." + the first 16 decimal
digits of SHA-256 of the number: the same member gets the same BSUID on every run, and it is never a phone
number).

`python -m devtools.payloads [TEXT]` prints one text delivery (fresh wamid, our configured phone number id),
ready to pipe into `python manage.py sign_payload - --curl URL`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

from devtools import payloads as p
from devtools.payloads import SENDER as SAMPLE_WA_ID
from devtools.payloads import SENDER_NAME, new_wamid

__all__ = ["SAMPLE_WA_ID", "new_wamid"]  # re-exported: the tools' one import for these

CHOICE_KINDS = ("button", "list", "quick_reply")


def _delivery(message: dict, phone_number_id: str, contact: dict) -> dict:
    value = p.change(messages=[message], contacts=[contact], phone_number_id=phone_number_id)
    return p.envelope(p.entry(value))


def whatsapp_text_payload(
    *, text: str, wamid: str, phone_number_id: str, wa_id: str = SAMPLE_WA_ID, name: str = SENDER_NAME,
    timestamp: int | None = None, user_id: str | None = None,
) -> dict:  # fmt: skip
    """One delivery holding one text message from `wa_id` to our number `phone_number_id`; with `user_id`
    the sender's BSUID too, as Meta's webhooks carry it beside the number since April 2026."""
    sent_at = None if timestamp is None else str(timestamp)
    message = p.text_message(text, wamid=wamid, sender=wa_id, timestamp=sent_at)
    message |= p.present(from_user_id=user_id)
    return _delivery(message, phone_number_id, p.contact(wa_id, name, user_id=user_id))


def whatsapp_choice_payload(
    *, kind: str, choice_id: str, title: str, wamid: str, phone_number_id: str, description: str = "",
    wa_id: str = SAMPLE_WA_ID, name: str = SENDER_NAME, timestamp: int | None = None,
    context_id: str | None = None,
) -> dict:  # fmt: skip
    """One delivery holding one tap from `wa_id`: `kind` is "button" (a reply button, `button_reply`),
    "list" (a list row, `list_reply`) or "quick_reply" (a template quick reply, `type=button`).

    `context` names the message tapped (`context_id`, a fresh wamid by default), as WhatsApp does.
    """
    fields = {"context_id": context_id, "wamid": wamid, "sender": wa_id}
    fields["timestamp"] = None if timestamp is None else str(timestamp)
    if kind == "button":
        message = p.button_reply(choice_id, title, **fields)
    elif kind == "list":
        message = p.list_reply(choice_id, title, description, **fields)
    elif kind == "quick_reply":
        message = p.quick_reply(choice_id, title, **fields)
    else:
        raise ValueError(f"kind must be one of {CHOICE_KINDS}, not {kind!r}")
    return _delivery(message, phone_number_id, p.contact(wa_id, name))


def whatsapp_contacts_payload(
    *, phones: list[str], origin: str, wamid: str, phone_number_id: str, wa_id: str = SAMPLE_WA_ID,
    name: str = SENDER_NAME,
) -> dict:  # fmt: skip
    """One `contacts` message from `wa_id` carrying a card for each of `phones` (Meta's "Contacts messages
    webhook reference"); origin "contact_request" is WhatsApp's answer to our request for the number."""
    message = p.text_message("", wamid=wamid, sender=wa_id)
    del message["text"]
    cards = [
        {
            "name": {"formatted_name": name if origin == "contact_request" else "A friend"},
            "phones": [{"phone": f"+{phone}", "wa_id": phone, "type": "CELL"}],
            "origin": origin,
        }
        for phone in phones
    ]
    message.update(type="contacts", contacts=cards)
    return _delivery(message, phone_number_id, p.contact(wa_id, name))


def sample_bsuid(wa_id: str) -> str:
    """The dev BSUID of the member with number `wa_id` (module docstring): "ZW." + 16 digits."""
    digest = hashlib.sha256(f"vimbisopay-dev-bsuid:{wa_id}".encode("ascii")).hexdigest()
    return "ZW." + str(int(digest, 16))[:16]


def sample_username(wa_id: str) -> str:
    """The dev WhatsApp username of the member with number `wa_id`: "member_" + its last four digits."""
    return f"member_{wa_id[-4:]}"


def as_username_user(payload: dict, *, wa_id: str) -> dict:
    """`payload` (one change) with its sender named only by BSUID and username: no `wa_id`, no `from`."""
    value = payload["entry"][0]["changes"][0]["value"]
    user_id = sample_bsuid(wa_id)
    for contact in value.get("contacts", ()):
        contact.pop("wa_id", None)
        contact["user_id"] = user_id
        contact["profile"]["username"] = sample_username(wa_id)
    for message in value.get("messages", ()):
        message.pop("from", None)
        message["from_user_id"] = user_id
    return payload


def main(argv: list[str]) -> None:
    """Print one text-message delivery (the text is `argv` joined, default "hi") as compact JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings  # noqa: PLC0415 - only this command needs the settings

    text = " ".join(argv) or "hi"
    our_number = settings.WHATSAPP_PHONE_NUMBER_ID
    payload = whatsapp_text_payload(text=text, wamid=new_wamid(), phone_number_id=our_number)
    sys.stdout.write(json.dumps(payload, separators=(",", ":")) + "\n")
