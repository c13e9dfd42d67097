"""GDPR export and erasure of one member, over the PII field registry (`security.pii`).

- `export_member(wa_id)`: every registered field of every row found by the member's phone fields, plus what
  the member has in Redis (their conversation state, and whether a marker, a lock, confirmation nonces or a
  ledger token exist; a token's value is never exported).
- `erase_member(wa_id)`: in one transaction, the member's rows get their phone fields pseudonymised
  (``erased-<keyed hash>``) and their text and JSON fields wiped; other members' rows that mention the
  member's number or name (an offer to them, say) get those mentions replaced. Then Redis: the member's
  conversation state, marker and lock, their confirmation nonces and inbox-stream entries (state Redis),
  their ledger token and its login lock (cache Redis), and on both instances every key under our prefix
  whose name holds the number or whose string value holds the number or a name (another member's
  conversation or confirmation about them: reset, as after a timeout). Refused while one of the member's
  money instructions is in flight at the ledger (confirmed, sent or unknown): that would break its
  reconciliation. Redis is not transactional with the database: an erasure that fails there can be re-run.

Ledger records at MyCredex are not ours to delete; the answers say so (`LEDGER_NOTE`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import islice
from typing import Any

import redis
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils.crypto import salted_hmac
from django_redis import get_redis_connection

from credex_api.auth import TokenStore
from credex_api.conf import ClientConfig, cache_redis
from flows.confirmations import member_hash
from security import pii

LEDGER_NOTE = (
    "Records held by the MyCredex ledger (accounts, credexes, ledger history) are not ours to delete: "
    "ask MyCredex to erase them."
)
ERASED_TEXT = "[erased]"
IN_FLIGHT_STATES = ("confirmed", "sent", "unknown")
_PSEUDONYM_SALT = "vimbisopay.gdpr.pseudonym"


class ErasureRefused(Exception):  # noqa: N818 (a verdict, like Django's PermissionDenied)
    """The member cannot be erased now; `reason` is safe to show an operator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def pseudonym(wa_id: str) -> str:
    """The stand-in for an erased phone: stable per member, not reversible without the secret key."""
    return "erased-" + salted_hmac(_PSEUDONYM_SALT, wa_id, algorithm="sha256").hexdigest()[:12]


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def _own_rows(label: str, phone_fields: list[str], wa_id: str) -> models.QuerySet:
    match = models.Q()
    for field in phone_fields:
        match |= models.Q(**{field: wa_id})
    return _model(label).objects.filter(match).order_by("pk")


def export_member(wa_id: str) -> dict[str, Any]:
    """The member's personal data: every registered field of their rows, and their Redis data."""
    records: dict[str, list[dict[str, Any]]] = {}
    for label, kinds in pii.registered_models().items():
        fields = [field for kind in pii.KINDS for field in kinds[kind]]
        rows = _own_rows(label, kinds[pii.PHONE], wa_id).values("pk", *fields)
        records[label] = [{**row, "pk": str(row["pk"])} for row in rows]
    return {
        "member": wa_id,
        "fields": sorted(pii.qualified_names()),
        "records": records,
        "redis": _redis_export(wa_id),
        "ledger": LEDGER_NOTE,
    }


def member_names(wa_id: str) -> set[str]:
    """The member's names we hold: WhatsApp profile names and the names given at onboarding."""
    names = set()
    for event in _own_rows("bot.InboxMessage", ["wa_id"], wa_id).values_list("event", flat=True):
        if isinstance(event, dict) and isinstance(event.get("profile_name"), str):
            names.add(event["profile_name"].strip())
    for params in _own_rows("credex_api.Instruction", ["member"], wa_id).values_list("params", flat=True):
        if isinstance(params, dict):
            full = f"{params.get('first_name') or ''} {params.get('last_name') or ''}".strip()
            names.add(full)
    return {name for name in names if len(name) >= 3}


def erase_member(wa_id: str) -> dict[str, Any]:
    """Erase the member (see the module docstring); returns what was done, for the operator."""
    names = member_names(wa_id)
    replacer = _Replacer(wa_id, names, pseudonym(wa_id))
    with transaction.atomic():
        _refuse_in_flight(wa_id)
        database = {}
        for label, kinds in pii.registered_models().items():
            own = _erase_own_rows(label, kinds, wa_id, replacer.pseudonym)
            mentions = _scrub_mentions(label, kinds, replacer)
            database[label] = {"pseudonymised": own, "mentions_removed": mentions}
    redis_done = _redis_erase(wa_id, replacer.needles)
    return {
        "member": replacer.pseudonym,
        "database": database,
        "redis": redis_done,
        "ledger": LEDGER_NOTE,
    }


def _refuse_in_flight(wa_id: str) -> None:
    in_flight = _own_rows("credex_api.Instruction", ["member"], wa_id).filter(state__in=IN_FLIGHT_STATES)
    if in_flight.select_for_update().exists():
        raise ErasureRefused("a money instruction of this member is still in flight; retry once it settles")


