"""`MemberLedger`: the `flows.ports.LedgerPort` of one turn, over the guarded client (`credex_api`).

Built per turn for the member who wrote (the verified `wa_id`): reads go through `credex_api.services`;
`prepare` stores a money instruction `pending` when its confirmation screen is shown, and `execute` (the tap)
confirms that row and executes it exactly once (`credex_api.instructions`), so every ledger change is a row
moved by conditional UPDATEs, never a bare call. The login answer is kept for the rest of the turn (home and a
flow's screen often both need it) and dropped after every mutation, so the dashboard shown after an offer or
an accept is read afresh: counts are live. Two exceptions save a second login in the same turn: onboarding's
answer is the new member's whole dashboard; and when a change needs a login first anyway (its token expired),
that login's accounts, with the acted-on account and the member replaced by the change's own answer, are the
dashboard after it (`dashboard_after`).

Ledger budget: this is where a call's throttle class is decided (`credex_api.throttle`).
Ledger changes are `MONEY`, except onboarding, which a number not yet a member asks for (`GUEST`); reads are
`MEMBER` once the ledger has logged the number in (this turn, or within the day: `flows.membership`), else
`GUEST`. A number the ledger said is not a member is remembered for a while: its logins raise the same
`CredexNotFound` without a call, until it onboards (which forgets it) or the memory ends.

`money_outcome` tells the orchestration whether this turn's money action went through (`CHANGED`) or may
have (`MAYBE_CHANGED`); `sent_instruction()` reads the state of the instruction this turn handed to the
ledger, so whatever fails after it (the dashboard read, saving the state) the member is told that
instruction's real outcome (`flows.outcomes`), never "nothing was sent". `in_flight(action, params)`: an
identical instruction of this member is still `sent` or `unknown` (its confirmation screen warns).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings

from credex_api import services
from credex_api.actions import HINT_PARAMS, decode_params, encode_params
from credex_api.endpoints import LOGIN
from credex_api.errors import CredexInvalid, CredexNotFound, CredexOutcomeUnknown
from credex_api.instructions import (
    InstructionStateError,
    instruction_confirm,
    instruction_create,
    instruction_execute,
)
from credex_api.models import Instruction
from credex_api.results import AccountRef, CredexDetail, LedgerPage, LoginResult, OnboardResult
from credex_api.throttle import Priority
from flows import outcomes
from flows.membership import (
    Membership,
    forget_not_member,
    membership,
    remember_member,
    remember_not_member,
)
from flows.ports import InstructionNotRun, MoneyRateLimited, ServiceUnreachable
from security import ratelimit
from security.validation import is_wa_id

ONBOARD = "member_onboard"
CHANGED, MAYBE_CHANGED = "changed", "maybe changed"  # `MemberLedger.money_outcome` after `execute`
NOT_A_MEMBER = "Member not found"  # the ledger's login answer for an unknown number (a remembered one too)


class MemberLedger:
    """Ledger operations for one member during one turn."""

    def __init__(self, wa_id: str) -> None:
        if not is_wa_id(wa_id):  # a member known only by BSUID has no ledger access (bot.identity_link)
            raise ValueError("the ledger needs the member's phone number")
        self.wa_id = wa_id
        self._login: LoginResult | None = None
        self._membership: Membership | None = None
        self.money_outcome: str | None = None  # CHANGED / MAYBE_CHANGED once this turn's `execute` ran
        self._sent_key: Any = None  # the instruction handed to `instruction_execute` this turn

    @property
    def priority(self) -> Priority:
        """The throttle class of this number's reads: `MEMBER` once the ledger has logged it in."""
        if self._membership is None:
            self._membership = membership(self.wa_id)
        return Priority.MEMBER if self._membership is Membership.MEMBER else Priority.GUEST

    def login(self) -> LoginResult:
        if self._login is None:
            priority = self.priority  # reads what the ledger last said, once a turn
            if self._membership is Membership.NOT_MEMBER:
                raise CredexNotFound(NOT_A_MEMBER, status=404, route=LOGIN.name)  # remembered: no call
            try:
                self._login = services.member_login(phone=self.wa_id, priority=priority)
            except CredexNotFound:
                remember_not_member(self.wa_id)
                self._membership = Membership.NOT_MEMBER  # a flow's start and then home: one call a turn
                raise
            remember_member(self.wa_id)
            self._membership = Membership.MEMBER
        return self._login

    def account_by_handle(self, *, handle: str) -> AccountRef:
        return services.account_by_handle(phone=self.wa_id, handle=handle, priority=self.priority)

    def ledger_page(self, *, account_id: str, start_row: int, num_rows: int) -> LedgerPage:
        return services.ledger_get(
            phone=self.wa_id,
            account_id=account_id,
            start_row=start_row,
            num_rows=num_rows,
            priority=self.priority,
        )

    def credex_detail(self, *, credex_id: str, account_id: str) -> CredexDetail:
        return services.credex_get(
            phone=self.wa_id, credex_id=credex_id, account_id=account_id, priority=self.priority
        )

    def prepare(self, *, action: str, params: Mapping[str, Any]) -> str | None:
        """The `pending` instruction a confirmation screen stands for (its key, bound to the nonce), or None
        when the ledger's rules refuse its parameters (the tap then checks them again and says why)."""
        try:
            return str(instruction_create(member=self.wa_id, action=action, params=dict(params)).key)
        except CredexInvalid:
            return None

    def execute(self, *, action: str, params: Mapping[str, Any], instruction: str | None = None) -> Any:
        """Confirm and run one instruction: the screen's pending row `instruction` (else one stored now);
        its typed result, or the ledger's error. The tap is that row's `pending → confirmed` move: a row no
        longer pending (tapped before, replayed after Redis lost the nonce's use) raises `InstructionNotRun`
        with its real outcome, and nothing is sent again.

        At most MONEY_PER_MINUTE per member, counted atomically: over it, `MoneyRateLimited`; when the counter
        cannot be read (cache Redis down), `ServiceUnreachable` (fail closed, and said as what it is).
        Either way nothing is stored or sent."""
        _check_money_rate(self.wa_id)
        row = self._row(action, params, instruction)
        if self._login is None and action != ONBOARD and not services.token_cached(phone=self.wa_id):
            self.login()  # the token the change needs anyway, with every account: the dashboard after it
        before, self._login = self._login, None
        if not instruction_confirm(row.key):
            raise InstructionNotRun(f"instruction {row.key} could not be confirmed", told=_told(row.key))
        priority = Priority.GUEST if action == ONBOARD else Priority.MONEY
        self._sent_key = row.key
        try:
            result = instruction_execute(row.key, priority=priority)
        except InstructionStateError as exc:
            raise InstructionNotRun(str(exc)) from exc
        except CredexOutcomeUnknown:
            self.money_outcome = MAYBE_CHANGED
            raise
        finally:
            self._login = None
            if action == ONBOARD:  # a member now, or already one (DuplicateMember), or maybe (unknown)
                forget_not_member(self.wa_id)
                self._membership = None
        self.money_outcome = CHANGED
        if action == ONBOARD:
            remember_member(self.wa_id)
        self._login = dashboard_after(before, result)
        return result

    def _row(self, action: str, params: Mapping[str, Any], key: str | None) -> Instruction:
        if key is None:
            return instruction_create(member=self.wa_id, action=action, params=dict(params))  # checked first
        row = Instruction.objects.filter(key=key, member=self.wa_id, action=action).first()
        if row is None or decode_params(row.params) != decode_params(encode_params(dict(params))):
            raise InstructionNotRun(f"instruction {key} is not what this tap confirms")
        return row

    def retry_key(self) -> str | None:
        """A fresh `pending` copy of this turn's instruction when it ended `failed` before it left (the
        ledger was busy): the confirmation given back stands for it. None: no copy is needed."""
        if self._sent_key is None:
            return None
        row = Instruction.objects.get(key=self._sent_key)
        if row.state != Instruction.State.FAILED:
            return None
        params = decode_params(row.params)
        return str(instruction_create(member=row.member, action=row.action, params=params).key)

    def sent_instruction(self) -> tuple[str, dict[str, Any], str] | None:
        """(action, decoded params, state now) of the instruction this turn sent, or None if none was."""
        if self._sent_key is None:
            return None
        row = Instruction.objects.get(key=self._sent_key)
        return row.action, decode_params(row.params), row.state

    def in_flight(self, *, action: str, params: Mapping[str, Any]) -> bool:
        """An identical instruction of this member is `sent` or `unknown`: its outcome is not known yet."""
        wanted = _identity(dict(params))
        rows = Instruction.objects.filter(
            member=self.wa_id, action=action, state__in=(Instruction.State.SENT, Instruction.State.UNKNOWN)
        )
        return any(_identity(decode_params(row.params)) == wanted for row in rows.only("params"))


