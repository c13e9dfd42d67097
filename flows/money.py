"""What every ledger-backed flow shares (pure): the active account, amounts as members read them, the
single-use confirmation of a money step, and ledger errors as member sentences.

Confirmation protocol (a money step runs only on a fresh, single-use tap of the values it restated): the
confirmation screen's `enter` calls `issue_confirmation`, which binds a nonce to the member, the action and
exactly the values the screen restates, and keeps the nonce in the step data so the Confirm button id
(`ids.make(flow, step, "yes", nonce)`) is re-rendered identically. Given the parameters it will execute, the
screen also stores the instruction `pending` (`turn.ledger.prepare`) and binds its key to the nonce. The
Confirm handler calls `run_confirmed`: the message must be fresh (its own timestamp within the freshness
window), the nonce must be consumed now and must carry the very values about to be executed; then
`turn.ledger.execute` makes that row's `pending → confirmed` move in the database, which only one tap ever
makes (not even one replayed after the state Redis lost the nonce's use); a tap that finds the row moved
already is told its real outcome (`flows.outcomes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from credex_api.errors import (
    AlreadyProcessed,
    CredexError,
    CredexForbidden,
    CredexInvalid,
    CredexNotFound,
    CredexOutcomeUnknown,
    CredexRejected,
    DuplicateMember,
    InsufficientSecuredBalance,
    TierLimitExceeded,
)
from credex_api.results import Account, LoginResult
from flows import ids
from flows.flow import Goto, Reprompt, Result, Turn
from flows.ports import ConsumeStatus, InstructionNotRun, MoneyRateLimited
from flows.refusals import balance_refusal
from flows.state import ConversationState
from flows.types import Button, ListReply, ListRow, ListSection
from security.ledger_rules import DECIMAL_PLACES, DENOMINATION_NAMES, DENOMINATIONS

ACTIVE_ACCOUNT = "acct"  # session key: the account every flow acts for

STALE_MONEY = (
    "That message reached me too late to act on it safely, so nothing was sent. "
    "Please start again from the menu."
)
CONFIRMATION_USED = "That confirmation was already used, so nothing more was sent."
CONFIRMATION_EXPIRED = "That confirmation has expired, so nothing was sent. Please start again."
CONFIRMATION_FOREIGN = "That confirmation is not yours, so nothing was sent."
OUTCOME_UNKNOWN = (
    "The ledger did not answer in time, so I cannot tell yet whether that went through. "
    "I will check with the ledger; your menu will show the result in a few minutes. Please do not repeat it."
)
TOO_FAST = (
    "You have made several changes in the last minute, so I paused this one. Nothing was sent. "
    "Please wait a minute."
)
NO_LONGER_PENDING = "That offer is no longer pending, so nothing was changed."
ALREADY_MEMBER = "You are already a member, so I did not open a second account."
NOT_ALLOWED = "You are not allowed to do that on this account."
GENERIC_REFUSAL = "The ledger refused that, so nothing was changed."

# Refusals of accept/decline/cancel that mean "that offer is not pending any more" (the ledger's pattern
# match finds no pending offer and answers ACCEPT_FAILED, or NOT_FOUND "already processed").
NOT_PENDING_CODES = frozenset({"ACCEPT_FAILED", "ALREADY_ACCEPTED", "ALREADY_PROCESSED", "CREDEX_NOT_FOUND"})

_CONSUME_SENTENCES = {
    ConsumeStatus.USED: CONFIRMATION_USED,
    ConsumeStatus.EXPIRED: CONFIRMATION_EXPIRED,
    ConsumeStatus.FOREIGN: CONFIRMATION_FOREIGN,
}


def active_account(login: LoginResult, session: Mapping[str, Any]) -> Account:
    """The account the member acts for: the one chosen in this session, else the personal one."""
    chosen = session.get(ACTIVE_ACCOUNT)
    for account in login.accounts:
        if account.account_id == chosen:
            return account
    personal = [account for account in login.accounts if account.account_type == "PERSONAL"]
    return (personal or list(login.accounts))[0]


def show(amount: Decimal, denom: str) -> str:
    """An amount as members read it: `1,234.50 USD` (the denomination's decimals, thousands grouped)."""
    places = DECIMAL_PLACES.get(denom, 2)
    return f"{amount:,.{places}f} {denom}"


def show_money(money: Any) -> str:
    """`show` for any value with `amount` and `denom` (ledger results and parsed amounts alike)."""
    return show(money.amount, money.denom)


def issue_confirmation(
    turn: Turn, action: str, values: Mapping[str, Any], params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A fresh nonce bound to this member, `action` and `values`, as step data for the Confirm button;
    with `params` (what the tap will execute), bound also to the `pending` instruction stored now."""
    prepare = getattr(turn.ledger, "prepare", None) if params is not None else None
    key = prepare(action=action, params=params) if prepare is not None else None
    bound = {"instruction": key} if key is not None else {}
    nonce = turn.ports.confirmations.issue(wa_id=turn.wa_id, action=action, values=dict(values), **bound)
    return {"nonce": nonce}


def twin_in_flight(turn: Turn, action: str, params: Mapping[str, Any]) -> bool:
    """An identical instruction of this member is still `sent` or `unknown` (a port without the check —
    a test's fake — has none)."""
    check = getattr(turn.ledger, "in_flight", None)
    return bool(check(action=action, params=params)) if check is not None else False


def denomination_list(flow: str, body: str) -> ListReply:
    """The list of the five denominations (ids `<flow>:denom:pick:<DEN>`), for onboarding and new accounts."""
    rows = tuple(
        ListRow(id=ids.make(flow, "denom", "pick", denom), title=denom, description=DENOMINATION_NAMES[denom])
        for denom in DENOMINATIONS
    )
    return ListReply(body=body, button="Choose", sections=(ListSection(title="Denominations", rows=rows),))


def pick_denomination(turn: Turn, state: ConversationState) -> Result:
    """The tapped denomination row: on to the confirmation (an unknown one is asked again)."""
    denom = turn.choice.arg if turn.choice else ""
    if denom not in DENOMINATIONS:
        return Reprompt("Please choose one of the denominations in the list.")
    return Goto("confirm", data={"denom": denom})


def confirm_buttons(flow: str, step: str, nonce: str, title: str = "Confirm") -> tuple[Button, ...]:
    """The buttons of every confirmation screen: `title` (carrying the nonce), Back and Cancel."""
    return (
        Button(id=ids.make(flow, step, "yes", nonce), title=title),
        Button(id=ids.back(flow, step), title="Back"),
        Button(id=ids.cancel(flow, step), title="Cancel"),
    )


def refusal_of_tap(turn: Turn, action: str, values: Mapping[str, Any]) -> str | None:
    """None when this tap may execute `values`; otherwise the sentence saying why nothing happens."""
    return _tap(turn, action, values)[0]


def _tap(turn: Turn, action: str, values: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(refusal, None) when nothing may happen, else (None, the pending instruction the nonce binds)."""
    if not -60 <= turn.message_age <= turn.ctx.freshness_seconds:
        return STALE_MONEY, None
    nonce = turn.choice.arg if turn.choice else ""
    result = turn.ports.confirmations.consume(nonce=nonce, wa_id=turn.wa_id, action=action)
    if not result.ok:
        return _CONSUME_SENTENCES[result.status], None
    if not result.matches(values):
        return CONFIRMATION_EXPIRED, None
    return None, result.instruction


def run_confirmed(
    turn: Turn, action: str, values: Mapping[str, Any], params: Mapping[str, Any]
) -> tuple[Any, str | None]:
    """(result, None) after the one execution of `params`, or (None, sentence) when nothing was done."""
    refusal, key = _tap(turn, action, values)
    if refusal is not None:
        return None, refusal
    bound = {"instruction": key} if key is not None else {}
    try:
        return turn.ledger.execute(action=action, params=params, **bound), None
    except InstructionNotRun as not_run:  # tapped before (or replayed): that instruction's real outcome
        return None, not_run.told or CONFIRMATION_USED
    except MoneyRateLimited:
        return None, TOO_FAST
    except CredexOutcomeUnknown:
        return None, OUTCOME_UNKNOWN
    except CredexRejected as error:
        return None, explain(error, params)
    except CredexError:
        raise  # unavailable / busy: the orchestration answers "busy" and keeps the state


def explain(error: CredexRejected, params: Mapping[str, Any] | None = None) -> str:
    """A ledger refusal as a member sentence (the ledger's own reason where it is meant for people).

    Balance and limit refusals of `params` (the refused amount) go through `refusals.balance_refusal`.
    """
    reason = (error.reason or "").strip()
    if isinstance(error, InsufficientSecuredBalance | TierLimitExceeded):
        return balance_refusal(error, params or {})
    if isinstance(error, AlreadyProcessed | CredexNotFound) or error.code in NOT_PENDING_CODES:
        return NO_LONGER_PENDING
    if isinstance(error, CredexForbidden):
        return NOT_ALLOWED
    if isinstance(error, DuplicateMember):
        return ALREADY_MEMBER
    if isinstance(error, CredexInvalid) and reason:
        return f"{reason} Nothing was sent."
    return f"{GENERIC_REFUSAL} {reason}".strip()
