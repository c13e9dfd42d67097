"""The money path: every ledger mutation is an `Instruction` row, confirmed once and executed once.

    key = instruction_create(member=wa_id, action="credex_offer", params={...}).key   # pending: the screen
    if instruction_confirm(key):           # the tap: exactly one of N concurrent (or replayed) taps gets True
        result = instruction_execute(key)  # confirmed → sent → one ledger call → done | failed | unknown

Every transition is a move of the state machine (`credex_api.states.move`: a conditional UPDATE on (key,
expected state) whose row count is checked), in autocommit
(no transaction is held open across the HTTP call), so it is correct on SQLite and PostgreSQL alike and
under any number of threads or processes: a second `instruction_execute` finds the row no longer
`confirmed` and raises `InstructionStateError` without calling the ledger.
Outcomes of the one call: success → `done` (result and ledger reference stored); a refusal listed in
`credex_api.refusals` (answered before the ledger wrote anything), or a failure that certainly happened
before the request left (breaker open, connect failure, throttle, 429) → `failed` with the error code;
`CredexOutcomeUnknown`, any other error answer (or an unexpected crash after the call began) → `unknown`,
settled later by `credex_api.reconcile` — never re-sent blindly. The executing worker holds the `sent` row
for MYCREDEX_INSTRUCTION_LEASE_SECONDS (`lease_until`, longer than any one call incl. a re-login and its
replay); the sweep judges a `sent` row only once that lease has run out. If the call's answer still comes
after the sweep settled the row, the ledger's answer wins: the row is corrected (failed ⇄ done) and ops are
alerted with the instruction key. Logs name the instruction key,
action and state, never the member's number or parameters. Each step (created, confirmed, done, failed,
unknown) also writes one audit row (`security.audit`): the masked member, action, state and error code.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from credex_api import states
from credex_api.actions import ACTIONS, decode_params, encode_params
from credex_api.client import CredexClient
from credex_api.errors import CredexError, CredexInvalid, CredexOutcomeUnknown
from credex_api.models import Instruction
from credex_api.refusals import proves_nothing_written
from credex_api.throttle import Priority
from credex_api.validation import check_phone
from security import audit
from security.alerts import raise_alert

logger = logging.getLogger(__name__)
State = Instruction.State
SKIPPED_RESULT_FIELDS = frozenset({"dashboard", "token"})
EXPIRED_CODE = "CONFIRMATION_EXPIRED"  # a pending row nobody tapped in time (`expire_pending`)


class InstructionStateError(Exception):
    """The instruction is not in the state this step needs (already confirmed, executed, expired...)."""

    def __init__(self, key: object, state: str | None) -> None:
        super().__init__(f"instruction {key} is {state or 'missing'}")
        self.key = key
        self.state = state


def instruction_create(*, member: str, action: str, params: dict[str, Any]) -> Instruction:
    """Store a pending instruction after checking it with the ledger's rules (`CredexInvalid` if bad)."""
    if action not in ACTIONS:
        raise CredexInvalid("unknown instruction action", code="INVALID_ACTION", field="action")
    ACTIONS[action].validate(params)
    row = Instruction.objects.create(member=check_phone(member), action=action, params=encode_params(params))
    logger.info("instruction %s %s created", row.key, action)
    _audit(row.key, row.member, action, State.PENDING, event="created")
    return row


def instruction_confirm(key: uuid.UUID | str) -> bool:
    """pending → confirmed, once, within the confirmation TTL (the member's tap). False if someone else
    did, or it expired (then it is moved pending → failed, `EXPIRED_CODE`, here: lazily)."""
    now = timezone.now()
    oldest = now - timedelta(seconds=settings.MYCREDEX_INSTRUCTION_TTL_SECONDS)
    moved = states.move(
        key, State.PENDING, State.CONFIRMED, where=Q(created_at__gte=oldest), now=now, confirmed_at=now
    )
    if moved:
        logger.info("instruction %s confirmed", key)
        member, action = Instruction.objects.filter(key=key).values_list("member", "action").get()
        _audit(key, member, action, State.CONFIRMED)
    else:
        expire_pending(now=now, keys=[key])
    return moved


