"""The registry of personal data we store: every model field holding a member's phone, name or message text.

Pure data (no Django import): `operator_api/gdpr.py` exports and erases a member from exactly these fields,
and a test fails when a text or JSON field of our apps is in neither `REGISTRY` nor `NOT_PERSONAL`, so a new
field cannot hold personal data unnoticed.

Kinds:
- `PHONE`: the member's WhatsApp id (a phone number). It identifies the member's rows; erasure replaces it
  with a pseudonym (``erased-<keyed hash>``), so counts and timings survive without the number.
- `JSON`: a JSON value that may hold message text, profile names, phone numbers or ledger answers; erasure
  wipes it to ``{}`` in the member's rows, and removes the member's number and names where they appear in
  other members' rows (an offer to the member names them).
- `TEXT`: free text that may name a member (a ledger error message); wiped to ``""`` like JSON.
- `BSUID`: the member's WhatsApp business-scoped user id (`bot.identity`): it, too, finds the member's rows
  (a status sent to a member known only by it); erasure blanks it.
- `PROFILE`: what else WhatsApp tells us about who the member is (their username, their parent BSUID);
  exported, blanked on erasure, and removed where other rows mention it.
A member's identity row (`bot.MemberIdentity`) is deleted outright by an erasure, not pseudonymised.
"""

from __future__ import annotations

from dataclasses import dataclass

PHONE = "phone"
JSON = "json"
TEXT = "text"
BSUID = "bsuid"
PROFILE = "profile"
KINDS = (PHONE, JSON, TEXT, BSUID, PROFILE)


@dataclass(frozen=True, slots=True)
class PiiField:
    """One field holding personal data: `model` is ``app_label.ModelName``."""

    model: str
    field: str
    kind: str
    holds: str


REGISTRY: tuple[PiiField, ...] = (
    PiiField("bot.InboxMessage", "wa_id", PHONE, "the sender's WhatsApp id"),
    PiiField("bot.InboxMessage", "event", JSON, "message text, profile name, typed phone numbers"),
    PiiField("bot.OutboxMessage", "wa_id", PHONE, "the recipient's WhatsApp id"),
    PiiField("bot.OutboxMessage", "payload", JSON, "the message sent: text, names, amounts, phone numbers"),
    PiiField("bot.StatusEvent", "recipient_id", PHONE, "the recipient's WhatsApp id"),
    PiiField("bot.StatusEvent", "recipient_user_id", BSUID, "the recipient's business-scoped user id"),
    PiiField("bot.MemberIdentity", "key", PHONE, "the member key: their ledger phone, or u… (BSUID only)"),
    PiiField("bot.MemberIdentity", "phone", PHONE, "the member's current WhatsApp number"),
    PiiField("bot.MemberIdentity", "bsuid", BSUID, "the member's business-scoped user id"),
    PiiField("bot.MemberIdentity", "parent_bsuid", PROFILE, "the member's parent BSUID (linked portfolios)"),
    PiiField("bot.MemberIdentity", "username", PROFILE, "the member's WhatsApp username"),
    PiiField("credex_api.Instruction", "member", PHONE, "the member's WhatsApp id"),
    PiiField("credex_api.Instruction", "params", JSON, "names at onboarding, counterparty handles (phones)"),
    PiiField("credex_api.Instruction", "result", JSON, "the ledger's answer: names, handles"),
    PiiField("credex_api.Instruction", "error_reason", TEXT, "the ledger's error message, may name a member"),
)

# Text and JSON fields reviewed and found to hold no personal data (ids, states, codes, Meta's own errors).
NOT_PERSONAL: frozenset[str] = frozenset(
    {
        "bot.InboxMessage.wamid",
        "bot.InboxMessage.kind",
        "bot.InboxMessage.status",
        "bot.InboxMessage.error_ref",
        "bot.InboxMessage.correlation_id",
        "bot.OutboxMessage.kind",
        "bot.OutboxMessage.status",
        "bot.OutboxMessage.wamid",
        "bot.OutboxMessage.error_class",
        "bot.StatusEvent.wamid",
        "bot.StatusEvent.status",
        "bot.PlatformError.title",
        "bot.PlatformError.details",
        "bot.PlatformError.digest",
        "bot.SettledNotice.told_state",
        "bot.MemberIdentity.refused",  # a reason code ("number_in_use")
        "credex_api.Instruction.action",
        "credex_api.Instruction.state",
        "credex_api.Instruction.ledger_ref",
        "credex_api.Instruction.error_code",
        # The audit log: PII masked when written (`security.audit.record`), and append-only by design.
        "security.AuditEvent.actor",
        "security.AuditEvent.action",
        "security.AuditEvent.obj",
        "security.AuditEvent.old_values",
        "security.AuditEvent.new_values",
        "security.AuditEvent.client_ip",
        "security.AuditEvent.user_agent",
        "security.AuditEvent.correlation_id",
    }
)
OUR_APPS = ("bot", "credex_api", "security")


def registered_models() -> dict[str, dict[str, list[str]]]:
    """``{model: {kind: [field, ...]}}`` in registry order, for export and erasure."""
    models: dict[str, dict[str, list[str]]] = {}
    for entry in REGISTRY:
        models.setdefault(entry.model, {kind: [] for kind in KINDS})[entry.kind].append(entry.field)
    return models


def qualified_names() -> set[str]:
    """``app_label.Model.field`` of every registered field."""
    return {f"{entry.model}.{entry.field}" for entry in REGISTRY}
