"""Incoming offers: accept or decline what others offered the active account.

`ids.entry("incoming")` (the dashboard row and the notification's *View offers* quick reply) or the word
`incoming` opens the list of pending incoming offers — amount, from whom, secured or unsecured and due date
— paged within WhatsApp's 10 rows. Choosing one opens its detail, whose *Accept* / *Decline* buttons each
carry a single-use confirmation bound to that one offer; *Accept all* opens a confirmation stating the count
and the totals per denomination (`acceptCredexBulk`). After each action: the result, then the list again
while offers remain, else the dashboard.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credex_api.errors import CredexNotFound
from flows import ids
from flows.flow import Done, Flow, Goto, Result, Step, Turn
from flows.menu import MenuEntry
from flows.money import active_account, confirm_buttons, issue_confirmation, run_confirmed
from flows.offers import amount_of, detail_text, offer_rows, open_offer, page_of, totals, turn_page
from flows.state import ConversationState
from flows.types import Button, ButtonsReply, ListReply, ListRow, ListSection

NAME = "incoming"
ACCEPT, DECLINE, ACCEPT_ALL = "credex_accept", "credex_decline", "credex_accept_bulk"
NONE_LEFT = "You have no incoming offers right now."
LIST_BODY = "Offers waiting for your answer ({count}). Choose one to accept or decline it."
ALL_BODY = "Accept all {count} incoming offers, totalling *{totals}*?"
ACCEPTED = "Accepted {amount} from {name}."
DECLINED = "Declined {amount} from {name}."
ALL_ACCEPTED = "Accepted {accepted} offer(s)."


def _enter_list(turn: Turn, state: ConversationState) -> Mapping[str, Any] | Done:
    account = active_account(turn.ledger.login(), state.session)
    offers = account.pending_in
    if not offers:
        return Done(say=(NONE_LEFT,))
    page, items = page_of(offers, state.data.get("page", 0))
    return {"page": page, "items": items, "count": len(offers)}


def _list(state: ConversationState) -> ListReply:
    data = state.data
    rows = offer_rows(NAME, data, "from")
    if data["count"] > 1:
        rows.insert(
            len(data["items"]),
            ListRow(id=ids.make(NAME, "list", "all"), title=f"Accept all ({data['count']})"),
        )
    return ListReply(
        body=LIST_BODY.format(count=data["count"]),
        button="Offers",
        sections=(ListSection(title="Incoming offers", rows=tuple(rows)),),
    )


def _values(state: ConversationState) -> dict[str, Any]:
    return {"credex": state.data["chosen"][0]}


def _enter_detail(turn: Turn, state: ConversationState) -> Mapping[str, Any]:
    params = {"credex_id": state.data["chosen"][0]}
    accept = issue_confirmation(turn, ACCEPT, _values(state), params)["nonce"]
    decline = issue_confirmation(turn, DECLINE, _values(state), params)["nonce"]
    return {"n_accept": accept, "n_decline": decline}


def _detail(state: ConversationState) -> ButtonsReply:
    return ButtonsReply(
        body=detail_text(state.data["chosen"], "from"),
        buttons=(
            Button(id=ids.make(NAME, "detail", "accept", state.data["n_accept"]), title="Accept"),
            Button(id=ids.make(NAME, "detail", "decline", state.data["n_decline"]), title="Decline"),
            Button(id=ids.back(NAME, "detail"), title="Back"),
        ),
    )


def _act(turn: Turn, state: ConversationState, action: str, done_text: str) -> Result:
    chosen = state.data["chosen"]
    params = {"credex_id": chosen[0]}
    _result, refusal = run_confirmed(turn, action, _values(state), params)
    say = refusal or done_text.format(amount=amount_of(chosen), name=chosen[3])
    return Goto("list", data={"page": 0}, say=(say,))


def _accept(turn: Turn, state: ConversationState) -> Result:
    return _act(turn, state, ACCEPT, ACCEPTED)


def _decline(turn: Turn, state: ConversationState) -> Result:
    return _act(turn, state, DECLINE, DECLINED)


def _open_all(turn: Turn, state: ConversationState) -> Result:
    return Goto("all")


def _enter_all(turn: Turn, state: ConversationState) -> Mapping[str, Any] | Done:
    account = active_account(turn.ledger.login(), state.session)
    if not account.pending_in:
        return Done(say=(NONE_LEFT,))
    everything = [
        [o.credex_id, format(o.amount.amount.copy_abs(), "f"), o.amount.denom] for o in account.pending_in
    ]
    values = {"credexes": sorted(item[0] for item in everything)}
    bound = issue_confirmation(turn, ACCEPT_ALL, values, {"credex_ids": values["credexes"]})
    return {**bound, "bulk": values["credexes"],
            "bulk_totals": totals(everything), "bulk_count": len(everything)}  # fmt: skip


def _all(state: ConversationState) -> ButtonsReply:
    data = state.data
    return ButtonsReply(
        body=ALL_BODY.format(count=data["bulk_count"], totals=data["bulk_totals"]),
        buttons=confirm_buttons(NAME, "all", data["nonce"], "Accept all"),
    )


def _accept_all(turn: Turn, state: ConversationState) -> Result:
    values = {"credexes": list(state.data["bulk"])}
    result, refusal = run_confirmed(turn, ACCEPT_ALL, values, {"credex_ids": values["credexes"]})
    if refusal is not None:
        return Done(say=(refusal,))
    accepted = len(result.accepted) + len(result.already_accepted)
    return Done(say=(ALL_ACCEPTED.format(accepted=accepted),))


class Incoming(Flow):
    name = NAME
    triggers = ("incoming", ids.entry(NAME))
    menu = MenuEntry(
        order=20,
        title=lambda _login, account: f"Incoming offers ({len(account.pending_in)})",
        description="Offers waiting for your answer",
    )
    steps = (
        Step(
            "list",
            prompt=_list,
            enter=_enter_list,
            next=("detail", "all", "list"),
            choices={"open": open_offer, "page": turn_page, "all": _open_all},
        ),
        Step(
            "detail",
            prompt=_detail,
            enter=_enter_detail,
            next=("list",),
            choices={"accept": _accept, "decline": _decline},
        ),
        Step("all", prompt=_all, enter=_enter_all, choices={"yes": _accept_all}),
    )

    def start(self, turn: Turn, session: Mapping[str, Any], arg: str) -> Goto | Done:
        try:
            turn.ledger.login()
        except CredexNotFound:
            return Done()
        return Goto("list", data={"page": 0})
