"""Manage members: the owner of an account, on tier 4 or above, chooses who may act for it and who receives
its offer notifications.

`ids.entry("members")` (the dashboard row for owned accounts from tier 4) or the word `members`. The list
shows the authorised members (the ledger's `authFor`); choosing one offers *Remove* (`unauthorizeForAccount`)
and *Send offers here* (`updateSendOffersTo`), each a single-use confirmation bound to that member;
*Add a member* asks for their handle, restates who it is, and authorises them (`authorizeForAccount`) on
*Confirm*. Every change runs once as an instruction; then the list again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credex_api.errors import CredexNotFound
from flows import ids
from flows.flow import Done, Flow, Goto, Reprompt, Result, Step, Turn
from flows.menu import MenuEntry
from flows.money import active_account, confirm_buttons, issue_confirmation, run_confirmed
from flows.state import ConversationState
from flows.types import Button, ButtonsReply, ListReply, ListRow, ListSection, TextReply
from security.validation import InvalidInput, parse_handle

NAME = "members"
ADD, REMOVE, RECIPIENT = "account_authorize", "account_unauthorize", "send_offers_to_update"
MAX_AUTHORIZED = 5
NOT_OWNER = "Only the owner of this account can manage its members."
NEEDS_TIER = "Managing members needs the Entrepreneur tier."
LIST_BODY = "Members who may act for *{account}*. Choose one to change it, or add a member."
MEMBER_BODY = "*{name}* may act for *{account}*.{recipient}"
ASK_HANDLE = "Type the handle of the member to add (their phone number, like 263771234567)."
CONFIRM_ADD = "Allow *{name}* ({handle}) to act for *{account}*? They can offer and accept credex for it."
UNKNOWN = "I found no member with the handle {handle}. Please check it and type it again."


def _enter_list(turn: Turn, state: ConversationState) -> Mapping[str, Any]:
    account = active_account(turn.ledger.login(), state.session)
    people = [[m.member_id, f"{m.first_name} {m.last_name}".strip()] for m in account.authorized]
    return {"account": account.account_id, "account_name": account.name, "people": people,
            "recipient": account.send_offers_to or ""}  # fmt: skip


def _list(state: ConversationState) -> ListReply:
    data = state.data
    rows = [
        ListRow(id=ids.make(NAME, "list", "open", str(index)), title=name[:24] or "Member",
                description="Gets offer notifications" if member_id == data["recipient"] else "May act here")
        for index, (member_id, name) in enumerate(data["people"])
    ]  # fmt: skip
    if len(data["people"]) < MAX_AUTHORIZED + 1:
        rows.append(ListRow(id=ids.make(NAME, "list", "add"), title="Add a member"))
    body = LIST_BODY.format(account=data["account_name"])
    return ListReply(body=body, button="Members", sections=(ListSection(title="Members", rows=tuple(rows)),))


def _open(turn: Turn, state: ConversationState) -> Result:
    arg = turn.choice.arg if turn.choice else ""
    people = state.data["people"]
    if not arg.isdigit() or int(arg) >= len(people):
        return Reprompt("Please choose a member from the list.")
    return Goto("member", data={"chosen": people[int(arg)]})


def _values(state: ConversationState) -> dict[str, Any]:
    return {"account": state.data["account"], "member": state.data["chosen"][0]}


def _change_params(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"account_id": values["account"], "member_id": values["member"]}


def _enter_member(turn: Turn, state: ConversationState) -> Mapping[str, Any]:
    values = _values(state)
    params = _change_params(values)
    remove = issue_confirmation(turn, REMOVE, values, params)["nonce"]
    recipient = issue_confirmation(turn, RECIPIENT, values, params)["nonce"]
    return {"n_remove": remove, "n_recipient": recipient}


def _member(state: ConversationState) -> ButtonsReply:
    data = state.data
    note = "\nThey receive its offer notifications." if data["chosen"][0] == data["recipient"] else ""
    return ButtonsReply(
        body=MEMBER_BODY.format(name=data["chosen"][1], account=data["account_name"], recipient=note),
        buttons=(
            Button(id=ids.make(NAME, "member", "remove", data["n_remove"]), title="Remove"),
            Button(id=ids.make(NAME, "member", "recipient", data["n_recipient"]), title="Send offers here"),
            Button(id=ids.back(NAME, "member"), title="Back"),
        ),
    )


def _change(turn: Turn, state: ConversationState, action: str, done: str) -> Result:
    values = _values(state)
    _result, refusal = run_confirmed(turn, action, values, _change_params(values))
    return Goto("list", say=(refusal or done.format(name=state.data["chosen"][1]),))


def _remove(turn: Turn, state: ConversationState) -> Result:
    return _change(turn, state, REMOVE, "{name} may no longer act for this account.")


def _recipient(turn: Turn, state: ConversationState) -> Result:
    return _change(turn, state, RECIPIENT, "{name} now receives this account's offer notifications.")


def _start_add(turn: Turn, state: ConversationState) -> Result:
    return Goto("add")


def _ask_handle(state: ConversationState) -> TextReply:
    return TextReply(body=ASK_HANDLE)


def _take_handle(turn: Turn, state: ConversationState) -> Result:
    try:
        handle = parse_handle(turn.text, own=turn.wa_id)
        found = turn.ledger.account_by_handle(handle=handle)
    except InvalidInput as invalid:
        return Reprompt(str(invalid))
    except CredexNotFound:
        return Reprompt(UNKNOWN.format(handle=turn.text.strip().lower()[:30]))
    return Goto("confirm_add", data={"handle": handle, "name": found.name})


def _add_values(state: ConversationState) -> dict[str, Any]:
    return {"account": state.data["account"], "handle": state.data["handle"]}


def _add_params(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"account_id": values["account"], "member_handle": values["handle"]}


def _enter_confirm_add(turn: Turn, state: ConversationState) -> Mapping[str, Any]:
    values = _add_values(state)
    return issue_confirmation(turn, ADD, values, _add_params(values))


def _confirm_add(state: ConversationState) -> ButtonsReply:
    data = state.data
    return ButtonsReply(
        body=CONFIRM_ADD.format(name=data["name"], handle=data["handle"], account=data["account_name"]),
        buttons=confirm_buttons(NAME, "confirm_add", data["nonce"], "Confirm"),
    )


def _add(turn: Turn, state: ConversationState) -> Result:
    values = _add_values(state)
    _result, refusal = run_confirmed(turn, ADD, values, _add_params(values))
    return Goto("list", say=(refusal or f"{state.data['name']} may now act for this account.",))


class Members(Flow):
    name = NAME
    triggers = ("members", ids.entry(NAME))
    menu = MenuEntry(
        order=70,
        title="Manage members",
        description="Who acts, who is notified",
        min_tier=4,
        when=lambda _login, account: account.is_owned,
    )
    steps = (
        Step(
            "list",
            prompt=_list,
            enter=_enter_list,
            next=("member", "add"),
            choices={"open": _open, "add": _start_add},
        ),
        Step(
            "member",
            prompt=_member,
            enter=_enter_member,
            next=("list",),
            choices={"remove": _remove, "recipient": _recipient},
        ),
        Step("add", prompt=_ask_handle, on_text=_take_handle, next=("confirm_add",)),
        Step(
            "confirm_add",
            prompt=_confirm_add,
            enter=_enter_confirm_add,
            next=("list",),
            choices={"yes": _add},
        ),
    )

    def start(self, turn: Turn, session: Mapping[str, Any], arg: str) -> Goto | Done:
        try:
            login = turn.ledger.login()
        except CredexNotFound:
            return Done()
        account = active_account(login, session)
        if not account.is_owned:
            return Done(say=(NOT_OWNER,))
        return Goto("list") if login.member.tier >= 4 else Done(say=(NEEDS_TIER,))
