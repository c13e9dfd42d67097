"""Telling a member how an uncertain money action ended, once.

A member whose action's outcome was unknown was told "I cannot tell yet; I will check with the ledger"
(`flows.money.OUTCOME_UNKNOWN`). When reconciliation (`credex_api.reconcile`) settles that instruction,
`tell_settled()` — run by the worker right after each `reconcile_unknown()` — sends the member one message
with the result, in words from `flows.outcomes.told` ("Your offer of 5.00 USD to Rudo Dube went through." /
"… did not go through; nothing was sent.").

Which instructions: `done` or `failed` ones that reconciliation settled (`reconcile_attempts > 0`: it
counts every look it takes, so a row the turn itself finished has 0), sent within `LOOKBACK`, and not yet
told. Whoever settled it (the worker's sweep, `manage.py reconcile_instructions`, another worker), the next
sweep tells it. Never twice: the `SettledNotice` row (unique per instruction key) and the outbox row are
written in one transaction before the one send attempt (`bot.outbox.send_row`, whose retries the outbox
schedules as for any reply) — `bot.outbox.record_and_send` minus its own transaction.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from bot import outbox
from bot.models import SettledNotice
from credex_api.actions import decode_params
from credex_api.models import Instruction
from flows.outcomes import told
from flows.types import TextReply

logger = logging.getLogger(__name__)
LOOKBACK = timedelta(days=2)  # older settlements are not news any more
SETTLED = (Instruction.State.DONE, Instruction.State.FAILED)


def tell_settled(*, limit: int = 200) -> int:
    """Send one message per newly settled uncertain instruction; the number sent."""
    since = timezone.now() - LOOKBACK
    rows = (
        Instruction.objects.filter(state__in=SETTLED, reconcile_attempts__gt=0, sent_at__gte=since)
        .exclude(key__in=SettledNotice.objects.filter(created_at__gte=since).values("instruction_key"))
        .order_by("finished_at", "id")[:limit]
    )
    return sum(_tell(row) for row in rows)


def _tell(row: Instruction) -> bool:
    reply = TextReply(body=told(row.action, decode_params(row.params), row.state))
    try:
        with transaction.atomic():
            notice = SettledNotice.objects.create(instruction_key=row.key, told_state=row.state)
            (message,) = outbox.record(row.member, [reply], None)
            notice.outbox = message
            notice.save(update_fields=["outbox"])
    except IntegrityError:  # another sweep told it first
        return False
    logger.info("instruction %s %s: member told it is %s (outbox %s)", row.key, row.action, row.state,
                message.pk)  # fmt: skip
    outbox.send_row(message)
    return True
