"""The instruction state machine: the table of moves and the one function making them.

Every change of `Instruction.state` anywhere in the code goes through `move(key, source, target, ...)`: one
conditional UPDATE `... WHERE key = <key> AND state = <source> [AND <where>]` whose row count says whether
this caller made the move (so N concurrent callers move a row once). A move that is not in `TRANSITIONS`
raises `IllegalTransitionError` before touching the database. `tests/credex_api/test_states.py` walks the
graph and checks by reading the source that no other code writes `state=` on an instruction.

    pending ──tap──▶ confirmed ──claim──▶ sent ──answer──▶ done | failed | unknown
    pending ──erasure / expiry──▶ failed                unknown ──reconciliation──▶ done | failed
    failed ◀──late ledger answer──▶ done   (corrections: the ledger's own answer to our call wins over the
                                             sweep's earlier judgement; ops are alerted)

`done` and `failed` are terminal for every ordinary caller; only the two corrections leave them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from credex_api.models import Instruction

State = Instruction.State
INITIAL = State.PENDING
TERMINAL = frozenset({State.DONE, State.FAILED})

TRANSITIONS: dict[tuple[str, str], str] = {
    (State.PENDING, State.CONFIRMED): "the member's tap (instruction_confirm), within the confirmation TTL",
    (State.PENDING, State.FAILED): "erased before the tap (operator_api.gdpr), or nobody tapped in time",
    (State.CONFIRMED, State.SENT): "a worker claims the row and takes its lease (instruction_execute)",
    (State.SENT, State.DONE): "the ledger's success answer, or the sweep found it at the ledger",
    (State.SENT, State.FAILED): "a refusal before anything was written, or the sweep: not at the ledger",
    (State.SENT, State.UNKNOWN): "no answer that settles it (timeout after sending, unreadable answer...)",
    (State.UNKNOWN, State.DONE): "reconciliation found it at the ledger",
    (State.UNKNOWN, State.FAILED): "reconciliation: not at the ledger after the settle period",
    (State.FAILED, State.DONE): "correction: the ledger's success answer arrived after the sweep failed it",
    (State.DONE, State.FAILED): "correction: the ledger's refusal arrived after the sweep matched it",
}
CORRECTIONS = frozenset({(State.FAILED, State.DONE), (State.DONE, State.FAILED)})


class IllegalTransitionError(ValueError):
    """A move that is not in `TRANSITIONS`: a programming error, raised before anything is written."""


def move(
    key: uuid.UUID | str,
    source: str,
    target: str,
    *,
    where: Q | None = None,
    now: datetime | None = None,
    **fields: Any,
) -> bool:
    """Move instruction `key` from `source` to `target` if it is still in `source` (and matches `where`),
    writing `fields` in the same UPDATE; whether this call made the move."""
    if (source, target) not in TRANSITIONS:
        raise IllegalTransitionError(f"instruction state {source!r} → {target!r} is not in the table")
    rows = Instruction.objects.filter(key=key, state=source)
    if where is not None:
        rows = rows.filter(where)
    return rows.update(state=target, updated_at=now or timezone.now(), **fields) == 1


def exits(state: str) -> set[str]:
    """The states a row in `state` may move to (corrections included)."""
    return {target for (source, target) in TRANSITIONS if source == state}
