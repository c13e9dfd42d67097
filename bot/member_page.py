"""What the admin's member page shows (`bot.admin_member`): one member's records, gathered read-only.

- `ledger_view`: the member's tier and accounts, read from the ledger by their phone (`member_login`), or
  the reason it could not be read (a ledger error, no number known) — never an exception.
- `instructions`, `outbox`: the member's latest rows (no params or payloads: they hold other members'
  numbers and the member's own words); an outbox row gives its status, error code and class and, for a
  template message, the template's name.
- `state_view`: the conversation state (`flows.store.ConversationStore.load`; never saved or cleared),
  its data's values only `with_values`.
- `transcript`: inbox and outbox rows in time order, with each message's text only `with_texts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import RedisError

from bot.models import InboxMessage, MemberIdentity, OutboxMessage
from credex_api import services
from credex_api.errors import CredexError
from credex_api.models import Instruction
from flows.store import ConversationStore
from security.logfilter import redact_data

ROWS = 50  # of each kind; the admin's own lists page through the rest
TRANSCRIPT_ROWS = 100
NO_PHONE = "No WhatsApp number is known for this member, so the ledger cannot be read."
UNREADABLE = "The ledger could not be read ({why}). Nothing was changed."


@dataclass(frozen=True)
class LedgerView:
    """The ledger's answer for the page: `error` set (and nothing else) when it could not be read."""

    error: str = ""
    tier: int | None = None
    remaining_usd: str = ""
    accounts: tuple[dict, ...] = ()


def ledger_view(identity: MemberIdentity) -> LedgerView:
    """The member's tier and accounts from the ledger, or why they could not be read."""
    if not identity.phone or identity.refused:
        refused = f"Ledger use is refused for this member ({identity.refused})."
        return LedgerView(error=NO_PHONE if not identity.phone else refused)
    try:
        login = services.member_login(phone=identity.phone)
    except CredexError as exc:
        return LedgerView(error=UNREADABLE.format(why=exc.code))
    except RedisError:
        return LedgerView(error=UNREADABLE.format(why="the cache is unreachable"))
    remaining = login.member.remaining_available_usd
    return LedgerView(
        tier=login.member.tier,
        remaining_usd="" if remaining is None else f"{remaining} USD",
        accounts=tuple(_account(account) for account in login.accounts),
    )


def _account(account: Any) -> dict:
    secured = account.balances.secured_net if account.balances is not None else ()
    return {
        "name": account.name,
        "handle": account.handle,
        "type": account.account_type,
        "owned": account.is_owned,
        "secured": ", ".join(f"{money.amount} {money.denom}" for money in secured) or "-",
        "pending_in": len(account.pending_in),
        "pending_out": len(account.pending_out),
    }


def instructions(key: str) -> list[Instruction]:
    """The member's latest instructions, newest first."""
    return list(Instruction.objects.filter(member=key).order_by("-created_at", "-id")[:ROWS])


def outbox(key: str) -> list[dict]:
    """The member's latest outbox rows, newest first, with the template's name where there is one."""
    rows = OutboxMessage.objects.filter(wa_id=key).order_by("-created_at")[:ROWS]
    return [{"row": row, "template": template_name(row.payload)} for row in rows]


def template_name(payload: Any) -> str:
    """The name of the approved template a payload sends, "" for any other message."""
    template = payload.get("template") if isinstance(payload, dict) else None
    name = template.get("name") if isinstance(template, dict) else None
    return name if isinstance(name, str) else ""


def state_view(key: str, *, with_values: bool) -> dict:
    """The conversation state as the page shows it: {"error": ...} when the state store is unreachable."""
    try:
        state = ConversationStore().load(key)
    except RedisError:
        return {"error": "The conversation state store is unreachable."}
    if state is None:
        return {"empty": True}
    data = redact_data(dict(state.data), drop_sensitive=True) if with_values else sorted(state.data)
    return {
        "flow": state.flow or "-",
        "step": state.step or "-",
        "version": state.version,
        "updated": datetime.fromtimestamp(state.updated_at / 1000, UTC) if state.updated_at else None,
        "lapsed": state.lapsed,
        "history": " → ".join(state.history),
        "data": data,
        "with_values": with_values,
    }


def transcript(key: str, *, with_texts: bool) -> list[dict]:
    """Inbox and outbox rows of the member in time order (the latest ones), texts only `with_texts`."""
    inbound = InboxMessage.objects.filter(wa_id=key).order_by("-message_ts", "-id")[:TRANSCRIPT_ROWS]
    outbound = OutboxMessage.objects.filter(wa_id=key).order_by("-created_at")[:TRANSCRIPT_ROWS]
    lines = [_line(row.message_ts, "in", row, inbox_text(row.event)) for row in inbound]
    lines += [_line(row.created_at, "out", row, outbox_text(row)) for row in outbound]
    lines.sort(key=lambda line: line["at"])
    lines = lines[-TRANSCRIPT_ROWS:]
    if not with_texts:
        for line in lines:
            line["text"] = ""
    return lines


def _line(at: datetime, way: str, row: InboxMessage | OutboxMessage, text: str) -> dict:
    return {"at": at, "way": way, "kind": row.kind, "status": row.status, "text": text}


def inbox_text(event: Any) -> str:
    """What the member sent: a typed text, or the title of the button or row they tapped."""
    if not isinstance(event, dict):
        return ""
    for name in ("body", "title", "choice_id"):
        if isinstance(event.get(name), str) and event[name]:
            return event[name]
    return ""


def outbox_text(row: OutboxMessage) -> str:
    """What we sent: the text, the interactive message's body, or the template's name."""
    payload = row.payload if isinstance(row.payload, dict) else {}
    for part in ("text", "interactive"):
        block = payload.get(part)
        if isinstance(block, dict):
            body = block.get("body")
            text = body.get("text") if part == "interactive" and isinstance(body, dict) else body
            if isinstance(text, str):
                return text
    name = template_name(payload)
    return f"template {name}" if name else ""
