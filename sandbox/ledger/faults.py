"""Fault switches for tests and benchmarks, set through `/devadmin/faults`.

Kinds (each rule may target one route name, and lasts `count` requests; latency lasts until cleared
unless a count is given):
- `latency` — sleep `ms` before handling;
- `error500` — answer 500 `{status, statusCode, message}`; `phase: "before"` (default) runs nothing,
  `phase: "after"` lets the handler commit first;
- `readTimeout` — the handler runs and commits, then the answer is held for `seconds` (longer than the
  client's read timeout), so the client cannot know the outcome;
- `burst429` — plain-text 429 with `Retry-After: retryAfter`, nothing runs;
- `malformedJson` — the handler runs and commits, the JSON answer is cut in half;
- `commitThenError` — the handler runs and commits, then `status` (400–599) and the JSON `body` are
  answered instead of its success, as credex-core does when a step after its write fails: the signature
  of a created credex (`src/api/Credex/services/CreateCredex.ts` CreateCredexService: `digitallySign` after
  the CREATE, its error becomes `{credex:false}` → 400 in `controllers/createCredex.ts`), or the dashboard
  read after the commit (`controllers/createCredex.ts` and `controllers/acceptCredex.ts`: 404 "Failed to
  fetch dashboard data"; `services/AcceptCredex.ts`: "Digital signature error" after the OWES write → 400).
  A handler that refuses (non-2xx) commits nothing and its own refusal is answered.
Faults apply to contract routes only (never to /health or /devadmin). Process memory, guarded by a lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.ledger.validation import parse_number

KINDS = ("latency", "error500", "readTimeout", "burst429", "malformedJson", "commitThenError")
MAX_SLEEP_SECONDS = Decimal(300)


@dataclass
class Rule:
    """One switched-on fault."""

    kind: str
    remaining: int | None
    route: str | None = None
    ms: int = 0
    seconds: Decimal = Decimal(5)
    retry_after: int = 1
    phase: str = "before"
    status: int = 400
    body: Any = None

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "remaining": self.remaining,
            "route": self.route,
            "ms": self.ms,
            "seconds": self.seconds,
            "retryAfter": self.retry_after,
            "phase": self.phase,
            "status": self.status,
            "body": self.body,
        }


@dataclass
class Plan:
    """What the faults say about one request."""

    latency_ms: int = 0
    burst429: Rule | None = None
    error500: Rule | None = None
    hold_seconds: Decimal = Decimal(0)
    malformed: bool = False
    commit_then_error: Rule | None = None
    kinds: set[str] = field(default_factory=set)


def _whole(spec: dict, key: str, default: int | None, low: int, high: int) -> int | None:
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{key} must be an integer from {low} to {high}")
    return value


def rule_from(spec: dict[str, Any], routes: tuple[str, ...]) -> Rule:
    """A rule from the admin request's JSON, or ValueError with a clear reason."""
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    route = spec.get("route")
    if route is not None and route not in routes:
        raise ValueError(f"route must be one of {', '.join(routes)}")
    seconds = parse_number(spec.get("seconds", 5))
    if seconds is None or not seconds.is_finite() or not 0 < seconds <= MAX_SLEEP_SECONDS:
        raise ValueError("seconds must be a number above 0 and at most 300")
    phase = spec.get("phase", "before")
    if phase not in ("before", "after"):
        raise ValueError("phase must be before or after")
    return Rule(
        kind=kind,
        remaining=_whole(spec, "count", None if kind == "latency" else 1, 1, 1_000_000),
        route=route,
        ms=_whole(spec, "ms", 0, 0, 300_000) or 0,
        seconds=seconds,
        retry_after=_whole(spec, "retryAfter", 1, 1, 3600) or 1,
        phase=phase,
        status=_whole(spec, "status", 400, 400, 599) or 400,
        body=spec.get("body", {}),
    )


_lock = threading.Lock()
_rules: list[Rule] = []


def add(rule: Rule) -> None:
    """Switch a fault on."""
    with _lock:
        _rules.append(rule)


def active() -> list[dict]:
    """The rules still in force."""
    with _lock:
        return [rule.as_json() for rule in _rules]


def clear() -> None:
    """Switch every fault off."""
    with _lock:
        _rules.clear()


def _apply(plan: Plan, rule: Rule) -> None:
    if rule.kind == "latency":
        plan.latency_ms = rule.ms
    elif rule.kind == "burst429":
        plan.burst429 = rule
    elif rule.kind == "error500":
        plan.error500 = rule
    elif rule.kind == "readTimeout":
        plan.hold_seconds = rule.seconds
    elif rule.kind == "commitThenError":
        plan.commit_then_error = rule
    else:
        plan.malformed = True


def take(route: str) -> Plan:
    """Consume at most one matching rule of each kind for a request to `route`."""
    plan = Plan()
    with _lock:
        for rule in _rules:
            if rule.kind in plan.kinds or rule.route not in (None, route):
                continue
            plan.kinds.add(rule.kind)
            _apply(plan, rule)
            if rule.remaining is not None:
                rule.remaining -= 1
        _rules[:] = [rule for rule in _rules if rule.remaining != 0]
    return plan
