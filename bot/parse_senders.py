"""Who sent a webhook message, and the two message types that are about identity (`bot.parsing`). Pure.

WhatsApp usernames (2026) let a member hide their number: every messages webhook carries the sender's
business-scoped user id (BSUID) in `contacts[].user_id` and `messages[].from_user_id`, their username in
`contacts[].profile.username`, a parent BSUID in `parent_user_id` for linked portfolios, and the phone
(`contacts[].wa_id`, `messages[].from`) only while the number is shared (Meta, "Business-scoped user IDs",
developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids, and the
messages webhook reference). A message is kept when it names its sender by a phone, a BSUID or both, and
every sender field it has is well formed (a malformed `from` or `from_user_id` drops the message: a sender
we cannot trust must not be guessed from the other field); a contact entry is matched to its message by its
BSUID first, then its phone, never by position.

- `contacts` messages (`type=contacts`, Meta's "Contacts messages webhook reference"): `contacts[].origin` is
  "contact_request" when WhatsApp made the message as the user's answer to our `request_contact_info`
  (the only kind `bot.identity` trusts to link a number), anything else for a card the user forwarded;
- `system` messages (Meta's "System messages webhook reference", updated Aug 2026): `user_changed_number`
  (`system.wa_id` the new number, `system.user_id` the new BSUID) and `user_changed_user_id` (`system.user_id`
  the new BSUID); they carry no `contacts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.parse_fields import Malformed, clean_text
from security.validation import is_bsuid, is_wa_id

MAX_NAME_CHARS = 256
MAX_USERNAME_CHARS = 64  # WhatsApp usernames are far shorter; anything longer is dropped, not cut
MAX_CARDS = 20


@dataclass(frozen=True, slots=True)
class SenderInfo:
    """What `value.contacts[]` says about one sender."""

    name: str = ""
    username: str = ""
    user_id: str = ""
    parent_user_id: str = ""


class Senders:
    """The contacts of one change, found by phone or by BSUID."""

    def __init__(self) -> None:
        self.by_phone: dict[str, SenderInfo] = {}
        self.by_user_id: dict[str, SenderInfo] = {}

    def add(self, contact: dict) -> bool:
        """Record one contact entry; False when it names its user by neither a phone nor a BSUID."""
        phone, user_id = contact.get("wa_id"), contact.get("user_id")
        phone = phone if is_wa_id(phone) else None
        user_id = user_id if is_bsuid(user_id) else ""
        if phone is None and not user_id:
            return False
        profile = contact.get("profile")
        profile = profile if isinstance(profile, dict) else {}
        parent = contact.get("parent_user_id")
        info = SenderInfo(
            name=_text(profile.get("name"), MAX_NAME_CHARS, cut=True),
            username=_text(profile.get("username"), MAX_USERNAME_CHARS),
            user_id=user_id,
            parent_user_id=parent if is_bsuid(parent) else "",
        )
        if phone is not None:
            self.by_phone[phone] = info
        if user_id:
            self.by_user_id[user_id] = info
        return True

    def common_fields(self, item: dict) -> dict:
        """The sender fields of a message: `wa_id` (phone digits or ""), `user_id`, `parent_user_id`,
        `username`, `profile_name`. Malformed when the message names no usable sender."""
        phone, user_id = item.get("from"), item.get("from_user_id")
        if phone is not None and not is_wa_id(phone):
            raise Malformed("sender missing or not a WhatsApp id")
        if user_id is not None and not is_bsuid(user_id):
            raise Malformed("sender user id not a business-scoped user id")
        if phone is None and user_id is None:
            raise Malformed("sender missing or not a WhatsApp id")
        info = self.by_user_id.get(user_id or "") or self.by_phone.get(phone or "") or SenderInfo()
        return {
            "wa_id": phone or "",
            "user_id": user_id or info.user_id,
            "parent_user_id": _parent(item.get("from_parent_user_id")) or info.parent_user_id,
            "username": info.username,
            "profile_name": info.name,
        }


def contact_cards(item: dict) -> dict:
    """The fields of a `ContactMessage`: the origin of the first card and every card's WhatsApp ids (none
    when the cards are missing or carry no usable id: such a message links nothing)."""
    cards = item.get("contacts")
    cards = cards if isinstance(cards, list) else []
    phones: list[str] = []
    for card in cards[:MAX_CARDS]:
        entries = card.get("phones") if isinstance(card, dict) else None
        for entry in entries if isinstance(entries, list) else ():
            wa_id = entry.get("wa_id") if isinstance(entry, dict) else None
            if is_wa_id(wa_id) and wa_id not in phones:
                phones.append(wa_id)
    first = cards[0] if cards and isinstance(cards[0], dict) else {}
    origin = first.get("origin")
    return {
        "origin": origin if origin in ("contact_request", "other") else "",
        "phones": tuple(phones),
        "cards": len(cards),
    }


def identity_change(item: dict) -> dict:
    """The fields of an `IdentityChange` (a `system` message), or Malformed for another system type."""
    system = item.get("system")
    change = system.get("type") if isinstance(system, dict) else None
    if change not in ("user_changed_number", "user_changed_user_id"):
        raise Malformed("system message of an unknown type")
    new_phone, new_user_id = system.get("wa_id"), system.get("user_id")
    return {
        "change": change,
        "new_phone": new_phone if is_wa_id(new_phone) else "",
        "new_user_id": new_user_id if is_bsuid(new_user_id) else "",
    }


def _parent(value: object) -> str:
    return value if is_bsuid(value) else ""


def _text(value: object, max_chars: int, *, cut: bool = False) -> str:
    if not isinstance(value, str) or (len(value) > max_chars and not cut):
        return ""
    return clean_text(value[:max_chars])