def _told(key: Any) -> str | None:
    """The true sentence about a row this tap could not confirm (None while it is still pending)."""
    row = Instruction.objects.get(key=key)
    if row.state == Instruction.State.PENDING:
        return None
    return outcomes.told(row.action, decode_params(row.params), row.state)


def _identity(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if key not in HINT_PARAMS}


def dashboard_after(before: LoginResult | None, result: Any) -> LoginResult | None:
    """The dashboard after a change, from the change's own answer, when it tells everything a login would:
    onboarding's (the new member and their accounts), or a change's fresh member and acted-on account laid
    over the login this turn already made (the other accounts did not change). None: log in afresh."""
    if isinstance(result, OnboardResult):
        return LoginResult(member=result.member, accounts=result.accounts, token=result.token)
    dashboard = getattr(result, "dashboard", None)
    if before is None or dashboard is None or dashboard.member is None or not dashboard.accounts:
        return None
    changed = {account.account_id: account for account in dashboard.accounts}
    if not changed.keys() <= {account.account_id for account in before.accounts}:
        return None
    accounts = tuple(changed.get(account.account_id, account) for account in before.accounts)
    return LoginResult(member=dashboard.member, accounts=accounts, token=before.token)


def _check_money_rate(wa_id: str) -> None:
    try:
        verdict = ratelimit.hit("money", wa_id, limit=settings.MONEY_PER_MINUTE, window_seconds=60)
    except ratelimit.LimiterDown as exc:  # fail closed, but not as "too many changes": that is not true
        raise ServiceUnreachable(str(exc)) from exc
    if not verdict.allowed:
        raise MoneyRateLimited(retry_after=verdict.retry_after)
