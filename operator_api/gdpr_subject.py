"""Who a GDPR export or erasure is about (`operator_api.gdpr`): the name an operator gives → the member key.

An operator names a member by their phone number, their member key (``u`` + 24 hex, `bot.identity`) or
their WhatsApp business-scoped user id (BSUID). Each resolves through `MemberIdentity` to the one key every
store uses for the member, and to what else identifies them there:

- a phone: the identity whose key is that number (the ledger's member: what an erasure by number always
  reached), else the identity WhatsApp delivers that number to, else the number itself (a member who wrote
  before identities existed, or nobody: an empty export);
- a member key or a BSUID: its identity, or `UnknownMember` (404) when we hold none;
- anything else: `UnknownMember` (400), before any lookup.

`Subject.numbers` are the member's key and their current number (matched in phone fields), `bsuids` their
BSUID (matched in BSUID fields, e.g. a status to a BSUID-only member), `words` their BSUID, parent BSUID,
username and key (removed wherever another row mentions them). A number is the member's only when no other
identity has it as its key: an identity refused because its number is another member's ledger key
(`bot.identity.NUMBER_IN_USE`) never reaches that member's rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.models import MemberIdentity
from security.validation import is_bsuid, is_wa_id

MEMBER_KEY_PATTERN = "u[0-9a-f]{24}"  # `bot.identity.new_unlinked_key`
_MEMBER_KEY = re.compile(MEMBER_KEY_PATTERN, re.ASCII)
MALFORMED = "not a WhatsApp number (6–15 digits), a BSUID (e.g. ZW.1502576394655843) or a member key (u…)"


class UnknownMember(Exception):  # noqa: N818 (a verdict, like Django's Http404)
    """The name is malformed (`status` 400) or names no member we hold (404); `reason` is safe to show."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


@dataclass(frozen=True)
class Subject:
    """The member an export or erasure is about (see the module docstring)."""

    key: str
    identity: int | None = None  # the MemberIdentity row's pk, when there is one
    numbers: tuple[str, ...] = ()
    bsuids: tuple[str, ...] = ()
    words: tuple[str, ...] = field(default=())


def is_member_key(value: object) -> bool:
    """True for an unlinked member's key (``u`` + 24 lower-case hex)."""
    return isinstance(value, str) and _MEMBER_KEY.fullmatch(value) is not None


def resolve(name: str) -> Subject:
    """The member `name` designates (module docstring); `UnknownMember` when there is none."""
    if is_wa_id(name):
        row = (
            MemberIdentity.objects.filter(key=name).first()
            or MemberIdentity.objects.filter(phone=name).first()
        )
        return _subject(row) if row is not None else Subject(key=name, numbers=(name,))
    if is_member_key(name):
        row, what = MemberIdentity.objects.filter(key=name).first(), "member key"
    elif is_bsuid(name):
        row, what = MemberIdentity.objects.filter(bsuid=name).first(), "BSUID"
    else:
        raise UnknownMember(MALFORMED, 400)
    if row is None:
        raise UnknownMember(f"no member with this {what}", 404)
    return _subject(row)


def _subject(row: MemberIdentity) -> Subject:
    numbers = [row.key]
    if row.phone and row.phone != row.key:
        someone_elses = MemberIdentity.objects.filter(key=row.phone).exclude(pk=row.pk).exists()
        numbers += [] if someone_elses else [row.phone]
    words = [word for word in (row.bsuid, row.parent_bsuid, row.username) if word]
    words += [] if is_wa_id(row.key) else [row.key]
    return Subject(
        key=row.key,
        identity=row.pk,
        numbers=tuple(numbers),
        bsuids=(row.bsuid,) if row.bsuid else (),
        words=tuple(words),
    )
