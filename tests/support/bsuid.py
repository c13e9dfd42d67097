"""Webhook payloads from members known by their business-scoped user id (BSUID), and a chat with one.

Shapes per Meta's "Business-scoped user IDs" page: the contact carries `user_id` (and `parent_user_id`),
the username in `profile.username`, the message `from_user_id`; `wa_id` / `from` only while the number is
shared. `BsuidMember` talks through the real signed webhook in mock mode, like `tests.e2e.chat.Member`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.test import Client

from tests.support import payloads as p
from tests.support.signing import post_signed

MOCK = {"X-Mock-Testing": "true"}
BSUID = "ZW.1502576394655843"
PARENT_BSUID = "US.ENT.11815799212886844"
USERNAME = "rudo.moyo"


def bsuid_contact(
    user_id: str, *, username: str = "", phone: str = "", parent: str = "", name: str = ""
) -> dict:
    """A `contacts[]` entry naming the user by BSUID (and by number only when `phone` is given)."""
    profile = {"name": name or p.SENDER_NAME} | ({"username": username} if username else {})
    contact: dict = {"profile": profile, "user_id": user_id}
    if phone:
        contact["wa_id"] = phone
    if parent:
        contact["parent_user_id"] = parent
    return contact


def bsuid_text(body: str, user_id: str, *, phone: str = "") -> dict:
    """A text message from `user_id` (`from` only when `phone` is given)."""
    message = p.text_message(body, sender=phone or p.SENDER)
    if not phone:
        del message["from"]
    message["from_user_id"] = user_id
    return message


def contact_request_answer(user_id: str, phone: str, *, name: str = p.SENDER_NAME) -> dict:
    """WhatsApp's answer to our request for the number: a `contacts` message with origin "contact_request"."""
    message = p.text_message("", sender=p.SENDER)
    del message["from"], message["text"]
    number = {"phone": f"+{phone}", "wa_id": phone, "type": "CELL"}
    card = {"name": {"formatted_name": name}, "phones": [number], "origin": "contact_request"}
    return message | {"type": "contacts", "from_user_id": user_id, "contacts": [card]}


def delivery(message: dict, contact: dict) -> dict:
    """A whole delivery holding one message and its sender's contact."""
    return p.envelope(p.entry(p.change(messages=[message], contacts=[contact])))


@dataclass
class BsuidMember:
    """A WhatsApp user writing by BSUID (with a username and parent BSUID; a number only if `phone`)."""

    user_id: str = BSUID
    username: str = USERNAME
    parent: str = PARENT_BSUID
    phone: str = ""
    client: Client = field(default_factory=Client)

    def say(self, text: str) -> list[dict]:
        return self.deliver(bsuid_text(text, self.user_id, phone=self.phone))

    def share_number(self, phone: str) -> list[dict]:
        """Answer the contact request with `phone` (WhatsApp's own answer, from this very user)."""
        return self.deliver(contact_request_answer(self.user_id, phone))

    def deliver(self, message: dict) -> list[dict]:
        contact = bsuid_contact(self.user_id, username=self.username, phone=self.phone, parent=self.parent)
        response = post_signed(self.client, delivery(message, contact), headers=MOCK)
        assert response.status_code == 200, response.status_code
        return response.json()["replies"]
