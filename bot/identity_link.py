"""The turn of a member we know only by their business-scoped user id, and linking their number.

Run by `bot.processing` (under the member lock) instead of the flow engine for a `u…` key (`bot.identity`).
Only one message links a number to such a member: WhatsApp's answer to our own contact request — a
`contacts` message whose card has origin "contact_request" (Meta, "Business-scoped user IDs": the
`REQUEST_CONTACT_INFO` button / `request_contact_info` interactive), sent by that same user (its BSUID is
theirs), after we asked, carrying exactly one number. A forwarded card, a vCard, a typed number or a card
of someone else links nothing: linking a number gives access to the money the ledger holds for it.

A linked number becomes the member's key; their conversation then starts from the greeting, through the
flow engine, in the same turn. A number that is already another member's (another WhatsApp account in our
records) is refused and reported to ops, never merged.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bot import identity
from bot.models import MemberIdentity
from flows import texts, unlinked
from flows.services import run_turn
from flows.types import ContactMessage, InboundMessage, Reply, TextMessage, TextReply
from security.alerts import raise_alert

logger = logging.getLogger(__name__)

ASK_AGAIN_AFTER = timedelta(hours=24)


def unlinked_turn(key: str, event: InboundMessage, *, now: int) -> tuple[str, list[Reply]]:
    """The member key to answer under (a linked number changes it) and the replies."""
    row = MemberIdentity.objects.filter(key=key).first()
    if row is None:  # re-keyed meanwhile by a webhook that paired this BSUID with a number
        logger.warning("turn for an identity that no longer has this key; nothing to answer")
        return key, []
    if row.refused:
        return key, [TextReply(body=texts.NUMBER_IN_USE)]
    if isinstance(event, ContactMessage) and _is_own_answer(row, event):
        linked = link_number(row, event.phones[0])
        if linked is None:
            return key, [TextReply(body=texts.NUMBER_IN_USE)]
        return linked, [TextReply(body=texts.NUMBER_LINKED), *run_turn(_greeting(linked, event), now=now)]
    outgoing = unlinked.replies(event, may_ask=_may_ask(row))
    if unlinked.asks(outgoing):
        MemberIdentity.objects.filter(pk=row.pk).update(contact_requested_at=timezone.now())
    return key, outgoing


def _greeting(key: str, event: InboundMessage) -> TextMessage:
    """The member's first turn as a linked member: what "hi" shows (home, or the offer to open an account)."""
    return TextMessage(wa_id=key, message_id=event.message_id, timestamp=event.timestamp, body="hi")


def _may_ask(row: MemberIdentity) -> bool:
    asked = row.contact_requested_at
    return asked is None or timezone.now() - asked >= ASK_AGAIN_AFTER


def _is_own_answer(row: MemberIdentity, event: ContactMessage) -> bool:
    """WhatsApp's answer to our request, from this very user, with exactly one number."""
    return (
        event.origin == "contact_request"
        and row.contact_requested_at is not None
        and bool(row.bsuid)
        and event.user_id == row.bsuid
        and event.cards == 1
        and len(event.phones) == 1
    )


def link_number(row: MemberIdentity, phone: str) -> str | None:
    """Link `phone` to the BSUID-only identity `row`; the member's new key, or None when it is refused."""
    with transaction.atomic():
        row = MemberIdentity.objects.select_for_update().get(pk=row.pk)
        if identity.is_linked(row.key):
            return row.key
        holders = MemberIdentity.objects.select_for_update().filter(Q(phone=phone) | Q(key=phone))
        others = list(holders.exclude(pk=row.pk))
        if not others:
            identity.rekey(row, phone)
            return phone
        if len(others) == 1 and others[0].key == others[0].phone == phone and not others[0].bsuid:
            return identity.fold_into(row, others[0])  # their number, seen before without a BSUID
        row.refused = identity.NUMBER_IN_USE
        row.save(update_fields=["refused", "updated_at"])
    logger.warning("contact request refused: the shared number belongs to another identity")
    raise_alert("number_in_use", "a member shared a number that another identity holds")
    return None
