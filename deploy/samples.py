"""Sample WhatsApp webhook bodies for local tooling (`make run`'s mock message, `make bench`'s deliveries).

The shape is the Cloud API's `messages` webhook with one text message, as Meta sends it. Tests have their own
richer builders in `tests/support/payloads.py`.

`whatsapp_choice_payload` builds the delivery of a tap instead: a reply button, a list row or a template
quick reply, shaped as WhatsApp sends each (`manage.py chat` and the development chat page use it).

A "username user" (WhatsApp usernames, Meta's "Business-scoped user IDs") is a member whose number WhatsApp
withholds: `as_username_user` rewrites a delivery so the sender is named only by a business-scoped user id
(BSUID: `contacts[].user_id`, `messages[].from_user_id`) with a `profile.username`, no `wa_id` and no
`from`. `sample_bsuid` derives that BSUID from the number deterministically ("ZW." + the first 16 decimal
digits of SHA-256 of the number: the same member gets the same BSUID on every run, and it is never a phone
number). `whatsapp_contacts_payload` builds a `contacts` message: WhatsApp's answer to our
`request_contact_info` (origin "contact_request", the member's own number) or a forwarded vCard of other
numbers (origin "other").

`python -m deploy.samples [TEXT]` prints one such body (fresh wamid, our configured phone number id), ready
to pipe into `python manage.py sign_payload - --curl URL`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import sys
import time

SAMPLE_WA_ID = "263771234567"
SAMPLE_WABA_ID = "102290129340398"
SAMPLE_DISPLAY_NUMBER = "15550783881"


def whatsapp_text_payload(
    *,
    text: str,
    wamid: str,
    phone_number_id: str,
    wa_id: str = SAMPLE_WA_ID,
    name: str = "Tendai Moyo",
    timestamp: int | None = None,
    user_id: str | None = None,
) -> dict:
    """One delivery holding one text message from `wa_id` to our number `phone_number_id`; with `user_id`
    the sender's BSUID too, as Meta's webhooks carry it beside the number since April 2026."""
    sent_at = str(int(time.time()) if timestamp is None else timestamp)
    message = {"from": wa_id, "id": wamid, "timestamp": sent_at, "type": "text", "text": {"body": text}}
    contact = {"profile": {"name": name}, "wa_id": wa_id}
    if user_id is not None:
        contact["user_id"] = message["from_user_id"] = user_id
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": SAMPLE_DISPLAY_NUMBER, "phone_number_id": phone_number_id},
        "contacts": [contact],
        "messages": [message],
    }
    change = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": SAMPLE_WABA_ID, "changes": [change]}]}


CHOICE_KINDS = ("button", "list", "quick_reply")


def whatsapp_choice_payload(
    *,
    kind: str,
    choice_id: str,
    title: str,
    wamid: str,
    phone_number_id: str,
    description: str = "",
    wa_id: str = SAMPLE_WA_ID,
    name: str = "Tendai Moyo",
    timestamp: int | None = None,
    context_id: str | None = None,
) -> dict:
    """One delivery holding one tap from `wa_id`: `kind` is "button" (a reply button, `button_reply`),
    "list" (a list row, `list_reply`) or "quick_reply" (a template quick reply, `type=button`).

    `context` names the message tapped (`context_id`, a fresh wamid by default), as WhatsApp does.
    """
    payload = whatsapp_text_payload(
        text="", wamid=wamid, phone_number_id=phone_number_id, wa_id=wa_id, name=name, timestamp=timestamp
    )
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message["context"] = {"from": SAMPLE_DISPLAY_NUMBER, "id": context_id or new_wamid()}
    message.update(_tap(kind, choice_id=choice_id, title=title, description=description))
    return payload


def _tap(kind: str, *, choice_id: str, title: str, description: str) -> dict:
    """The `type` and type-specific object of a tap message."""
    if kind == "button":
        reply = {"id": choice_id, "title": title}
        return {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": reply}}
    if kind == "list":
        row = {"id": choice_id, "title": title, "description": description}
        return {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": row}}
    if kind == "quick_reply":
        return {"type": "button", "button": {"payload": choice_id, "text": title}}
    raise ValueError(f"kind must be one of {CHOICE_KINDS}, not {kind!r}")


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


def whatsapp_contacts_payload(
    *, phones: list[str], origin: str, wamid: str, phone_number_id: str, wa_id: str = SAMPLE_WA_ID,
    name: str = "Tendai Moyo",
) -> dict:  # fmt: skip
    """One `contacts` message from `wa_id` carrying a card for each of `phones` (Meta's "Contacts messages
    webhook reference"); origin "contact_request" is WhatsApp's answer to our request for the number."""
    payload = whatsapp_text_payload(
        text="", wamid=wamid, phone_number_id=phone_number_id, wa_id=wa_id, name=name
    )
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
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
    return payload


def new_wamid() -> str:
    """A fresh message id in Meta's shape: `wamid.` + base64 of random bytes."""
    return "wamid." + base64.b64encode(b"\x15\x02\x00\x11\x18\x12" + secrets.token_bytes(24)).decode("ascii")


def main(argv: list[str]) -> None:
    """Print one text-message delivery (the text is `argv` joined, default "hi") as compact JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    text = " ".join(argv) or "hi"
    our_number = settings.WHATSAPP_PHONE_NUMBER_ID
    payload = whatsapp_text_payload(text=text, wamid=new_wamid(), phone_number_id=our_number)
    sys.stdout.write(json.dumps(payload, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
