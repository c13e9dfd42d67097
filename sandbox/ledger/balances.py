"""Balance rules of one account, computed exactly from its credex rows.

- Securable amount in DEN: group the account's secured DEN credexes by securer; per securer, incoming
  `OWES` outstanding − outgoing `OWES` outstanding − outgoing pending `OFFERS`; the largest single securer
  counts (not the sum); no cross-denomination backing. Outgoing offers reserve their amount at once. This
  one figure is decided in binary floating point like the real ledger (`ledgerfloat.py`); all else is exact.
- `securedNetBalancesByDenom`: per DEN, incoming secured OWES − outgoing secured OWES − outgoing secured
  pending OFFERS.
- Unsecured receivables/payables and net credex assets (all OWES, secured or not) in the default
  denomination at today's rates; pending offers excluded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q

from sandbox.ledger.ledgerfloat import cxx, securable_in_denom
from sandbox.ledger.models import OFFERS, OWES, Credex
from sandbox.ledger.units import ZERO, from_units, units_in

ROW_FIELDS = (
    "credex_id",
    "issuer_id",
    "receiver_id",
    "denomination",
    "initial_units",
    "outstanding_units",
    "status",
    "secured",
    "securer_id",
    "due_date",
    "created_at",
    "issuer__account_name",
    "receiver__account_name",
)


@dataclass(frozen=True)
class Row:
    """The facts of one credex that balances and dashboards need."""

    credex_id: object
    issuer_id: object
    receiver_id: object
    denomination: str
    initial_units: int
    outstanding_units: int
    status: str
    secured: bool
    securer_id: object
    due_date: date | None
    created_at: datetime
    issuer_name: str
    receiver_name: str


def account_rows(account_id: object) -> list[Row]:
    """The account's live credexes (pending offers and debts), oldest first."""
    query = (
        Credex.objects.filter(Q(issuer_id=account_id) | Q(receiver_id=account_id), status__in=(OFFERS, OWES))
        .order_by("id")
        .values_list(*ROW_FIELDS)
    )
    return [Row(*values) for values in query]


class Position:
    """One account's balances, from its rows."""

    def __init__(self, account_id: object, rows: list[Row] | None = None) -> None:
        self.account_id = account_id
        self.rows = account_rows(account_id) if rows is None else rows

    def _signed_secured(self, row: Row) -> int:
        """This row's effect on the account's secured balance, in storage units."""
        if row.status == OWES:
            return row.outstanding_units if row.receiver_id == self.account_id else -row.outstanding_units
        if row.status == OFFERS and row.issuer_id == self.account_id:
            return -row.initial_units
        return 0

    def securable(self, denom: str, rate: Decimal) -> tuple[float, object]:
        """(largest single-securer balance in `denom`, that securer's account id), decided like the ledger.

        A float, as credex-core computes it (`ledgerfloat.py`; GetSecuredAuthorization.ts:53–68): per
        securer, today's-rate CXX of incoming debts summed, minus outgoing debts and pending offers summed.
        """
        incoming: dict[object, list[float]] = defaultdict(list)
        outgoing: dict[object, list[float]] = defaultdict(list)
        for row in self.rows:
            if not row.secured or row.denomination != denom or self._signed_secured(row) == 0:
                continue
            side = incoming if row.receiver_id == self.account_id else outgoing
            side[row.securer_id].append(cxx(from_units(row.outstanding_units), rate))
        securers = dict.fromkeys([*incoming, *outgoing])  # first seen first, as before
        per_securer = {key: securable_in_denom(incoming[key], outgoing[key], rate) for key in securers}
        if not per_securer:
            return 0.0, None
        securer, amount = max(per_securer.items(), key=lambda item: item[1])
        return (amount, securer) if amount > 0 else (0.0, None)

    def secured_net_by_denom(self) -> dict[str, int]:
        """Secured net balance per denomination the account holds or owes (units)."""
        totals: dict[str, int] = {}
        for row in self.rows:
            if not row.secured:
                continue
            if row.status == OFFERS and row.issuer_id != self.account_id:
                continue
            totals[row.denomination] = totals.get(row.denomination, 0) + self._signed_secured(row)
        return dict(sorted(totals.items()))

    def _owes_in(self, target: str, rates: dict[str, Decimal], *, secured: bool | None) -> tuple:
        receivable = payable = ZERO
        for row in self.rows:
            if row.status != OWES or (secured is not None and row.secured != secured):
                continue
            value = units_in(row.outstanding_units, row.denomination, target, rates)
            if row.receiver_id == self.account_id:
                receivable += value
            else:
                payable += value
        return receivable, payable

    def unsecured(self, target: str, rates: dict[str, Decimal]) -> tuple[Decimal, Decimal]:
        """(receivables, payables) of unsecured debts in `target`."""
        return self._owes_in(target, rates, secured=False)

    def net_assets(self, target: str, rates: dict[str, Decimal]) -> Decimal:
        """All incoming minus all outgoing debts, in `target`."""
        receivable, payable = self._owes_in(target, rates, secured=None)
        return receivable - payable

    def pending_in(self) -> list[Row]:
        """Offers waiting for this account to accept or decline."""
        return [r for r in self.rows if r.status == OFFERS and r.receiver_id == self.account_id]

    def pending_out(self) -> list[Row]:
        """Offers this account made that are still waiting."""
        return [r for r in self.rows if r.status == OFFERS and r.issuer_id == self.account_id]
