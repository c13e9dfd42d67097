"""The member's sentence when the ledger refuses an amount for the secured balance or the daily limit (pure).

credex-core decides both checks in binary floating point (CreateCredex.ts:36 `securableAmountInDenom <
InitialAmount`; AuthForTierSpendLimit.ts:142), so it can refuse an amount equal to the balance or limit it
shows: after 10.00 USD in and 0.03 out, 9.97 is refused with "maximum securable USD balance is 9.97 USD".
The member reads that the ledger refused it and for which reason (the ledger's own words), and — when the
figure the ledger states is not below the amount, so the bot can tell — that the ledger counts slightly
less than it shows and which amount fits; always that nothing was sent. The bot itself stays Decimal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from credex_api.errors import CredexRejected, InsufficientSecuredBalance
from security.ledger_rules import DECIMAL_PLACES

NOTHING_SENT = "Nothing was sent."
REFUSED = "The ledger refused to send {amount} because of your {what}: {reason}"
REFUSED_NO_AMOUNT = "The ledger refused this because of your {what}: {reason}"
BELOW_SHOWN = (
    "The ledger may count slightly less than the {shown} it shows (it rounds what it shows and computes in "
    "binary fractions), so {amount} did not fit; {smaller} or less should go through."
)
SECURED_REASON = "your secured balance does not cover it"
LIMIT_REASON = "your tier does not allow it"
_NUMBER = r"(-?[\d,]+(?:\.\d+)?)"
_STATED = {
    "secured": re.compile(r"maximum securable (?P<denom>[A-Z]{3}) balance is " + _NUMBER),
    "limit": re.compile(r"only able to issue " + _NUMBER + r" (?P<denom>USD)"),
}


def _show(amount: Decimal, denom: str) -> str:
    places = DECIMAL_PLACES.get(denom, 2)
    return f"{amount:,.{places}f} {denom}"


def _stated(kind: str, reason: str) -> tuple[Decimal, str] | None:
    """The balance or remaining limit the ledger's reason states, with its denomination."""
    match = _STATED[kind].search(reason)
    if match is None:
        return None
    try:
        return Decimal(match.group(2 if kind == "secured" else 1).replace(",", "")), match["denom"]
    except InvalidOperation:
        return None


def _below_shown(kind: str, reason: str, amount: Decimal, denom: str) -> str:
    """The note when the ledger states a figure (rounded) not below the refused amount, else ''."""
    stated = _stated(kind, reason)
    if stated is None or stated[1] != denom or stated[0] < amount:
        return ""
    smaller = amount - Decimal(1).scaleb(-DECIMAL_PLACES.get(denom, 2))
    if smaller <= 0:
        return ""
    shown = _show(stated[0], denom)
    return BELOW_SHOWN.format(shown=shown, amount=_show(amount, denom), smaller=_show(smaller, denom))


def balance_refusal(error: CredexRejected, params: Mapping[str, Any]) -> str:
    """The sentence for an `InsufficientSecuredBalance` or `TierLimitExceeded` refusal of `params`."""
    kind = "secured" if isinstance(error, InsufficientSecuredBalance) else "limit"
    reason = (error.reason or "").strip().removeprefix("Error:").strip()  # credex-core's "Error: Your …"
    reason = reason or (SECURED_REASON if kind == "secured" else LIMIT_REASON)
    reason = reason if reason.endswith((".", "!", "?")) else f"{reason}."
    what = "daily limit" if _STATED["limit"].search(reason) else "membership tier"
    amount, denom = params.get("amount"), params.get("denom")
    if not isinstance(amount, Decimal) or not isinstance(denom, str):
        what = "secured balance" if kind == "secured" else what
        return f"{REFUSED_NO_AMOUNT.format(what=what, reason=reason)} {NOTHING_SENT}"
    what = f"secured {denom} balance" if kind == "secured" else what
    parts = [REFUSED.format(amount=_show(amount, denom), what=what, reason=reason)]
    note = _below_shown(kind, reason, amount, denom)
    if note:
        parts.append(note)
    parts.append(NOTHING_SENT)
    return " ".join(parts)
