"""The ledger endpoint: a page of an account's accepted credexes (`getLedger`)."""

from __future__ import annotations

from credex_api import validation as v
from credex_api.dashboard import expect_type
from credex_api.endpoints.base import Endpoint
from credex_api.normalise import Reader
from credex_api.responses import Envelope
from credex_api.results import (
    LedgerEntry,
    LedgerPage,
)


def ledger_body(*, account_id: str, start_row: int = 0, num_rows: int = 10) -> dict:
    """The first page leaves `startRow` out: credex-core's getLedger schema refuses 0
    (validatePositiveInteger) and its controller reads an absent startRow as row 0."""
    start, count = v.check_page(start_row, num_rows)
    body = {"accountID": v.check_uuid(account_id, "accountID"), "numRows": count}
    return body | ({"startRow": start} if start else {})


def _ledger_entry(r: Reader) -> LedgerEntry:
    formatted = r.opt_text("formattedAmount") or r.opt_text("formattedInitialAmount")
    amount = Reader({"v": formatted}, r.where("formattedAmount")).money("v")
    return LedgerEntry(
        credex_id=r.text("credexID"),
        amount=amount,
        counterparty_name=r.opt_text("counterpartyAccountName") or "",
        timestamp=r.opt_datetime("timestamp"),
        entry_type=r.opt_text("type"),
        description=r.opt_text("description"),
    )


def ledger_page_of(envelope: Envelope, start_row: int, num_rows: int) -> LedgerPage:
    """The entries from `details.ledger` (or the dashboard's copy) and the pagination, when given."""
    expect_type(envelope, "LEDGER_RETRIEVED")
    d = envelope.details
    entries = tuple(_ledger_entry(item) for item in d.items("ledger"))
    dashboard = envelope.dashboard if isinstance(envelope.dashboard, dict) else {}
    page = dashboard.get("pagination")
    if isinstance(page, dict):
        p = Reader(page, "$.data.dashboard.pagination")
        start_row, num_rows = p.integer("startRow"), p.integer("numRows")
        return LedgerPage(d.text("accountID"), entries, start_row, num_rows, p.flag("hasMore", default=False))
    return LedgerPage(d.text("accountID"), entries, start_row, num_rows, None)


GET = Endpoint(
    "getLedger",
    service="ledger_get",
    body=ledger_body,
    parse=lambda envelope, body: ledger_page_of(envelope, body.get("startRow", 0), body["numRows"]),
    result=LedgerPage,
    doc="A page of the account's accepted credexes, oldest first.",
)
ENDPOINTS = (GET,)
