"""Offer credex, or its shorthand (`$5=>+263 77 123 4567`, `0.5->handle=2026-12-31`): amount (a question when
the member holds another denomination) → recipient (handle or phone, `getAccountByHandle`) → secured or not →
due date (unsecured) → confirmation → `createCredex` once, as an instruction. `flows.prechecks` refuses before
the confirmation what the ledger surely would (today's limit, the secured balance); the ledger keeps the last
word. The shorthand jumps to the step that still needs an answer and never executes without Confirm.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from credex_api.errors import CredexNotFound
from flows import ids, prechecks, texts
from flows.flow import Done, Flow, Goto, Reprompt, Result, Step, Turn
from flows.menu import MenuEntry
from flows.money import (
    active_account,
    confirm_buttons,
    issue_confirmation,
    run_confirmed,
    show,
    twin_in_flight,
)
from flows.state import ConversationState
from flows.types import Button, ButtonsReply, TextReply
from security.amounts import InvalidAmount, parse_amount
from security.parse_input import read_amount_text, spoken
from security.validation import (
    InvalidInput,
    check_due_date,
    due_date_quick_pick,
    parse_due_date,
    parse_handle,
)

NAME = "offer"
ACTION = "credex_offer"
SHORTHAND = re.compile(
    r"\s*(?P<amount>[^=<>]*?)\s*(?P<arrow>=>|->)\s*(?P<handle>[^=\s]+(?:\s+[0-9]+)*)"  # phone: spaces
    r"\s*(?:=\s*(?P<due>\S+))?\s*",
    re.ASCII,
)
ASK_AMOUNT = "How much do you want to offer? Type an amount like *50* or *12.50 {denom}*."
ASK_HANDLE = "Who should receive *{amount}*? Type their handle (a member's handle is their phone number)."
ASK_SECURED = (
    "Offer *{amount}* to *{name}* as:\n• *Secured* – backed now by value you hold\n"
    "• *Unsecured* – a promise to pay by a due date"
)
ASK_DUE = "When will you pay? Tap a due date or type one like 21 Dec (from {first} to {last})."
WHICH_DENOM = (
    "Did you mean *{number} {spoken}*? You also hold {others}, so please type the amount with its "
    "denomination: {examples}."
)
UNKNOWN_HANDLE = "I found no account with the handle {handle}. Please check it and type it again."
OWN_ACCOUNT = "That is your own account. Please type the handle of someone else."
CONFIRM = (
    "Please confirm this offer:\n• Amount: *{amount}*\n• Type: *{kind}*{due}\n• From: {source}\n"
    "• To: *{name}* ({handle})\n\nNothing is sent until you tap Confirm."
)
SENT = "Offer sent: {amount} to {name}. It waits for them to accept it."


def _today(turn: Turn) -> date:
    return datetime.fromtimestamp(turn.now, UTC).date()


def _amount_text(data: Mapping[str, Any]) -> str:
    return show(Decimal(data["amount"]), data["denom"])


def _ask_amount(state: ConversationState) -> TextReply:
    return TextReply(body=ASK_AMOUNT.format(denom=state.data.get("default_denom", "USD")))


def _parse(turn: Turn, text: str, account: Mapping[str, Any]) -> dict[str, Any] | str:
    """The amount as step data, or why it cannot be used yet: with no denomination named it is the
    account's default, unless the member also holds another (then a question, never a guess)."""
    try:
        money = parse_amount(text, default_denom=account["default_denom"], max_amount=turn.ctx.max_amount)
    except InvalidAmount as invalid:
        return str(invalid)
    number = format(money.amount, "f")
    others = [denom for denom in account.get("held", ()) if denom != money.denom]
    if others and not read_amount_text(text)[1]:
        examples = " or ".join(f"*{number} {denom}*" for denom in (money.denom, *others))
        return WHICH_DENOM.format(number=number, spoken=spoken(money.denom), others=" and ".join(others),
                                  examples=examples)  # fmt: skip
    return {"amount": number, "denom": money.denom}


def _take_amount(turn: Turn, state: ConversationState) -> Result:
    parsed = _parse(turn, turn.text, {"default_denom": "USD", **state.data})
    if isinstance(parsed, str):
        return Reprompt(parsed)
    said, fresh = prechecks.amount_refusal(turn, state.data, parsed)
    return Reprompt(said, data=fresh) if said else Goto("handle", data={**parsed, **fresh})


