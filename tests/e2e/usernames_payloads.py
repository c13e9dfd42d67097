"""Webhook shapes of WhatsApp usernames (issue 22) for the end-to-end tests; the lead folds them into
`tests/support/payloads.py` later.

Per Meta's "Business-scoped user IDs" page and the messages / contacts / system webhook references: the
sender's BSUID is `contacts[].user_id` and `messages[].from_user_id`, the username
`contacts[].profile.username`, a linked portfolio's parent `parent_user_id` / `from_parent_user_id`; the
phone (`contacts[].wa_id`, `messages[].from`) is present only while the number is shared. A `contacts`
message's card has `origin` "contact_request" when WhatsApp made it as the answer to our
`request_contact_info`; `system` messages report `user_changed_number` / `user_changed_user_id`.
"""

from __future__ import annotations

from tests.support import payloads as p


def sender(*, phone: str | None = None, bsuid: str | None = None, username: str = "", parent: str = "",
           name: str = p.SENDER_NAME) -> dict:  # fmt: skip
    """A `contacts[]` entry naming the sender by phone, BSUID or both."""
    profile = {"name": name, **({"username": username} if username else {})}
    item: dict = {"profile": profile}
    if phone:
        item["wa_id"] = phone
    if bsuid:
        item["user_id"] = bsuid
    if parent:
        item["parent_user_id"] = parent
    return item


def _from(message: dict, phone: str | None, bsuid: str | None, parent: str = "") -> dict:
    """`message` re-addressed: `from` only with a phone, `from_user_id` with a BSUID."""
    message.pop("from", None)
    if phone:
        message["from"] = phone
    if bsuid:
        message["from_user_id"] = bsuid
    if parent:
        message["from_parent_user_id"] = parent
    return message


def text(body: str, *, phone: str | None = None, bsuid: str | None = None, wamid: str | None = None,
         parent: str = "", timestamp: str | None = None) -> dict:  # fmt: skip
    return _from(p.text_message(body, wamid=wamid, timestamp=timestamp), phone, bsuid, parent)


def tap(choice_id: str, title: str = "", *, kind: str = "button", phone: str | None = None,
        bsuid: str | None = None) -> dict:  # fmt: skip
    build = p.button_reply if kind == "button" else p.list_reply
    return _from(build(choice_id, title), phone, bsuid)


def card(number: str, *, origin: str | None) -> dict:
    """One contact card carrying `number`; `origin` "contact_request", "other" or None (absent)."""
    item: dict = {
        "name": {"formatted_name": "Card", "first_name": "Card"},
        "phones": [{"phone": "+" + number, "wa_id": number, "type": "CELL"}],
    }
    if origin is not None:
        item["origin"] = origin
    return item


def contacts_message(*cards: dict, phone: str | None = None, bsuid: str | None = None,
                     wamid: str | None = None) -> dict:  # fmt: skip
    """A `type=contacts` message carrying `cards`."""
    message = p._message("contacts", wamid=wamid, sender="0", timestamp=None, context_id=None)
    message["contacts"] = list(cards)
    return _from(message, phone, bsuid)


def changed_number(*, old_phone: str, old_bsuid: str, new_phone: str, new_bsuid: str,
                   wamid: str | None = None) -> dict:  # fmt: skip
    """Meta's `user_changed_number` system message, from the old number and BSUID."""
    message = p._message("system", wamid=wamid, sender="0", timestamp=None, context_id=None)
    message["system"] = {
        "body": "User changed their number",
        "type": "user_changed_number",
        "wa_id": new_phone,
        "user_id": new_bsuid,
    }
    return _from(message, old_phone, old_bsuid)


def status(wamid: str, value: str, *, phone: str | None = None, bsuid: str | None = None) -> dict:
    """A `statuses[]` item addressed by phone (`recipient_id`) and/or BSUID (`recipient_user_id`)."""
    item = p.status(wamid, value, recipient=phone or "")
    if not phone:
        item.pop("recipient_id")
    if bsuid:
        item["recipient_user_id"] = bsuid
    return item


def delivery(*messages: dict, contacts: list[dict] | None = None, statuses: list[dict] | None = None) -> dict:
    """One signed-webhook body; the contacts default to one entry per distinct sender of `messages`."""
    if contacts is None:
        seen: dict[tuple, dict] = {}
        for message in messages:
            ids = (message.get("from"), message.get("from_user_id"))
            seen.setdefault(ids, sender(phone=ids[0], bsuid=ids[1]))
        contacts = list(seen.values())
    return p.envelope(p.entry(p.change(messages=messages, contacts=contacts, statuses=statuses or ())))
