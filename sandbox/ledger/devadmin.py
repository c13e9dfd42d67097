"""Sandbox-only admin actions (not part of the contract), served under `/devadmin/` by `admin_views.py`.

Each action takes the JSON body and returns the JSON `data` of a 200, or raises `AdminError`. Ledger
changes run in one transaction. Actions: reset, mint, setTier, advanceDay, config, faults, clearFaults,
stats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from sandbox.ledger import dco, faults, ratelimit, runtime, seed, stats
from sandbox.ledger.credexes import insert_credex
from sandbox.ledger.days import today
from sandbox.ledger.formatting import format_amount
from sandbox.ledger.models import OWES, Account, Credex, Member, Recurring
from sandbox.ledger.routes import ROUTE_NAMES
from sandbox.ledger.validation import InvalidValueError, check_amount, check_denomination, parse_number

DEFAULT_MINT_SOURCE = "vimbisopay_trust"


class AdminError(Exception):
    """A refused admin request: status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def reset(body: dict) -> dict:
    """Wipe and reseed the ledger; switch faults off; clear counters, limiter and runtime changes."""
    seed.reset()
    faults.clear()
    stats.clear()
    ratelimit.clear()
    runtime.restore()
    return {"day": today().date.isoformat()}


def _account_by_handle(handle: Any, role: str) -> Account:
    account = (
        Account.objects.select_related("owner").filter(account_handle=str(handle).strip().lower()).first()
    )
    if account is None:
        raise AdminError(404, f"{role} account not found")
    return account


def mint(body: dict) -> dict:
    """A trust account issues N DEN secured to a handle, auto-accepted (like `gimmeSecured`)."""
    try:
        amount = check_amount(body.get("amount"), "amount")
        denom = check_denomination(body.get("denomination", body.get("denom", "USD")), "denomination")
    except InvalidValueError as exc:
        raise AdminError(400, str(exc)) from exc
    with transaction.atomic():
        source = _account_by_handle(body.get("from", DEFAULT_MINT_SOURCE), "Source")
        if not source.audited:
            raise AdminError(400, "Source account is not audited")
        target = _account_by_handle(body.get("accountHandle"), "Target")
        if target.pk == source.pk:
            raise AdminError(400, "Source and target must differ")
        credex = insert_credex(
            source, target, amount, denom, today(),
            signer=source.owner, credex_type="PURCHASE", offers_or_requests="OFFERS", status=OWES,
            secured=True, securer_id=source.account_id, accepted_at=timezone.now(),
        )  # fmt: skip
    return {
        "credexID": str(credex.credex_id),
        "accountID": str(target.account_id),
        "amount": format_amount(amount, denom),
    }


def _member_from(body: dict) -> Member:
    for field in ("memberID", "memberHandle", "phone"):
        if body.get(field):
            lookup = {"memberID": "member_id", "memberHandle": "member_handle", "phone": "phone"}[field]
            member = Member.objects.filter(**{lookup: str(body[field]).strip()}).first()
            if member is None:
                raise AdminError(404, "Member not found")
            return member
    raise AdminError(400, "memberID, memberHandle or phone is required")


def set_tier(body: dict) -> dict:
    """Set a member's tier (1–5)."""
    tier = body.get("tier")
    if isinstance(tier, bool) or not isinstance(tier, int) or not 1 <= tier <= 5:
        raise AdminError(400, "tier must be an integer from 1 to 5")
    with transaction.atomic():
        member = _member_from(body)
        Member.objects.filter(pk=member.pk).update(tier=tier)
    return {"memberID": str(member.member_id), "memberTier": tier}


