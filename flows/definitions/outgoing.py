"""Outgoing offers: the active account's offers not yet accepted, and cancelling one.

`ids.entry("outgoing")` (the dashboard row) or the word `outgoing` lists them, paged within 10 rows;
choosing one opens its detail with *Cancel offer* (a single-use confirmation bound to that offer) and
*Back*. `cancelCredex` runs once; then the list again while offers remain, else the dashboard.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credex_api.errors import CredexNotFound
from flows import ids
from flows.flow import Done, Flow, Goto, Result, Step, Turn
from flows.menu import MenuEntry
from flows.money import active_account, issue_confirmation, run_confirmed
from flows.offers import amount_of, detail_text, offer_rows, open_offer, page_of, turn_page
from flows.state import ConversationState
from flows.types import Button, ButtonsReply, ListReply, ListSection

NAME = "outgoing"
CANCEL = "credex_cancel"
NONE_LEFT = "You have no outgoing offers waiting right now."
LIST_BODY = "Your offers not yet accepted ({count}). Choose one to see it or cancel it."
CANCELLED = "Cancelled your offer of {amount} to {name}."


def _enter_list(turn: Turn, state: ConversationState) -> Mapping[str, Any] | Done:
    offers = active_account(turn.ledger.login(), state.session).pending_out
    if not offers:
        return Done(say=(NONE_LEFT,))
    page, items = page_of(offers, state.data.get("page", 0))
    return {"page": page, "items": items, "count": len(offers)}


def _list(state: ConversationState) -> ListReply:
    return ListReply(
        body=LIST_BODY.format(count=state.data["count"]),
        button="Offers",
        sections=(ListSection(title="Outgoing offers", rows=tuple(offer_rows(NAME, state.data, "to"))),),
    )


def _values(state: ConversationState) -> dict[str, Any]:
    return {"credex": state.data["chosen"][0]}


def _enter_detail(turn: Turn, state: ConversationState) -> Mapping[str, Any]:
    return issue_confirmation(turn, CANCEL, _values(state), {"credex_id": state.data["chosen"][0]})


def _detail(state: ConversationState) -> ButtonsReply:
    return ButtonsReply(
        body=detail_text(state.data["chosen"], "to"),
        buttons=(
            Button(id=ids.make(NAME, "detail", "cancel_offer", state.data["nonce"]), title="Cancel offer"),
            Button(id=ids.back(NAME, "detail"), title="Back"),
        ),
    )


def _cancel(turn: Turn, state: ConversationState) -> Result:
    chosen = state.data["chosen"]
    _result, refusal = run_confirmed(turn, CANCEL, _values(state), {"credex_id": chosen[0]})
    say = refusal or CANCELLED.format(amount=amount_of(chosen), name=chosen[3])
    return Goto("list", data={"page": 0}, say=(say,))


class Outgoing(Flow):
    name = NAME
    triggers = ("outgoing", ids.entry(NAME))
    menu = MenuEntry(
        order=30,
        title=lambda _login, account: f"Outgoing offers ({len(account.pending_out)})",
        description="Your offers not yet accepted",
    )
    steps = (
        Step(
            "list",
            prompt=_list,
            enter=_enter_list,
            next=("detail", "list"),
            choices={"open": open_offer, "page": turn_page},
        ),
        Step(
            "detail", prompt=_detail, enter=_enter_detail, next=("list",), choices={"cancel_offer": _cancel}
        ),
    )

    def start(self, turn: Turn, session: Mapping[str, Any], arg: str) -> Goto | Done:
        try:
            turn.ledger.login()
        except CredexNotFound:
            return Done()
        return Goto("list", data={"page": 0})
