"""Pending offers as screens, shared by the incoming and outgoing flows (pure).

An offer is kept in step data as a compact list `[credex_id, amount, denom, counterparty, secured, due]`
(strings and a bool), one page at a time, so the stored state stays small. Lists page within WhatsApp's
10-row limit: `PAGE_SIZE` offers plus up to three action rows (accept all, previous, next). The list rows,
the tap on one and the page turns are shared here (`offer_rows`, `open_offer`, `turn_page`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from credex_api.results import Offer
from flows import ids
from flows.flow import Goto, Reprompt, Result, Turn
from flows.money import show
from flows.state import ConversationState
from flows.types import ListRow

PAGE_SIZE = 7
NAME_IN_ROW = 40


def compact(offer: Offer) -> list[Any]:
    """The stored form of one pending offer (amounts as exact strings)."""
    amount = offer.amount.amount.copy_abs()
    due = offer.due_date.isoformat() if offer.due_date else ""
    return [
        offer.credex_id,
        format(amount, "f"),
        offer.amount.denom,
        offer.counterparty_name,
        offer.secured,
        due,
    ]


def page_of(offers: Sequence[Offer], page: int) -> tuple[int, list[list[Any]]]:
    """The page number actually shown (clamped) and its offers in stored form."""
    last = max(0, (len(offers) - 1) // PAGE_SIZE)
    page = min(max(0, page), last)
    return page, [compact(offer) for offer in offers[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]]


def amount_of(item: Sequence[Any]) -> str:
    return show(Decimal(item[1]), item[2])


def terms_of(item: Sequence[Any]) -> str:
    """ "secured" or "unsecured, due 2026-12-31"."""
    return "secured" if item[4] else f"unsecured, due {item[5] or 'not set'}"


def row_description(item: Sequence[Any], direction: str) -> str:
    """`from Tendai Moyo · secured` (direction: "from" or "to"), within the row's 72 characters."""
    return f"{direction} {item[3][:NAME_IN_ROW]} · {terms_of(item)}"[:72]


def detail_text(item: Sequence[Any], direction: str) -> str:
    """The detail screen's restatement of one offer."""
    return f"*{amount_of(item)}* {direction} *{item[3]}*\n• Type: {terms_of(item)}\n• Credex id: `{item[0]}`"


def totals(items: Sequence[Sequence[Any]]) -> str:
    """Totals per denomination: `12.50 USD + 0.0100 XAU`."""
    sums: dict[str, Decimal] = {}
    for item in items:
        sums[item[2]] = sums.get(item[2], Decimal(0)) + Decimal(item[1])
    return " + ".join(show(amount, denom) for denom, amount in sorted(sums.items()))


def offer_rows(flow: str, data: Mapping[str, Any], direction: str) -> list[ListRow]:
    """The rows of one page of offers (ids `<flow>:list:open:<index>`), then Previous / Next page rows."""
    rows = [
        ListRow(id=ids.make(flow, "list", "open", str(index)), title=amount_of(item)[:24],
                description=row_description(item, direction))
        for index, item in enumerate(data["items"])
    ]  # fmt: skip
    return rows + page_rows(flow, data["page"], data["count"])


def page_rows(flow: str, page: int, count: int) -> list[ListRow]:
    rows = []
    if page > 0:
        rows.append(ListRow(id=ids.make(flow, "list", "page", str(page - 1)), title="Previous page"))
    if (page + 1) * PAGE_SIZE < count:
        rows.append(ListRow(id=ids.make(flow, "list", "page", str(page + 1)), title="Next page"))
    return rows


def open_offer(turn: Turn, state: ConversationState) -> Result:
    """A tapped list row: that offer's detail (an index the page does not have is asked again)."""
    arg = turn.choice.arg if turn.choice else ""
    items = state.data["items"]
    if not arg.isdigit() or int(arg) >= len(items):
        return Reprompt("Please choose an offer from the list.")
    return Goto("detail", data={"chosen": items[int(arg)]})


def turn_page(turn: Turn, state: ConversationState) -> Result:
    arg = turn.choice.arg if turn.choice else ""
    return Goto("list", data={"page": int(arg) if arg.isdigit() else 0})
