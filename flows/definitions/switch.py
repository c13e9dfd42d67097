"""Switch account: choose which of the member's accounts every other flow acts for.

`ids.entry("switch")` (the dashboard row, shown when the member may act for more than one account) or the
word `switch`. The choice is kept in the session (`flows.money.ACTIVE_ACCOUNT`) until the session expires.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credex_api.errors import CredexNotFound
from flows import ids
from flows.flow import Done, Flow, Goto, Reprompt, Result, Step, Turn
from flows.menu import MenuEntry
from flows.money import ACTIVE_ACCOUNT
from flows.state import ConversationState
from flows.types import ListReply, ListRow, ListSection

NAME = "switch"
MAX_ACCOUNTS = 10
BODY = "Which account do you want to use?"
SWITCHED = "You are now using *{name}*."


def _enter(turn: Turn, state: ConversationState) -> Mapping[str, Any]:
    accounts = turn.ledger.login().accounts[:MAX_ACCOUNTS]
    return {"accounts": [[a.account_id, a.name, a.handle] for a in accounts]}


def _list(state: ConversationState) -> ListReply:
    rows = tuple(
        ListRow(
            id=ids.make(NAME, "choose", "pick", str(i)), title=name[:24], description=f"Handle {handle}"[:72]
        )
        for i, (_id, name, handle) in enumerate(state.data["accounts"])
    )
    return ListReply(body=BODY, button="Accounts", sections=(ListSection(title="Your accounts", rows=rows),))


def _pick(turn: Turn, state: ConversationState) -> Result:
    arg = turn.choice.arg if turn.choice else ""
    accounts = state.data["accounts"]
    if not arg.isdigit() or int(arg) >= len(accounts):
        return Reprompt("Please choose an account from the list.")
    account_id, name, _handle = accounts[int(arg)]
    return Done(say=(SWITCHED.format(name=name),), session={ACTIVE_ACCOUNT: account_id})


class Switch(Flow):
    name = NAME
    triggers = ("switch", ids.entry(NAME))
    menu = MenuEntry(
        order=50,
        title="Switch account",
        description=lambda _login, account: account.name[:72],
        when=lambda login, _account: len(login.accounts) > 1,
    )
    steps = (Step("choose", prompt=_list, enter=_enter, choices={"pick": _pick}),)

    def start(self, turn: Turn, session: Mapping[str, Any], arg: str) -> Goto | Done:
        try:
            turn.ledger.login()
        except CredexNotFound:
            return Done()
        return Goto("choose")