def advance_day(body: dict) -> dict:
    """Run the daily job `days` times (default 1), optionally with new rates for the first new day."""
    days = body.get("days", 1)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise AdminError(400, "days must be an integer from 1 to 366")
    rates = body.get("rates") or {}
    if not isinstance(rates, dict):
        raise AdminError(400, "rates must be an object of denomination → CXX per unit")
    reports = []
    try:
        with transaction.atomic():
            for index in range(days):
                reports.append(dco.advance_one_day(rates if index == 0 else {}).as_json())
    except ValueError as exc:
        raise AdminError(400, str(exc)) from exc
    return {"day": reports[-1]["day"], "runs": reports}


def _positive_seconds(value: Any, name: str) -> float:
    seconds = parse_number(value)
    if seconds is None or not seconds.is_finite() or not 0 < seconds <= 10**7:
        raise ValueError(f"{name} must be a positive number of seconds")
    return float(seconds)  # a duration, not money


def _limit(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("rateLimitPerMinute must be a non-negative integer (0 = unlimited)")
    return value


def _text_setting(value: Any, name: str) -> str:
    if not isinstance(value, str) or len(value) > 500:
        raise ValueError(f"{name} must be a string of at most 500 characters")
    return value.strip()


def _notify_url(value: Any) -> str:
    url = _text_setting(value, "notifyUrl")
    if url and not url.startswith(("http://", "https://")):
        raise ValueError("notifyUrl must be an http(s) URL or empty")
    return url


CONFIG_FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "jwtIdleSeconds": ("jwt_idle_seconds", lambda v: _positive_seconds(v, "jwtIdleSeconds")),
    "jwtAbsoluteSeconds": ("jwt_absolute_seconds", lambda v: _positive_seconds(v, "jwtAbsoluteSeconds")),
    "rateLimitPerMinute": ("rate_limit_per_minute", _limit),
    "quirks": ("quirks", runtime.parse_quirks),
    "openTierUnsecuredRule": ("open_tier_unsecured_rule", runtime.switch_on),
    "notifyUrl": ("notify_url", _notify_url),
    "notifyKey": ("notify_key", lambda v: _text_setting(v, "notifyKey")),
}


def config(body: dict) -> dict:
    """Read (empty body) or change run-time switches; changing the rate limit clears its windows."""
    changes = {}
    try:
        for key, value in body.items():
            if key not in CONFIG_FIELDS:
                raise ValueError(f"unknown setting {key}")
            attribute, parse = CONFIG_FIELDS[key]
            changes[attribute] = parse(value)
    except (ValueError, TypeError) as exc:
        raise AdminError(400, str(exc)) from exc
    current = runtime.update(**changes) if changes else runtime.current()
    if "rate_limit_per_minute" in changes:
        ratelimit.clear()
    return current.as_json()


def add_fault(body: dict) -> dict:
    """Switch one fault on (see `faults.py`); an empty body lists the active faults."""
    if body:
        try:
            faults.add(faults.rule_from(body, ROUTE_NAMES))
        except ValueError as exc:
            raise AdminError(400, str(exc)) from exc
    return {"faults": faults.active()}


def clear_faults(body: dict) -> dict:
    """Switch every fault off."""
    faults.clear()
    return {"faults": []}


def read_stats(body: dict) -> dict:
    """Counts of ledger rows and of requests served, plus the current day and rates."""
    day = today()
    by_status = dict(Credex.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    counters = stats.snapshot()
    return {
        "day": day.date.isoformat(),
        "rates": {denom: rate for denom, rate in day.rates.items()},
        "counts": {
            "members": Member.objects.count(),
            "accounts": Account.objects.count(),
            "credexes": sum(by_status.values()),
            "credexesByStatus": by_status,
            "recurring": Recurring.objects.count(),
        },
        "loginCalls": counters["requests"].get("login", 0),
        **counters,
    }


ACTIONS: dict[str, Callable[[dict], dict]] = {
    "reset": reset,
    "mint": mint,
    "setTier": set_tier,
    "advanceDay": advance_day,
    "config": config,
    "faults": add_fault,
    "clearFaults": clear_faults,
    "stats": read_stats,
}
READ_ONLY = ("config", "faults", "stats")  # also answer GET (no body)
