"""One key per member, whether WhatsApp shows us their number, their business-scoped user id, or both.

WhatsApp usernames (2026) let a member withhold their number: webhooks then carry only their BSUID (Meta,
"Business-scoped user IDs"). Every store keys a member on `MemberIdentity.key` (`bot.models`): the phone
digits the ledger knows them by, or an opaque `u…` key while we know only their BSUID. The rules:

- `resolve_sender` (intake, inside the delivery's transaction): a message's phone and BSUID → the key. A
  phone and a BSUID that arrive together in a signed webhook are the same person (Meta pairs them), so they
  are linked; a BSUID-only identity that Meta later pairs with a number is re-keyed to that number.
- A number whose ledger key belongs to another identity (a number recycled to someone else, or held by
  another WhatsApp account) never links: the newcomer gets a `u…` key marked `refused` and ops an alert.
  Two people are never merged.
- `apply_change` (intake): Meta's system message moves the member's WhatsApp number or BSUID; the key — the
  number the ledger knows — stays, so the member keeps their account and the old number stays theirs.
- `address_of(key)`: replies go to the member's phone when we know it, else to their BSUID.
- Linking a number by WhatsApp's contact request is `bot.identity_link`.
"""

from __future__ import annotations

import logging
import secrets

from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from bot.models import InboxMessage, MemberIdentity, OutboxMessage
from flows.types import IdentityChange, InboundMessage
from security.alerts import raise_alert
from security.validation import is_wa_id

logger = logging.getLogger(__name__)

UNLINKED_PREFIX = "u"
NUMBER_IN_USE = "number_in_use"


def new_unlinked_key() -> str:
    """A fresh opaque key for a member known only by BSUID: never digits, so never a ledger phone."""
    return UNLINKED_PREFIX + secrets.token_hex(12)


def is_linked(key: str) -> bool:
    """True when `key` is a ledger phone (the member may use the ledger); False for a `u…` key."""
    return is_wa_id(key)


def resolve_sender(message: InboundMessage) -> str:
    """The member key of `message`'s sender, linking what the signed webhook pairs (module docstring).

    A sender we already know as they are (the usual message) costs one read and no transaction (on SQLite a
    transaction takes the write lock, which every other acknowledgement then waits for);
    anything to create, link or refresh runs in a savepoint, re-reading under row locks."""
    known = _known_as_is(message)
    if known is not None:
        return known
    for attempt in range(2):
        try:
            with transaction.atomic():  # a savepoint inside the delivery's transaction
                return _resolve(message) if message.user_id else _resolve_phone_only(message.wa_id)
        except IntegrityError:  # a concurrent delivery created or linked the same person first: read again
            if attempt:
                raise
    raise AssertionError("unreachable")


def _known_as_is(message: InboundMessage) -> str | None:
    """The key when the stored identity already says all this message says; None when something is new.
    Plain SQL on Django's connection: this runs for every message on the webhook's hot path, where the ORM's
    query costs ten times as much."""
    phone, bsuid = message.wa_id, message.user_id
    with connection.cursor() as cursor:
        if not bsuid:
            cursor.execute(_BY_PHONE, [phone, phone])
            rows = cursor.fetchall()
            return next((key for key, held in rows if held == phone), None if rows else phone)
        cursor.execute(_BY_BSUID, [bsuid])
        found = cursor.fetchone()
    if found is None or (phone and found[1] != phone):
        return None
    if (message.username or found[2]) != found[2] or (message.parent_user_id or found[3]) != found[3]:
        return None
    return found[0]


# MemberIdentity's table (bot_memberidentity); identifiers quoted as both SQLite and PostgreSQL read them.
_BY_BSUID = 'SELECT "key", "phone", "username", "parent_bsuid" FROM "bot_memberidentity" WHERE "bsuid" = %s'
_BY_PHONE = 'SELECT "key", "phone" FROM "bot_memberidentity" WHERE "phone" = %s OR "key" = %s'


def _resolve_phone_only(phone: str) -> str:
    """A payload without a BSUID (before Meta's rollout, and the mock header): the phone's key."""
    rows = list(MemberIdentity.objects.filter(Q(phone=phone) | Q(key=phone)))
    for row in rows:
        if row.phone == phone:
            return row.key
    if rows:  # the number moved away from the member whose ledger key it is: someone else has it now
        return _refuse_recycled(phone=phone, bsuid=None)
    return phone


def _resolve(message: InboundMessage) -> str:
    phone, bsuid = message.wa_id or None, message.user_id
    rows = list(MemberIdentity.objects.select_for_update().filter(_matching(phone, bsuid)))
    by_bsuid = next((row for row in rows if row.bsuid == bsuid), None)
    by_phone = next((row for row in rows if phone and row.phone == phone), None)
    key_holder = next((row for row in rows if phone and row.key == phone), None)
    if by_bsuid is not None:
        key = _known_bsuid(by_bsuid, by_phone, key_holder, phone)
    elif by_phone is not None:
        key = _known_phone(by_phone, bsuid)
    elif phone and key_holder is None:
        key = _create(key=phone, phone=phone, bsuid=bsuid).key
    else:
        key = _create(key=new_unlinked_key(), phone=phone, bsuid=bsuid, refused=phone and NUMBER_IN_USE).key
        if phone:
            _alert_in_use()
    _refresh_profile(key, message)
    return key


