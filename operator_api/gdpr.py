"""GDPR export and erasure of one member, over the PII field registry (`security.pii`).

The member is named by their phone number, their member key or their BSUID (`operator_api.gdpr_subject`);
every store keys them on the member key, and their phone fields hold it (or their current number), their BSUID
fields their BSUID.

- `export_member(name)`: every registered field of every row found by the member's phone or BSUID fields
  (their identity row: key, number, BSUID, parent BSUID, username), plus what the member has in Redis
  (their conversation state, and whether a marker, a lock, confirmation nonces or a ledger token exist; a
  token's value is never exported).
- `erase_member(name)`: in one transaction, the member's identity row is deleted, their other rows get their
  phone fields pseudonymised (``erased-<keyed hash>`` of the key), their text, JSON, BSUID and profile fields
  wiped; other members' rows that mention the member's number, name, BSUID, username or key (an offer to them,
  say) get those mentions replaced. Then Redis (`operator_api.gdpr_redis`): the member's keys on both
  instances, every key that mentions them, and a rewrite of the state instance's append-only file so that no
  file of it still holds the number (what that cannot reach is listed there). Refused while one of the
  member's money instructions is in flight at the ledger (confirmed, sent or unknown): that would break its
  reconciliation. Redis is not transactional with the database: an erasure that fails there, or whose rewrite
  did not finish, can be re-run.

Ledger records at MyCredex are not ours to delete; the answers say so (`LEDGER_NOTE`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from credex_api import states
from credex_api.models import Instruction
from operator_api import gdpr_redis
from operator_api.gdpr_subject import Subject, resolve
from security import pii
from security.keyed_hash import keyed_hash

LEDGER_NOTE = (
    "Records held by the MyCredex ledger (accounts, credexes, ledger history) are not ours to delete: "
    "ask MyCredex to erase them."
)
ERASED_TEXT = "[erased]"
State = Instruction.State
IN_FLIGHT_STATES = ("confirmed", "sent", "unknown")
_PSEUDONYM_PURPOSE = "gdpr.pseudonym"
IDENTITY = "bot.MemberIdentity"
# Rows that name the member by BSUID inside their JSON: a message they sent, a message addressed to their
# BSUID. Rows stored under a `u…` key the member no longer has (`bot.identity.rekey` moves only waiting
# messages to the number) are theirs all the same.
BSUID_IN_JSON = {"bot.InboxMessage": "event__user_id", "bot.OutboxMessage": "payload__recipient"}


class ErasureRefused(Exception):  # noqa: N818 (a verdict, like Django's PermissionDenied)
    """The member cannot be erased now; `reason` is safe to show an operator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def pseudonym(wa_id: str) -> str:
    """The stand-in for an erased phone: stable per member, not reversible without the secret key."""
    return "erased-" + keyed_hash(wa_id, purpose=_PSEUDONYM_PURPOSE, digits=12)


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def _own_rows(label: str, kinds: dict[str, list[str]], subject: Subject) -> models.QuerySet:
    """The member's rows of `label`: their identity row itself, or rows whose phone or BSUID fields match."""
    if label == IDENTITY:  # by its pk: another identity may hold the number that is this member's key
        return _model(label).objects.filter(pk=subject.identity).order_by("pk")
    match = models.Q()
    for field in kinds.get(pii.PHONE, []):
        match |= models.Q(**{f"{field}__in": subject.numbers})
    lookups = kinds.get(pii.BSUID, []) + ([BSUID_IN_JSON[label]] if label in BSUID_IN_JSON else [])
    for lookup in lookups if subject.bsuids else ():
        match |= models.Q(**{f"{lookup}__in": subject.bsuids})
    return _model(label).objects.filter(match).order_by("pk")


def export_member(name: str) -> dict[str, Any]:
    """The member's personal data: every registered field of their rows, and their Redis data."""
    subject = resolve(name)
    records: dict[str, list[dict[str, Any]]] = {}
    for label, kinds in pii.registered_models().items():
        fields = [field for kind in pii.KINDS for field in kinds[kind]]
        rows = _own_rows(label, kinds, subject).values("pk", *fields)
        records[label] = [{**row, "pk": str(row["pk"])} for row in rows]
    return {
        "member": subject.key,
        "fields": sorted(pii.qualified_names()),
        "records": records,
        "redis": gdpr_redis.export(subject.key),
        "ledger": LEDGER_NOTE,
    }


