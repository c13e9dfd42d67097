"""An offer checked against the member's dashboard before its confirmation screen (pure).

The ledger's own checks, mirrored so a member hears what they can do before Confirm rather than a refusal
after it (credex-core, which stays the last word: a refusal at Confirm is still explained by `flows.money`):

- secured balance: `src/api/Credex/services/CreateCredex.ts` refuses when `securableAmountInDenom <
  InitialAmount`, the securable amount being the best single securer's net in that denomination
  (`GetSecuredAuthorization.ts`). The dashboard's `securedNetBalancesByDenom` sums every securer, so an
  amount above it is surely refused (an account the Credex Foundation audited may secure without limit;
  members of this bot hold no such account).
- daily limit: `src/api/Member/services/AuthForTierSpendLimit.ts` — tiers 1 and 2 may issue 10 / 100 USD a
  day (every credex of every account the owner holds still offered or owed); applied to every offer, as
  newer builds and the sandbox do (the API contract §3.5; `createCredex.ts` v1 asked only for secured
  ones). Its "no unsecured credex on the open tier" is not enforced in practice (contract §3.4), so the bot
  does not check it either. The dashboard's `remainingAvailableUSD` (`GetMemberDashboardByPhone.ts`) is
  what is left today, shown for the logged-in member: checked only for an account that member owns, and
  only for USD amounts (others need the day's rate, which the bot does not hold; the ledger decides them
  at Confirm).
- due date: `security.validation.parse_due_date` already keeps typed dates inside the window.

The standing (USD left today, secured balances) is kept in step data when the flow starts, from the
login that turn makes anyway; a check that would refuse reads the dashboard afresh before saying so, so a
member is never held back by a stale figure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from credex_api.results import Account, LoginResult
from flows.flow import Turn
from security.ledger_rules import DECIMAL_PLACES

LIMIT_LEFT = (
    "You can offer {left} more today (your tier's daily limit renews at midnight UTC). "
    "Please type a smaller amount."
)
LIMIT_USED = (
    "You have used today's limit for your tier, so you can offer more after midnight UTC. "
    "Type *cancel* to stop, or upgrade your tier from the menu."
)
NO_BACKING = "You have no {denom} to back this: send it unsecured{other}."
SHORT_BACKING = "You have only {held} to back this: send it unsecured, or go back and offer {held} or less."

Check = Callable[[Mapping[str, Any]], str | None]
Verdict = tuple[str | None, dict[str, Any]]  # (the refusal or None, fresher standing for the step data)


def _show(amount: Decimal, denom: str) -> str:
    return f"{amount:,.{DECIMAL_PLACES.get(denom, 2)}f} {denom}"


def standing(login: LoginResult, account: Account) -> dict[str, Any]:
    """The step data the checks read: USD the owner may still offer today, and the secured balances."""
    member = login.member
    left = member.remaining_available_usd if member is not None else None
    balances = account.balances.secured_net if account.balances is not None else ()
    return {
        "owned": account.is_owned and member is not None,
        "left_usd": format(left, "f") if left is not None else None,
        "backing": {money.denom: format(money.amount, "f") for money in balances},
    }


def over_limit(amount: Decimal, denom: str) -> Check:
    """The refusal of `amount` over the USD the owner may still offer today (None: the ledger decides)."""

    def check(data: Mapping[str, Any]) -> str | None:
        left = data.get("left_usd")
        if not data.get("owned") or left is None or denom != "USD" or amount <= Decimal(left):
            return None
        return LIMIT_LEFT.format(left=_show(Decimal(left), "USD")) if Decimal(left) > 0 else LIMIT_USED

    return check


def over_backing(amount: Decimal, denom: str) -> Check:
    """The refusal of a secured `amount` over the secured balance held in `denom`."""

    def check(data: Mapping[str, Any]) -> str | None:
        backing = {key: Decimal(value) for key, value in (data.get("backing") or {}).items()}
        held = backing.get(denom, Decimal(0))
        if amount <= held:
            return None
        if held > 0:
            return SHORT_BACKING.format(held=_show(held, denom))
        other = [key for key, value in backing.items() if key != denom and value > 0]
        return NO_BACKING.format(denom=denom, other=f" or offer {' or '.join(other)}" if other else "")

    return check


def refusal(turn: Turn, data: Mapping[str, Any], check: Check) -> Verdict:
    """(sentence, fresher standing) when `check` refuses on the dashboard read now, else (None, {}).

    The standing kept in `data` decides a pass; a refusal is confirmed on this turn's login first."""
    if check(data) is None:
        return None, {}
    login = turn.ledger.login()
    account = next((a for a in login.accounts if a.account_id == data.get("issuer")), None)
    if account is None:
        return None, {}  # the account is gone from the dashboard: the ledger decides at Confirm
    fresh = standing(login, account)
    return check(fresh), fresh


def amount_refusal(turn: Turn, data: Mapping[str, Any], parsed: Mapping[str, Any]) -> Verdict:
    """A typed amount (`parsed`: step data `amount`, `denom`) over what the owner may offer today."""
    return refusal(turn, data, over_limit(Decimal(parsed["amount"]), parsed["denom"]))


def backing_refusal(turn: Turn, data: Mapping[str, Any]) -> Verdict:
    """The step data's amount offered secured, over the secured balance held in its denomination."""
    return refusal(turn, data, over_backing(Decimal(data["amount"]), data["denom"]))