def expire_pending(*, now: datetime | None = None, keys: list[Any] | None = None) -> int:
    """pending → failed (`EXPIRED_CODE`) for every confirmation screen nobody tapped within
    MYCREDEX_INSTRUCTION_TTL_SECONDS (the reconcile sweep; `instruction_confirm` for its own row).
    How many rows this call expired."""
    now = now or timezone.now()
    oldest = now - timedelta(seconds=settings.MYCREDEX_INSTRUCTION_TTL_SECONDS)
    rows = Instruction.objects.filter(state=State.PENDING, created_at__lt=oldest)
    if keys is not None:
        rows = rows.filter(key__in=keys)
    expired = 0
    for key, member, action in rows.values_list("key", "member", "action")[:500]:
        if states.move(key, State.PENDING, State.FAILED, now=now, finished_at=now, error_code=EXPIRED_CODE):
            _audit(key, member, action, State.FAILED, code=EXPIRED_CODE)
            expired += 1
    return expired


def instruction_execute(
    key: uuid.UUID | str, *, client: CredexClient | None = None, priority: Priority | None = None
) -> Any:
    """confirmed → sent → the one ledger call → done/failed/unknown; returns the typed result or raises.

    `priority`: the call's throttle class (default `MONEY`; onboarding a newcomer is the caller's `GUEST`)."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.MYCREDEX_INSTRUCTION_LEASE_SECONDS)
    if not states.move(key, State.CONFIRMED, State.SENT, now=now, sent_at=now, lease_until=lease):
        current = Instruction.objects.filter(key=key).values_list("state", flat=True).first()
        raise InstructionStateError(key, current)
    row = Instruction.objects.get(key=key)
    spec = ACTIONS[row.action]
    try:
        result = spec.run(phone=row.member, client=client, priority=priority, **decode_params(row.params))
    except CredexOutcomeUnknown as exc:
        _finish(row, State.UNKNOWN, code=exc.code, reason=exc.cause)
        raise
    except CredexError as exc:  # failed only when it proves nothing was written (`credex_api.refusals`)
        state = State.FAILED if proves_nothing_written(exc) else State.UNKNOWN
        _finish(row, state, code=exc.code, reason=exc.reason)
        raise
    except Exception:
        _finish(row, State.UNKNOWN, code="CLIENT_ERROR", reason="unexpected error during the call")
        raise
    _finish(row, State.DONE, result=result_json(result), ref=spec.ref(result) or "")
    return result


def _finish(
    row: Instruction, state: str, *, code: str = "", reason: str = "", result: Any = None, ref: str = ""
) -> None:
    now = timezone.now()
    outcome = {
        "result": result,
        "ledger_ref": ref[:64],
        "error_code": code[:64],
        "error_reason": (reason or "")[:300],
    }
    moved = states.move(row.key, State.SENT, state, now=now, finished_at=now, **outcome)
    level = logging.WARNING if state == State.UNKNOWN else logging.INFO
    logger.log(level, "instruction %s %s → %s %s", row.key, row.action, state, code)
    if moved:
        _audit(row.key, row.member, row.action, state, code=code)
    else:
        _correct(row, state, now, outcome)


def _correct(row: Instruction, state: str, now: datetime, outcome: dict[str, Any]) -> None:
    """The call answered after the sweep settled the row (its lease ran out): the ledger's own answer to
    the call wins over the sweep's reading, the row is corrected and ops are alerted (the key only)."""
    settled = Instruction.objects.filter(pk=row.pk).values_list("state", flat=True).first()
    if (settled, state) not in states.CORRECTIONS:
        logger.warning("instruction %s answered %s after it was settled as %s", row.key, state, settled)
        return
    if states.move(row.key, settled, state, now=now, finished_at=now, alerted_at=now, **outcome):
        _audit(row.key, row.member, row.action, state, event="corrected", code=outcome["error_code"])
        details = {"instruction": str(row.key), "action": row.action, "from": settled, "to": state}
        message = f"instruction {row.key}: the ledger answered {state} after the sweep settled it {settled}"
        raise_alert("instruction.corrected", message, severity="error", details=details)


def _audit(key: object, member: str, action: str, state: str, *, event: str = "", code: str = "") -> None:
    """One audit row per transition: the masked member, the action and state, never the parameters."""
    new = {"action": action, "state": state, "error_code": code}
    audit.record(
        f"instruction.{event or state}", actor=audit.member(member), obj=f"instruction {key}", new=new
    )


def result_json(result: Any) -> Any:
    """A JSON-safe summary of a typed result (dashboards and tokens left out; Decimal and dates as text)."""
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {
            item.name: result_json(getattr(result, item.name))
            for item in dataclasses.fields(result)
            if item.name not in SKIPPED_RESULT_FIELDS
        }
    if isinstance(result, Decimal):
        return format(result, "f")
    if isinstance(result, datetime | date):
        return result.isoformat()
    if isinstance(result, list | tuple):
        return [result_json(item) for item in result]
    return result