def member_names(subject: Subject) -> set[str]:
    """The member's names we hold: WhatsApp profile names and the names given at onboarding."""
    names = set()
    inbox_rows = _own_rows("bot.InboxMessage", {pii.PHONE: ["wa_id"]}, subject)
    for event in inbox_rows.values_list("event", flat=True):
        if isinstance(event, dict) and isinstance(event.get("profile_name"), str):
            names.add(event["profile_name"].strip())
    instructions = _own_rows("credex_api.Instruction", {pii.PHONE: ["member"]}, subject)
    for params in instructions.values_list("params", flat=True):
        if isinstance(params, dict):
            full = f"{params.get('first_name') or ''} {params.get('last_name') or ''}".strip()
            names.add(full)
    return {name for name in names if len(name) >= 3}


def erase_member(name: str) -> dict[str, Any]:
    """Erase the member (see the module docstring); returns what was done, for the operator."""
    subject = resolve(name)
    words = member_names(subject) | set(subject.words)
    replacer = _Replacer(subject.numbers, words, pseudonym(subject.key))
    with transaction.atomic():
        _refuse_in_flight(subject)
        database = {}
        for label, kinds in pii.registered_models().items():
            own = _erase_own_rows(label, kinds, subject, replacer.pseudonym)
            mentions = _scrub_mentions(label, kinds, replacer)
            database[label] = {"pseudonymised": own, "mentions_removed": mentions}
    redis_done = gdpr_redis.erase(subject.key, replacer.needles)
    return {
        "member": replacer.pseudonym,
        "database": database,
        "redis": redis_done,
        "ledger": LEDGER_NOTE,
    }


def _refuse_in_flight(subject: Subject) -> None:
    instructions = _own_rows("credex_api.Instruction", {pii.PHONE: ["member"]}, subject)
    in_flight = instructions.filter(state__in=IN_FLIGHT_STATES)
    if in_flight.select_for_update().exists():
        raise ErasureRefused("a money instruction of this member is still in flight; retry once it settles")


def _erase_own_rows(label: str, kinds: dict[str, list[str]], subject: Subject, stand_in: str) -> int:
    rows = _own_rows(label, kinds, subject)
    if label == IDENTITY:  # who the member is on WhatsApp: nothing of it is kept
        return rows.delete()[0]
    if label == "bot.InboxMessage":  # an erased message must never be processed
        rows.filter(status__in=["pending", "processing"]).update(status="failed", error_ref="erased")
    elif label == "credex_api.Instruction":  # a pending instruction can no longer be confirmed
        for key in rows.filter(state=State.PENDING).values_list("key", flat=True):
            states.move(key, State.PENDING, State.FAILED, error_code="erased")
    changes: dict[str, Any] = {field: stand_in for field in kinds[pii.PHONE]}
    changes |= {field: {} for field in kinds[pii.JSON]}
    changes |= {field: "" for kind in (pii.TEXT, pii.BSUID, pii.PROFILE) for field in kinds[kind]}
    return rows.update(**changes)


def _scrub_mentions(label: str, kinds: dict[str, list[str]], replacer: _Replacer) -> int:
    """Other rows whose text or JSON fields mention the member: replace the mentions, keep the rest."""
    fields = kinds[pii.JSON] + kinds[pii.TEXT]
    model = _model(label)
    match = models.Q()
    for field in fields:
        for needle in replacer.search_forms():
            match |= models.Q(**{f"pii_text_{field}__icontains": needle})
    annotations = {f"pii_text_{field}": Cast(field, models.TextField()) for field in fields}
    changed = 0
    for row in model.objects.annotate(**annotations).filter(match).values("pk", *fields):
        update = {field: replacer.scrub(row[field]) for field in fields}
        update = {field: value for field, value in update.items() if value != row[field]}
        if update:
            changed += model.objects.filter(pk=row["pk"]).update(**update)
    return changed


class _Replacer:
    """Finds and replaces the member's numbers and key (not inside a longer number) and their names, BSUID
    and username, in any JSON value."""

    def __init__(self, numbers: tuple[str, ...], names: set[str], stand_in: str) -> None:
        self.pseudonym = stand_in
        names = {name for name in names if name not in numbers}
        self.needles = [*numbers, *sorted(names)]
        found = "|".join(re.escape(number) for number in sorted(numbers, key=len, reverse=True))
        self._phone = re.compile(rf"(?<![0-9])(?:{found})(?![0-9])")
        alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
        self._names = re.compile(alternatives, re.IGNORECASE) if names else None

    def search_forms(self) -> list[str]:
        """Each needle as stored: raw, and JSON-escaped (SQLite keeps JSON with non-ASCII as \\uXXXX)."""
        forms = {needle for needle in self.needles}
        forms |= {json.dumps(needle)[1:-1] for needle in self.needles}
        return sorted(forms)

    def scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            value = self._phone.sub(self.pseudonym, value)
            return self._names.sub(ERASED_TEXT, value) if self._names else value
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        if isinstance(value, dict):
            return {self.scrub(key): self.scrub(item) for key, item in value.items()}
        return value
