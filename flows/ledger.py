"""`MemberLedger`: the `flows.ports.LedgerPort` of one turn, over the guarded client (`credex_api`).

Built per turn for the member who wrote (the verified `wa_id`): reads go through `credex_api.services`;
`execute` stores a money instruction, confirms it and executes it exactly once (`credex_api.instructions`),
so every ledger change is a row moved by conditional UPDATEs, never a bare call. The login answer is kept
for the rest of the turn (home and a flow's screen often both need it) and dropped after every mutation,
so the dashboard shown after an offer or an accept is read afresh: counts are live.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from credex_api import services
from credex_api.instructions import (
    InstructionStateError,
    instruction_confirm,
    instruction_create,
    instruction_execute,
)
from credex_api.results import AccountRef, CredexDetail, LedgerPage, LoginResult
from flows.ports import InstructionNotRun, MoneyRateLimited
from security import ratelimit

KNOWN_MEMBER_SECONDS = 86_400


class MemberLedger:
    """Ledger operations for one member during one turn."""

    def __init__(self, wa_id: str) -> None:
        self.wa_id = wa_id
        self._login: LoginResult | None = None

    def login(self) -> LoginResult:
        if self._login is None:
            self._login = services.member_login(phone=self.wa_id)
            remember_member(self.wa_id)
        return self._login

    def account_by_handle(self, *, handle: str) -> AccountRef:
        return services.account_by_handle(phone=self.wa_id, handle=handle)

    def ledger_page(self, *, account_id: str, start_row: int, num_rows: int) -> LedgerPage:
        return services.ledger_get(
            phone=self.wa_id, account_id=account_id, start_row=start_row, num_rows=num_rows
        )

    def credex_detail(self, *, credex_id: str, account_id: str) -> CredexDetail:
        return services.credex_get(phone=self.wa_id, credex_id=credex_id, account_id=account_id)

    def execute(self, *, action: str, params: Mapping[str, Any]) -> Any:
        """Store, confirm and run one instruction; its typed result, or the ledger's error.

        At most MONEY_PER_MINUTE per member, counted atomically; over it, or when the counter cannot be
        read, `MoneyRateLimited` and nothing is stored or sent (fail closed)."""
        _check_money_rate(self.wa_id)
        self._login = None
        row = instruction_create(member=self.wa_id, action=action, params=dict(params))
        if not instruction_confirm(row.key):
            raise InstructionNotRun(f"instruction {row.key} could not be confirmed")
        try:
            return instruction_execute(row.key)
        except InstructionStateError as exc:
            raise InstructionNotRun(str(exc)) from exc
        finally:
            self._login = None


def _check_money_rate(wa_id: str) -> None:
    try:
        verdict = ratelimit.hit("money", wa_id, limit=settings.MONEY_PER_MINUTE, window_seconds=60)
    except ratelimit.LimiterDown as exc:
        raise MoneyRateLimited(retry_after=60) from exc
    if not verdict.allowed:
        raise MoneyRateLimited(retry_after=verdict.retry_after)


def remember_member(wa_id: str) -> None:
    """Note (for a day) that the ledger knows this number: the inbound limits give members more room."""
    with contextlib.suppress(ratelimit.LimiterDown):  # the flag only widens a limit: no flag = a guest
        ratelimit.first_time("member", wa_id, window_seconds=KNOWN_MEMBER_SECONDS)
