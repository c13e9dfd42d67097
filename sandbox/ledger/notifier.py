"""The sandbox's notifier: after a credex is created, accepted, declined or cancelled, tell the other party.

credex-core has no notifier to mirror: its notification code is a placeholder (`src/core-cron/MTQ/
LoopFinder.ts` `createNotifications`: "TODO: Implement notification system"; `src/api/Avatar/services/
AcceptRecurring.ts`: "TODO: Implement notification for recurring acceptance"). So this is the sandbox's
choice, shaped to the bot's own contract (`bot/notify.py`): `POST <notifyUrl>` with `X-Notify-Key` and

    {"phone": "<counterparty owner's phone>", "memberName": "<their name>",
     "message": "<receipt>", "notificationID": "<credexID>:<event>"}

- Who is told: new offer → the receiving account's owner; accept or decline → the issuing account's owner;
  cancel → the receiving account's owner. Nobody is told about their own act (both sides one member).
- The receipt names the acting account (no phone, no account id), the act, the amount and when, in Harare
  time: "Tendai Moyo offered you 12.50 USD (secured, due 21 Dec 2026) on 8 Dec 2026 at 04:47 CAT".
- `notificationID` is the same for a repeated delivery of one event: the bot sends it once.
- Sent after the transaction commits (nothing is told about a rolled-back act), synchronously with a
  5-second timeout; any failure is logged (status or exception class only) and never fails the ledger call.
- Off unless `SANDBOX_NOTIFY_URL` (and `SANDBOX_NOTIFY_KEY`) are set, or `/devadmin/config` sets
  `notifyUrl`/`notifyKey` (reset restores the start values).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

import requests
from django.db import transaction

from sandbox.ledger import runtime
from sandbox.ledger.formatting import format_number
from sandbox.ledger.models import Account, Credex, Member
from sandbox.ledger.units import from_units

logger = logging.getLogger(__name__)

HARARE = ZoneInfo("Africa/Harare")
TIMEOUT_SECONDS = 5.0
OFFERED, ACCEPTED, DECLINED, CANCELLED = "offered", "accepted", "declined", "cancelled"


def day_text(day: date) -> str:
    """`21 Dec 2026` (no leading zero)."""
    return f"{day.day} {day:%b %Y}"


def moment_text(moment: datetime) -> str:
    """`8 Dec 2026 at 04:47 CAT` (Harare time)."""
    local = moment.astimezone(HARARE)
    return f"{day_text(local.date())} at {local:%H:%M} CAT"


def _amount(credex: Credex) -> str:
    return f"{format_number(from_units(credex.initial_units), credex.denomination)} {credex.denomination}"


def receipt(credex: Credex, event: str, moment: datetime) -> tuple[Account, str]:
    """(the account whose owner is told, the receipt text) for one event."""
    amount, when = _amount(credex), moment_text(moment)
    if event == OFFERED:
        terms = "secured" if credex.secured else "unsecured"
        if credex.due_date:
            terms += f", due {day_text(credex.due_date)}"
        text = f"{credex.issuer.account_name} offered you {amount} ({terms}) on {when}"
        return credex.receiver, text
    if event == CANCELLED:
        return credex.receiver, f"{credex.issuer.account_name} cancelled their offer of {amount} on {when}"
    return credex.issuer, f"{credex.receiver.account_name} {event} your offer of {amount} on {when}"


def announce(credex: Credex, event: str, signer: Member, moment: datetime) -> None:
    """Tell the counterparty of `event` once the current transaction commits (no-op when switched off)."""
    config = runtime.current()
    if not config.notify_url:
        return
    account, text = receipt(credex, event, moment)
    owner = account.owner
    if owner.member_id == signer.member_id:
        return
    body = {
        "phone": owner.phone,
        "memberName": f"{owner.firstname} {owner.lastname}".strip()[:60],
        "message": text[:300],
        "notificationID": f"{credex.credex_id}:{event}",
    }
    transaction.on_commit(lambda: _post(config.notify_url, config.notify_key, body))


def _post(url: str, key: str, body: dict) -> None:
    try:
        response = requests.post(url, json=body, headers={"X-Notify-Key": key}, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        logger.warning("notify failed: %s", type(exc).__name__)
        return
    if response.status_code >= 300:
        logger.warning("notify refused: HTTP %s", response.status_code)