def _ask_handle(state: ConversationState) -> TextReply:
    return TextReply(body=ASK_HANDLE.format(amount=_amount_text(state.data)))


def _resolve(turn: Turn, text: str, issuer: str) -> dict[str, Any] | str:
    """The recipient as step data, or the reason to ask for the handle again."""
    try:
        handle = parse_handle(text, own=turn.wa_id)
        found = turn.ledger.account_by_handle(handle=handle)
    except InvalidInput as invalid:
        return str(invalid)
    except CredexNotFound:
        return UNKNOWN_HANDLE.format(handle=text.strip().lower()[:30])
    if found.account_id == issuer:
        return OWN_ACCOUNT
    return {"receiver": found.account_id, "name": found.name, "handle": found.handle}


def _take_handle(turn: Turn, state: ConversationState) -> Result:
    resolved = _resolve(turn, turn.text, state.data["issuer"])
    return Reprompt(resolved) if isinstance(resolved, str) else Goto("secured", data=resolved)


def _ask_secured(state: ConversationState) -> ButtonsReply:
    return ButtonsReply(
        body=ASK_SECURED.format(amount=_amount_text(state.data), name=state.data["name"]),
        buttons=(
            Button(id=ids.make(NAME, "secured", "secured"), title="Secured"),
            Button(id=ids.make(NAME, "secured", "unsecured"), title="Unsecured"),
            Button(id=ids.back(NAME, "secured"), title="Back"),
        ),
    )


def _choose_secured(turn: Turn, state: ConversationState) -> Result:
    said, fresh = prechecks.backing_refusal(turn, state.data)
    return (
        Reprompt(said, data=fresh) if said else Goto("confirm", data={**fresh, "secured": True, "due": None})
    )


def _choose_unsecured(turn: Turn, state: ConversationState) -> Result:
    first, last = (_today(turn).toordinal() + days for days in (7, 34))
    return Goto("due", data={"secured": False, "first": first, "last": last})


def _ask_due(state: ConversationState) -> ButtonsReply:
    first, last = (date.fromordinal(state.data[key]).isoformat() for key in ("first", "last"))
    picks = ((1, "In 1 week"), (2, "In 2 weeks"), (4, "In 4 weeks"))
    return ButtonsReply(
        body=ASK_DUE.format(first=first, last=last),
        buttons=tuple(Button(id=ids.make(NAME, "due", "weeks", str(n)), title=t) for n, t in picks),
    )


def _pick_due(turn: Turn, state: ConversationState) -> Result:
    weeks = turn.choice.arg if turn.choice else ""
    due = due_date_quick_pick(int(weeks), today=_today(turn)) if weeks in ("1", "2", "4") else None
    if due is None:
        return Reprompt("Please tap one of the due dates.")
    return Goto("confirm", data={"due": due.isoformat()})


def _type_due(turn: Turn, state: ConversationState) -> Result:
    try:
        due = parse_due_date(turn.text, today=_today(turn))
    except InvalidInput as invalid:
        return Reprompt(str(invalid))
    return Goto("confirm", data={"due": due.isoformat()})


def _values(state: ConversationState) -> dict[str, Any]:
    keys = ("amount", "denom", "secured", "due", "issuer", "receiver")
    return {key: state.data.get(key) for key in keys}


def _params(values: Mapping[str, Any], name: str) -> dict[str, Any]:
    due = values["due"]
    return {
        "issuer_account_id": values["issuer"], "receiver_account_id": values["receiver"],
        "amount": Decimal(values["amount"]), "denom": values["denom"], "secured": values["secured"],
        "due_date": date.fromisoformat(due) if due else None, "receiver_account_name": name,
    }  # fmt: skip


def _enter_confirm(turn: Turn, state: ConversationState) -> Mapping[str, Any]:
    """The nonce, and whether an identical offer is still in flight (the screen then warns)."""
    values = _values(state)
    params = _params(values, state.data["name"])
    twin = twin_in_flight(turn, ACTION, params)
    return {**issue_confirmation(turn, ACTION, values, params), "twin": twin}