def _matching(phone: str | None, bsuid: str) -> Q:
    query = Q(bsuid=bsuid)
    return query | Q(phone=phone) | Q(key=phone) if phone else query


def _known_bsuid(row: MemberIdentity, by_phone, key_holder, phone: str | None) -> str:
    if not phone or row.phone == phone or row.refused:
        return row.key
    if not row.phone and not is_linked(row.key) and not row.refused:
        if by_phone is None and key_holder is None:
            rekey(row, phone)  # Meta paired this BSUID-only member with their number
            return phone
        if by_phone is not None and not by_phone.bsuid and by_phone is key_holder:
            return fold_into(row, by_phone)  # the number's member, seen by BSUID alone before
    logger.warning("identity conflict: a BSUID arrived with another number; kept the BSUID's member")
    return row.key


def _known_phone(row: MemberIdentity, bsuid: str) -> str:
    if not row.bsuid:
        row.bsuid = bsuid
        row.save(update_fields=["bsuid", "updated_at"])
        return row.key
    # The number is held by another WhatsApp account in our records: a recycled number, not this person.
    _alert_in_use()
    return _create(key=new_unlinked_key(), phone=None, bsuid=bsuid, refused=NUMBER_IN_USE).key


def _create(*, key: str, phone: str | None, bsuid: str | None, refused: str | None = "") -> MemberIdentity:
    return MemberIdentity.objects.create(key=key, phone=phone or "", bsuid=bsuid or "", refused=refused or "")


def _refuse_recycled(*, phone: str | None, bsuid: str | None) -> str:
    _alert_in_use()
    return _create(key=new_unlinked_key(), phone=phone, bsuid=bsuid, refused=NUMBER_IN_USE).key


def rekey(row: MemberIdentity, phone: str) -> None:
    """Give a BSUID-only member their number as key; their messages, waiting or answered, follow them."""
    old = row.key
    row.key, row.phone = phone, phone
    row.save(update_fields=["key", "phone", "updated_at"])
    _move_history(old, phone)


def fold_into(unlinked: MemberIdentity, member: MemberIdentity) -> str:
    """One person seen twice (BSUID alone, then their number): keep the number's identity, add the BSUID."""
    old, bsuid = unlinked.key, unlinked.bsuid
    unlinked.delete()
    member.bsuid = bsuid
    member.save(update_fields=["bsuid", "updated_at"])
    _move_history(old, member.key)
    return member.key


def _move_history(old: str, new: str) -> None:
    """Every inbox and outbox row of `old` becomes `new`'s: one member, one history (admin, export)."""
    InboxMessage.objects.filter(wa_id=old).update(wa_id=new)
    OutboxMessage.objects.filter(wa_id=old).update(wa_id=new)


def _refresh_profile(key: str, message: InboundMessage) -> None:
    """Keep the username and parent BSUID current (a username change keeps the BSUID)."""
    changes = {"username": message.username, "parent_bsuid": message.parent_user_id}
    changes = {name: value for name, value in changes.items() if value}
    if changes:
        MemberIdentity.objects.filter(key=key).exclude(**changes).update(**changes)


def apply_change(key: str, change: IdentityChange) -> None:
    """Meta's `user_changed_number` / `user_changed_user_id`: move the number or BSUID, keep the key."""
    updates = {}
    if change.new_phone:
        updates["phone"] = change.new_phone
    if change.new_user_id:
        updates["bsuid"] = change.new_user_id
    if not updates:
        return
    clash = Q(phone=updates.get("phone", "-")) | Q(bsuid=updates.get("bsuid", "-"))
    if MemberIdentity.objects.filter(clash).exclude(key=key).exists():
        logger.warning("identity change refused: the new number or BSUID belongs to another identity")
        raise_alert("identity_change_conflict", "a member's new number or BSUID is held by another identity")
        return
    MemberIdentity.objects.filter(key=key).update(**updates)


def address_of(key: str) -> str | None:
    """Where replies to `key` go: their phone when known, else their BSUID; None when neither is known."""
    row = MemberIdentity.objects.filter(key=key).values_list("phone", "bsuid").first()
    if row is not None and (row[0] or row[1]):
        return row[0] or row[1]
    return key if is_wa_id(key) else None


def _alert_in_use() -> None:
    logger.warning("a number that is another member's ledger key arrived from a new WhatsApp account")
    raise_alert("number_in_use", "a number held by one member arrived from another WhatsApp account")
