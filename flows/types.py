"""Channel-neutral types shared by the WhatsApp edge and the flow engine.

Inbound events are what a member did (typed text, tapped a button, picked a list row, sent something we do
not read). Replies are what the bot answers. Both are frozen dataclasses; `bot.parsing` builds events from
verified webhook JSON and `bot.rendering` turns replies into WhatsApp JSON, enforcing the platform limits.
Pure: no Django, Redis or HTTP imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# --- Inbound -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Inbound:
    """Fields of every inbound message: who, which message, when (Meta's clock).

    `wa_id` is the member's key. The parser fills it with the sender's phone digits ("" when WhatsApp
    withholds the number); the edge then replaces it with the member key (`bot.identity`): the phone digits
    the ledger knows the member by, or an opaque `u…` key for a member known only by their business-scoped
    user id (BSUID) — such a member has no ledger access until they share their number.
    `user_id` / `parent_user_id` are the BSUIDs Meta sends (`contacts[].user_id`, `messages[].from_user_id`),
    `username` the sender's WhatsApp username (`contacts[].profile.username`); "" when absent.
    """

    wa_id: str
    message_id: str
    timestamp: int  # unix seconds, from the message itself (not delivery time)
    profile_name: str = ""
    context_id: str | None = None  # the message a tap or quoted reply refers to
    user_id: str = ""
    parent_user_id: str = ""
    username: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TextMessage(Inbound):
    """The member typed text."""

    body: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceMessage(Inbound):
    """The member tapped a reply button, picked a list row, or tapped a template quick reply."""

    choice_id: str
    title: str = ""
    source: Literal["button", "list", "quick_reply"] = "button"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsupportedMessage(Inbound):
    """A message type we do not read (image, audio, sticker, location, contacts, reaction, ...)."""

    kind: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactMessage(UnsupportedMessage):
    """The member sent contact cards (`type=contacts`). `origin` is "contact_request" only when WhatsApp
    made this message as the member's answer to our request for their number; `phones` are the WhatsApp
    ids the cards carry. Flows treat it as unsupported; only `bot.identity` reads it, to link a number."""

    kind: str = "contacts"
    origin: str = ""
    phones: tuple[str, ...] = ()
    cards: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityChange(UnsupportedMessage):
    """Meta's system message: the member changed their number (`user_changed_number`, `new_phone` set) or
    their BSUID changed (`user_changed_user_id`). Applied by `bot.identity` at intake; never answered."""

    kind: str = "system"
    change: str = ""
    new_phone: str = ""
    new_user_id: str = ""


InboundMessage = TextMessage | ChoiceMessage | UnsupportedMessage

# --- Replies -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class TextReply:
    """A plain text message (≤ 4096 characters)."""

    body: str
    preview_url: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Button:
    """One reply button: id ≤ 256 characters, title ≤ 20."""

    id: str
    title: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonsReply:
    """An interactive message with 1–3 reply buttons (body ≤ 1024, header ≤ 60, footer ≤ 60)."""

    body: str
    buttons: tuple[Button, ...]
    header: str = ""
    footer: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ListRow:
    """One list row: id ≤ 200, title ≤ 24, description ≤ 72 characters."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ListSection:
    """A titled group of rows (title ≤ 24); at most 10 rows across all sections of a list."""

    title: str
    rows: tuple[ListRow, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ListReply:
    """An interactive list message: body ≤ 4096 (we keep ≤ 1024), button label ≤ 20, ≤ 10 rows in total."""

    body: str
    button: str
    sections: tuple[ListSection, ...]
    header: str = ""
    footer: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateReply:
    """An approved template (e.g. `incoming_notification`) with body parameters and quick-reply payloads."""

    name: str
    language: str = "en_US"
    body_params: tuple[str, ...] = field(default_factory=tuple)
    quick_reply_payloads: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactRequestReply:
    """WhatsApp's own "share your phone number" request (interactive `request_contact_info`): the member's
    answer is a `ContactMessage` with origin "contact_request", from the member themself."""

    body: str


Reply = TextReply | ButtonsReply | ListReply | TemplateReply | ContactRequestReply
