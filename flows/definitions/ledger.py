"""Ledger: the active account's accepted credexes, 7 per page, and one credex's detail.

`ids.entry("ledger")` or the word `ledger`. Each row shows the signed amount (negative when the account
owes it), the counterparty and the date; *Previous* / *Next* page through `getLedger`. Choosing a row opens
`getCredex`: outstanding, redeemed and defaulted amounts, status and due date, with *Back* and *Menu*.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from credex_api.errors import CredexNotFound
from flows import ids
from flows.flow import Done, Flow, Goto, Reprompt, Result, Step, Turn
from flows.menu import MenuEntry
from flows.money import active_account, show, show_money
from flows.state import ConversationState
from flows.types import Button, ButtonsReply, ListReply, ListRow, ListSection

NAME = "ledger"
PAGE_ROWS = 7
EMPTY = "Your ledger has no accepted credex yet."
PAGE_BODY = "Your ledger, entries {first}–{last}. Choose one to see its details."


def _enter_page(turn: Turn, state: ConversationState) -> Mapping[str, Any] | Done:
    start = state.data.get("start", 0)
    page = turn.ledger.ledger_page(account_id=state.data["account"], start_row=start, num_rows=PAGE_ROWS)
    if not page.entries and start == 0:
        return Done(say=(EMPTY,))
    entries = [
        [e.credex_id, format(e.amount.amount, "f"), e.amount.denom, e.counterparty_name,
         e.timestamp.date().isoformat() if e.timestamp else ""]
        for e in page.entries[:PAGE_ROWS]
    ]  # fmt: skip
    more = bool(page.has_more) if page.has_more is not None else len(page.entries) >= PAGE_ROWS
    return {"entries": entries, "more": more}


def _signed(entry: list[Any]) -> str:
    amount = Decimal(entry[1])
    return ("+" if amount > 0 else "") + show(amount, entry[2])


def _page(state: ConversationState) -> ListReply:
    data = state.data
    rows = [
        ListRow(id=ids.make(NAME, "page", "open", str(index)), title=_signed(entry)[:24],
                description=f"{entry[3][:50]} · {entry[4]}"[:72])
        for index, entry in enumerate(data["entries"])
    ]  # fmt: skip
    if data["start"] > 0:
        rows.append(ListRow(id=ids.make(NAME, "page", "turn", str(max(0, data["start"] - PAGE_ROWS))),
                            title="Previous"))  # fmt: skip
    if data["more"]:
        rows.append(ListRow(id=ids.make(NAME, "page", "turn", str(data["start"] + PAGE_ROWS)), title="Next"))
    first = data["start"] + 1
    body = PAGE_BODY.format(first=first, last=data["start"] + len(data["entries"]))
    return ListReply(body=body, button="Entries", sections=(ListSection(title="Ledger", rows=tuple(rows)),))


def _turn(turn: Turn, state: ConversationState) -> Result:
    arg = turn.choice.arg if turn.choice else ""
    return Goto("page", data={"start": int(arg) if arg.isdigit() else 0})


def _open(turn: Turn, state: ConversationState) -> Result:
    arg = turn.choice.arg if turn.choice else ""
    entries = state.data["entries"]
    if not arg.isdigit() or int(arg) >= len(entries):
        return Reprompt("Please choose an entry from the list.")
    return Goto("detail", data={"credex": entries[int(arg)][0]})


def _enter_detail(turn: Turn, state: ConversationState) -> Mapping[str, Any]:
    detail = turn.ledger.credex_detail(credex_id=state.data["credex"], account_id=state.data["account"])
    lines = [
        f"*{show_money(detail.amount)}* with *{detail.counterparty_name}*",
        f"• Type: {'secured' if detail.secured else 'unsecured'} · status {detail.transaction_type}",
    ]
    for label, money in (("Outstanding", detail.outstanding), ("Redeemed", detail.redeemed),
                         ("Defaulted", detail.defaulted)):  # fmt: skip
        if money is not None:
            lines.append(f"• {label}: {show_money(money)}")
    if detail.due_date:
        lines.append(f"• Due: {detail.due_date.isoformat()}")
    return {"detail": "\n".join(lines)}


def _detail(state: ConversationState) -> ButtonsReply:
    return ButtonsReply(
        body=state.data["detail"],
        buttons=(
            Button(id=ids.back(NAME, "detail"), title="Back"),
            Button(id=ids.menu(NAME, "detail"), title="Menu"),
        ),
    )


class Ledger(Flow):
    name = NAME
    triggers = ("ledger", ids.entry(NAME))
    menu = MenuEntry(order=40, title="Ledger", description="Your accepted credex")
    steps = (
        Step(
            "page",
            prompt=_page,
            enter=_enter_page,
            next=("detail", "page"),
            choices={"open": _open, "turn": _turn},
        ),
        Step("detail", prompt=_detail, enter=_enter_detail),
    )

    def start(self, turn: Turn, session: Mapping[str, Any], arg: str) -> Goto | Done:
        try:
            account = active_account(turn.ledger.login(), session)
        except CredexNotFound:
            return Done()
        return Goto("page", data={"account": account.account_id, "start": 0})
