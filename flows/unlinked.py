"""What a member we know only by their business-scoped user id (no number) can do: read help, and share
their number through WhatsApp's own contact request (pure: no I/O).

The ledger logs members in by phone, so nothing that touches it runs until `bot.identity_link` links a
number from a contact-request answer. The request is sent once (`may_ask`, the edge's rule: again after a
day); a member who writes meanwhile is reminded in one line, and "link" sends the button again at once.
"""

from __future__ import annotations

from flows import texts
from flows.types import ContactMessage, ContactRequestReply, InboundMessage, Reply, TextMessage, TextReply
from flows.words import normalize

HELP_WORDS = frozenset({"help", "info"})
ABOUT_WORDS = frozenset({"about"})
LINK_WORDS = frozenset({"link", "share", "number", "phone"})


def replies(event: InboundMessage, *, may_ask: bool) -> list[Reply]:
    """The answer to `event` from a member without a linked number."""
    ask = ContactRequestReply(body=texts.SHARE_NUMBER_ASK)
    maybe_ask: list[Reply] = [ask] if may_ask else []
    if isinstance(event, ContactMessage):
        return [TextReply(body=texts.CARD_REFUSED), *maybe_ask]
    word = normalize(event.body) if isinstance(event, TextMessage) else ""
    if word in LINK_WORDS:
        return [ask]
    if word in HELP_WORDS:
        return [TextReply(body=texts.UNLINKED_HELP), *maybe_ask]
    if word in ABOUT_WORDS:
        return [TextReply(body=texts.ABOUT), *maybe_ask]
    return maybe_ask or [TextReply(body=texts.SHARE_NUMBER_REMINDER)]


def asks(outgoing: list[Reply]) -> bool:
    """True when `outgoing` carries the contact request (the edge then notes when it asked)."""
    return any(isinstance(reply, ContactRequestReply) for reply in outgoing)
