"""Create account: a member on tier 3 or above opens another account, e.g. for a business.

`ids.entry("create_account")` (the dashboard row, shown from tier 3) or the words `new account`. Steps:
account name (3–50 letters, digits, spaces or hyphens) → handle (the ledger's rule; a handle already in use
is asked again) → default denomination → confirmation → `createAccount`, once, as an instruction; the new
account becomes the active one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credex_api.errors import CredexNotFound
from flows import ids
from flows.flow import Done, Flow, Goto, Reprompt, Result, Step, Turn
from flows.menu import MenuEntry
from flows.money import (
    ACTIVE_ACCOUNT,
    confirm_buttons,
    denomination_list,
    issue_confirmation,
    pick_denomination,
    run_confirmed,
)
from flows.state import ConversationState
from flows.types import ButtonsReply, ListReply, TextReply
from security.validation import InvalidInput, parse_account_name, parse_handle

NAME = "create_account"
ACTION = "account_create"
ACCOUNT_TYPE = "BUSINESS"
NEEDS_TIER = "Opening more accounts needs the Hustler tier. Tap *Upgrade tier* on your menu to get it."
ASK_NAME = "What should the new account be called? (3–50 letters, digits, spaces or hyphens)"
ASK_HANDLE = "Choose a handle for *{name}*: 3–30 lower-case letters, digits or _ (like tendai_shop)."
HANDLE_TAKEN = "The handle {handle} is already in use. Please choose another."
ASK_DENOM = "Which denomination should *{name}* show amounts in?"
CONFIRM = "Open this account?\n• Name: *{name}*\n• Handle: *{handle}*\n• Denomination: *{denom}*"
OPENED = "Your account *{name}* is open, and it is now the account you are using."


def _ask_name(state: ConversationState) -> TextReply:
    return TextReply(body=ASK_NAME)


def _take_name(turn: Turn, state: ConversationState) -> Result:
    try:
        return Goto("handle", data={"name": parse_account_name(turn.text)})
    except InvalidInput as invalid:
        return Reprompt(str(invalid))


def _ask_handle(state: ConversationState) -> TextReply:
    return TextReply(body=ASK_HANDLE.format(name=state.data["name"]))


def _take_handle(turn: Turn, state: ConversationState) -> Result:
    try:
        handle = parse_handle(turn.text)
    except InvalidInput as invalid:
        return Reprompt(str(invalid))
    try:
        turn.ledger.account_by_handle(handle=handle)
    except CredexNotFound:
        return Goto("denom", data={"handle": handle})
    return Reprompt(HANDLE_TAKEN.format(handle=handle))


def _ask_denom(state: ConversationState) -> ListReply:
    return denomination_list(NAME, ASK_DENOM.format(name=state.data["name"]))


def _values(state: ConversationState) -> dict[str, Any]:
    return {key: state.data[key] for key in ("name", "handle", "denom")}


def _params(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"account_type": ACCOUNT_TYPE, "name": values["name"], "handle": values["handle"],
            "default_denom": values["denom"]}  # fmt: skip


def _enter_confirm(turn: Turn, state: ConversationState) -> Mapping[str, Any]:
    return issue_confirmation(turn, ACTION, _values(state), _params(_values(state)))


def _ask_confirm(state: ConversationState) -> ButtonsReply:
    return ButtonsReply(
        body=CONFIRM.format(**_values(state)),
        buttons=confirm_buttons(NAME, "confirm", state.data["nonce"], "Open account"),
    )


def _open(turn: Turn, state: ConversationState) -> Result:
    values = _values(state)
    result, refusal = run_confirmed(turn, ACTION, values, _params(values))
    if refusal is not None:
        return Done(say=(refusal,))
    return Done(say=(OPENED.format(name=values["name"]),), session={ACTIVE_ACCOUNT: result.account_id})


class CreateAccount(Flow):
    name = NAME
    triggers = ("new account", ids.entry(NAME))
    menu = MenuEntry(order=60, title="Create account", description="E.g. for a business", min_tier=3)
    steps = (
        Step("name", prompt=_ask_name, on_text=_take_name, next=("handle",)),
        Step("handle", prompt=_ask_handle, on_text=_take_handle, next=("denom",)),
        Step("denom", prompt=_ask_denom, choices={"pick": pick_denomination}, next=("confirm",)),
        Step("confirm", prompt=_ask_confirm, choices={"yes": _open}, enter=_enter_confirm),
    )

    def start(self, turn: Turn, session: Mapping[str, Any], arg: str) -> Goto | Done:
        try:
            login = turn.ledger.login()
        except CredexNotFound:
            return Done()
        return Goto("name") if login.member.tier >= 3 else Done(say=(NEEDS_TIER,))
