"""Webhook payloads of WhatsApp usernames: every sender shape Meta sends once numbers can hide.

Shapes per Meta's "Business-scoped user IDs" page (developers.facebook.com/documentation/business-messaging/
whatsapp/business-scoped-user-ids) and the messages webhook references ("Contacts messages", "System
messages"):

- `contacts[]`: `{"profile": {"name", "username"?}, "wa_id"?, "user_id": BSUID, "parent_user_id"?}`;
- `messages[]`: `{"from"?: phone, "from_user_id": BSUID, "from_parent_user_id"?, ...}`: `from` only while
  the user shares their number;
- `statuses[]`: `{"recipient_id"?: phone, "recipient_user_id": BSUID, ...}`;
- a `contacts` message: WhatsApp's answer to our `request_contact_info` has `origin: "contact_request"`;
  a card the user forwarded has origin "other" (or none);
- `system` messages carry no `contacts[]`: `user_changed_number` (`system.wa_id`, `system.user_id` the new
  ones) and `user_changed_user_id` (`system.user_id` the new BSUID).

Every message builder takes the sender as keywords `phone=` (default none: the number is withheld),
`bsuid=` (default `SENDER_BSUID`; None names no BSUID) and `parent=`; a field left None is left out.

    payload = delivery(text("hi"))                                  # BSUID only
    payload = delivery(text("hi", phone=SENDER), username="tendai.moyo")   # phone + BSUID, a username
"""

from __future__ import annotations

import itertools

from devtools import payloads as p
from devtools.payloads import SENDER, SENDER_NAME

SENDER_BSUID = "ZW.1502576394655843"
OTHER_BSUID = "ZW.2604119883107731"
PARENT_BSUID = "ZW.ENT.8841203376551290"
SENDER_USERNAME = "tendai.moyo"
OTHER_NAME = "Rudo Chikwanha"
OTHER_USERNAME = "rudo_c"

_bsuids = itertools.count(1)


def new_bsuid() -> str:
    """A BSUID no other test of this run uses."""
    return f"ZW.{1502576394650000 + next(_bsuids)}"


def sender(
    *, phone: str | None = None, bsuid: str | None = SENDER_BSUID, username: str | None = SENDER_USERNAME,
    parent: str | None = None, name: str = SENDER_NAME,
) -> dict:  # fmt: skip
    """A `contacts[]` entry naming the sender by BSUID, phone or both (`wa_id` only with a phone)."""
    return p.contact(phone, name, user_id=bsuid, username=username, parent_user_id=parent)


def _from(message: dict, *, phone: str | None = None, bsuid: str | None = SENDER_BSUID,
          parent: str | None = None) -> dict:  # fmt: skip
    """`message` re-addressed: `from` only with a phone, `from_user_id` with a BSUID."""
    message.pop("from", None)
    return message | p.present(**{"from": phone, "from_user_id": bsuid, "from_parent_user_id": parent})


def text(body: str, *, wamid: str | None = None, timestamp: str | None = None, **ids: str | None) -> dict:
    """A text message (a typed phone number is one too: it links nothing)."""
    return _from(p.text_message(body, wamid=wamid, timestamp=timestamp), **ids)


def tap(choice_id: str, title: str = "", *, kind: str = "button", **ids: str | None) -> dict:
    """A tap on a reply button (`kind="button"`) or a list row of a message we sent."""
    build = p.button_reply if kind == "button" else p.list_reply
    return _from(build(choice_id, title), **ids)


def card(phone: str, *, name: str = SENDER_NAME, origin: str | None = None) -> dict:
    """One contact card of a `contacts` message (Meta's "Contacts messages webhook reference")."""
    first, _, last = name.partition(" ")
    item: dict = {
        "name": {"formatted_name": name, "first_name": first, "last_name": last},
        "phones": [{"phone": f"+{phone}", "wa_id": phone, "type": "CELL"}],
    }
    return item | p.present(origin=origin)


def contacts_message(*cards: dict, wamid: str | None = None, **ids: str | None) -> dict:
    """A `type=contacts` message carrying `cards`."""
    message = p._message("contacts", wamid=wamid, sender="0", timestamp=None, context_id=None)
    return _from(message | {"contacts": list(cards)}, **ids)


def contact_request_answer(number: str = SENDER, /, *, wamid: str | None = None, **ids: str | None) -> dict:
    """WhatsApp's answer to our `request_contact_info`: the member's own card of `number`, origin
    "contact_request" (the sender's own `phone=` is shown only while they share it)."""
    return contacts_message(card(number, origin="contact_request"), wamid=wamid, **ids)


def forwarded_vcard(*phones: str, origin: str | None = "other", wamid: str | None = None,
                    **ids: str | None) -> dict:  # fmt: skip
    """Cards the member forwarded (of `phones`, one card each): origin "other", or none when None."""
    cards = [card(phone, name=OTHER_NAME, origin=origin) for phone in phones or (SENDER,)]
    return contacts_message(*cards, wamid=wamid, **ids)


def _system(system: dict, *, wamid: str | None, ids: dict) -> dict:
    message = p._message("system", wamid=wamid, sender="0", timestamp=None, context_id=None)
    return _from(message | {"system": system}, **ids)


def number_changed(new_phone: str, new_bsuid: str = OTHER_BSUID, *, phone: str | None = SENDER,
                   wamid: str | None = None, **ids: str | None) -> dict:  # fmt: skip
    """Meta's `user_changed_number` system message, sent from the old identity (`phone`, `bsuid`)."""
    body = f"User {SENDER_NAME} changed from {phone or 'a hidden number'} to {new_phone}"
    system = {"body": body, "wa_id": new_phone, "user_id": new_bsuid, "type": "user_changed_number"}
    return _system(system, wamid=wamid, ids={"phone": phone, **ids})


def user_id_changed(new_bsuid: str = OTHER_BSUID, *, wamid: str | None = None, **ids: str | None) -> dict:
    """Meta's `user_changed_user_id` system message (the BSUID changed; no `system.wa_id`)."""
    system = {"body": f"User {SENDER_NAME} changed their user ID", "user_id": new_bsuid,
              "type": "user_changed_user_id"}  # fmt: skip
    return _system(system, wamid=wamid, ids=ids)


def status(wamid: str, value: str, *, phone: str | None = None, bsuid: str | None = SENDER_BSUID) -> dict:
    """A `statuses[]` item addressed by phone (`recipient_id`) and/or BSUID (`recipient_user_id`)."""
    return p.status(wamid, value, recipient=phone, recipient_user_id=bsuid)


def delivery(
    *messages: dict, contacts: list[dict] | None = None, statuses: list[dict] = (),
    username: str | None = None, parent: str | None = None, phone_number_id: str | None = None,
) -> dict:  # fmt: skip
    """One webhook body. `contacts` default to one entry per distinct sender of `messages` (with
    `username` and `parent`); `contacts=[]` sends none, as Meta does with system messages."""
    if contacts is None:
        seen: dict[tuple, dict] = {}
        for message in messages:
            ids = (message.get("from"), message.get("from_user_id"))
            if ids != (None, None):
                seen.setdefault(ids, sender(phone=ids[0], bsuid=ids[1], username=username, parent=parent))
        contacts = list(seen.values())
    value = p.change(messages=messages, contacts=contacts, statuses=statuses, phone_number_id=phone_number_id)
    return p.envelope(p.entry(value))