def _ask_confirm(state: ConversationState) -> ButtonsReply:
    data = state.data
    due = f"\n• Due: *{data['due']}*" if data.get("due") else ""
    body = CONFIRM.format(
        amount=_amount_text(data), kind="Secured" if data["secured"] else "Unsecured", due=due,
        source=data["source"], name=data["name"], handle=data["handle"],
    )  # fmt: skip
    if data.get("twin"):
        body = f"{texts.TWIN_IN_FLIGHT}\n\n{body}"
    return ButtonsReply(
        body=body,
        buttons=confirm_buttons(NAME, "confirm", data["nonce"], "Confirm"),
    )


def _send(turn: Turn, state: ConversationState) -> Result:
    values = _values(state)
    due = values["due"]
    if due is not None:
        try:
            check_due_date(date.fromisoformat(due), today=_today(turn))
        except InvalidInput as invalid:
            return Done(say=(f"{invalid} Nothing was sent.",))
    _result, refusal = run_confirmed(turn, ACTION, values, _params(values, state.data["name"]))
    if refusal is not None:
        return Done(say=(refusal,))
    return Done(say=(SENT.format(amount=_amount_text(state.data), name=state.data["name"]),))


def _account_data(turn: Turn, session: Mapping[str, Any]) -> dict[str, Any]:
    login = turn.ledger.login()
    account = active_account(login, session)
    secured = account.balances.secured_net if account.balances else ()
    held = sorted({money.denom for money in secured if money.amount > 0})
    return {
        "issuer": account.account_id, "source": account.name, "default_denom": account.default_denom,
        "held": held, **prechecks.standing(login, account),
    }  # fmt: skip


class Offer(Flow):
    name = NAME
    triggers = ("offer", ids.entry(NAME))
    menu = MenuEntry(order=10, title="Offer credex", description="Promise value to a member")
    entry_steps = ("amount", "handle", "secured", "due", "confirm")
    steps = (
        Step("amount", prompt=_ask_amount, on_text=_take_amount, next=("handle",)),
        Step("handle", prompt=_ask_handle, on_text=_take_handle, next=("secured",)),
        Step(
            "secured",
            prompt=_ask_secured,
            next=("confirm", "due"),
            choices={"secured": _choose_secured, "unsecured": _choose_unsecured},
        ),
        Step("due", prompt=_ask_due, choices={"weeks": _pick_due}, on_text=_type_due, next=("confirm",)),
        Step("confirm", prompt=_ask_confirm, choices={"yes": _send}, enter=_enter_confirm),
    )

    def start(self, turn: Turn, session: Mapping[str, Any], arg: str) -> Goto | Done:
        try:
            return Goto("amount", data=_account_data(turn, session))
        except CredexNotFound:
            return Done()  # not a member yet: home shows the welcome

    def intercept(self, turn: Turn, session: Mapping[str, Any]) -> Goto | None:
        match = SHORTHAND.fullmatch(turn.text)
        if match is None or not match["amount"]:
            return None
        try:
            data = _account_data(turn, session)
        except CredexNotFound:
            return None
        parsed = _parse(turn, match["amount"], data)
        if isinstance(parsed, str):
            return Goto("amount", data=data, say=(parsed,))
        said, _fresh = prechecks.amount_refusal(turn, data, parsed)
        if said:
            return Goto("amount", data=data, say=(said,))
        data.update(parsed)
        resolved = _resolve(turn, match["handle"], data["issuer"])
        if isinstance(resolved, str):
            return Goto("handle", data=data, say=(resolved,))
        data.update(resolved)
        return _shorthand_terms(turn, data, secured=match["arrow"] == "=>", due_text=match["due"])


def _shorthand_terms(turn: Turn, data: dict[str, Any], *, secured: bool, due_text: str | None) -> Goto:
    today = _today(turn)
    if secured:
        said, _fresh = prechecks.backing_refusal(turn, data)
        if said:
            return Goto("secured", data=data, say=(said,))
        say = ("A secured offer has no due date, so I left the date out.",) if due_text else ()
        return Goto("confirm", data={**data, "secured": True, "due": None}, say=say)
    window = {"secured": False, "first": today.toordinal() + 7, "last": today.toordinal() + 34}
    if not due_text:
        due = due_date_quick_pick(4, today=today).isoformat()
        return Goto("confirm", data={**data, **window, "due": due})
    try:
        due = parse_due_date(due_text, today=today)
    except InvalidInput as invalid:
        return Goto("due", data={**data, **window}, say=(str(invalid),))
    return Goto("confirm", data={**data, **window, "due": due.isoformat()})