def _erase_own_rows(label: str, kinds: dict[str, list[str]], wa_id: str, stand_in: str) -> int:
    rows = _own_rows(label, kinds[pii.PHONE], wa_id)
    if label == "bot.InboxMessage":  # an erased message must never be processed
        rows.filter(status__in=["pending", "processing"]).update(status="failed", error_ref="erased")
    elif label == "credex_api.Instruction":  # a pending instruction can no longer be confirmed
        rows.filter(state="pending").update(state="failed", error_code="erased")
    changes: dict[str, Any] = {field: stand_in for field in kinds[pii.PHONE]}
    changes |= {field: {} for field in kinds[pii.JSON]}
    changes |= {field: "" for field in kinds[pii.TEXT]}
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
    """Finds and replaces the member's number (not inside a longer number) and names, in any JSON value."""

    def __init__(self, wa_id: str, names: set[str], stand_in: str) -> None:
        self.pseudonym = stand_in
        self.needles = [wa_id, *sorted(names)]
        self._phone = re.compile(rf"(?<![0-9]){re.escape(wa_id)}(?![0-9])")
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


# --- Redis --------------------------------------------------------------------------------------------
SCAN_BATCH = 500


def _keys(wa_id: str) -> dict[str, str]:
    prefix = settings.REDIS_KEY_PREFIX
    config = ClientConfig.from_settings()
    tokens = TokenStore(
        cache_redis(),
        secret=settings.SECRET_KEY,
        ttl_seconds=1,
        lock_seconds=1,
        wait_seconds=0,
        key_prefix=config.key_prefix,
    )  # only for its key derivation: the same HMAC the ledger client uses
    return {
        "conversation": f"{prefix}:conv:{wa_id}",
        "marker": f"{prefix}:conv:{wa_id}:marker",
        "lock": f"{prefix}:lock:{wa_id}",
        "stream": f"{prefix}:{settings.INBOX_STREAM}",
        "token": tokens.member_key(wa_id),
        "token_login_lock": tokens.member_key(wa_id) + ":login",
    }


def _redis_export(wa_id: str) -> dict[str, Any]:
    keys = _keys(wa_id)
    state, cache = get_redis_connection("state"), cache_redis()
    raw, marker, lock = state.mget(keys["conversation"], keys["marker"], keys["lock"])
    return {
        "state_redis": {
            "conversation": json.loads(raw) if raw else None,
            "conversation_marker": marker is not None,
            "member_lock": lock is not None,
            "confirmations": len(_own_confirmations(state, wa_id)),
            "inbox_stream_entries": len(_stream_entries(state, keys["stream"], wa_id)),
        },
        "cache_redis": {"ledger_token": bool(cache.exists(keys["token"]))},  # the token itself: never
    }


def _redis_erase(wa_id: str, needles: list[str]) -> dict[str, int]:
    keys = _keys(wa_id)
    state, cache = get_redis_connection("state"), cache_redis()
    done = {"state_member_keys": int(state.delete(keys["conversation"], keys["marker"], keys["lock"]))}
    done["confirmations"] = int(state.delete(*found)) if (found := _own_confirmations(state, wa_id)) else 0
    entries = _stream_entries(state, keys["stream"], wa_id)
    done["inbox_stream_entries"] = int(state.xdel(keys["stream"], *entries)) if entries else 0
    done["cache_member_keys"] = int(cache.delete(keys["token"], keys["token_login_lock"]))
    done["state_mentions"] = _sweep(state, wa_id, needles)
    done["cache_mentions"] = _sweep(cache, wa_id, needles)
    return done


def _scan(conn: redis.Redis, pattern: str) -> Iterator[list[bytes]]:
    found = conn.scan_iter(match=pattern, count=SCAN_BATCH)
    while batch := list(islice(found, SCAN_BATCH)):
        yield batch


def _own_confirmations(state: redis.Redis, wa_id: str) -> list[bytes]:
    """Confirmation nonces are keyed by the nonce; their record names the member by `member_hash`."""
    mine = member_hash(wa_id)
    owned = []
    for batch in _scan(state, f"{settings.REDIS_KEY_PREFIX}:confirm:*"):
        for key, raw in zip(batch, state.mget(batch), strict=True):
            try:
                if raw and json.loads(raw).get("m") == mine:
                    owned.append(key)
            except (ValueError, AttributeError):
                continue
    return owned


def _stream_entries(state: redis.Redis, stream: str, wa_id: str) -> list[bytes]:
    entries, start, target = [], "-", wa_id.encode()
    while batch := state.xrange(stream, min=start, max="+", count=1000):
        entries += [entry_id for entry_id, fields in batch if fields.get(b"wa_id") == target]
        if len(batch) < 1000:
            break
        start = "(" + batch[-1][0].decode()
    return entries


def _sweep(conn: redis.Redis, wa_id: str, needles: list[str]) -> int:
    """Delete keys under our prefix whose name holds the number, or whose string value holds a needle."""
    forms = {form for needle in needles for form in (needle, json.dumps(needle)[1:-1])}
    wanted = [form.lower().encode() for form in forms]
    deleted = 0
    for batch in _scan(conn, f"{settings.REDIS_KEY_PREFIX}:*"):
        pipe = conn.pipeline(transaction=False)
        for key in batch:
            pipe.type(key)
        strings = [key for key, kind in zip(batch, pipe.execute(), strict=True) if kind == b"string"]
        values = dict(zip(strings, conn.mget(strings), strict=True)) if strings else {}
        doomed = [
            key
            for key in batch
            if wa_id.encode() in key or any(form in (values.get(key) or b"").lower() for form in wanted)
        ]
        deleted += int(conn.delete(*doomed)) if doomed else 0
    return deleted
