"""Run-time switches of the sandbox process: JWT lifetimes, rate limit, quirks, the open-tier rule, notifier.

Start values come from settings (the environment). Tests change them through `/devadmin/config`;
`/devadmin/reset` restores the start values. The server runs one worker process, so process memory
(guarded by a lock) is the single source of truth.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

# Known production quirks the sandbox can reproduce, all off by default.
QUIRKS = (
    "ledger_pagination",  # getLedger ignores startRow/numRows: always the first 10 rows
    "neo4j_integers",  # memberTier as {"low": n, "high": 0}
    "empty_dict_lists",  # empty pendingInData/pendingOutData as {} instead of []
    "null_remaining",  # remainingAvailableUSD null for everyone
)
_ON = {"1", "on", "true", "yes", "all"}
_OFF = {"", "0", "off", "false", "no", "none"}


def parse_quirks(raw: str | list | bool) -> frozenset[str]:
    """`"all"`/`"on"` → every quirk, `"off"` → none, else a comma list (or JSON list) of quirk names."""
    if isinstance(raw, bool):
        return frozenset(QUIRKS) if raw else frozenset()
    if isinstance(raw, str):
        lowered = raw.strip().lower()
        if lowered in _ON:
            return frozenset(QUIRKS)
        if lowered in _OFF:
            return frozenset()
        raw = [name.strip() for name in lowered.split(",") if name.strip()]
    unknown = [name for name in raw if name not in QUIRKS]
    if unknown:
        raise ValueError(f"unknown quirks: {', '.join(map(str, unknown))}")
    return frozenset(raw)


def switch_on(raw: str | bool) -> bool:
    """An on/off setting."""
    return raw if isinstance(raw, bool) else raw.strip().lower() in _ON


@dataclass(frozen=True)
class RuntimeConfig:
    jwt_idle_seconds: float
    jwt_absolute_seconds: float
    rate_limit_per_minute: int
    quirks: frozenset[str]
    open_tier_unsecured_rule: bool
    notify_url: str = ""  # the bot's POST /bot/notify; "" = notifications off (`sandbox.ledger.notifier`)
    notify_key: str = ""  # its X-Notify-Key (never shown by /devadmin/config)

    def as_json(self) -> dict:
        """The camelCase view answered by `/devadmin/config`."""
        return {
            "jwtIdleSeconds": Decimal(str(self.jwt_idle_seconds)),
            "jwtAbsoluteSeconds": Decimal(str(self.jwt_absolute_seconds)),
            "rateLimitPerMinute": self.rate_limit_per_minute,
            "quirks": sorted(self.quirks),
            "openTierUnsecuredRule": self.open_tier_unsecured_rule,
            "notifyUrl": self.notify_url,
            "notifyKeySet": bool(self.notify_key),
        }


def start_config() -> RuntimeConfig:
    """The configuration the process started with."""
    return RuntimeConfig(
        jwt_idle_seconds=float(settings.SANDBOX_JWT_IDLE_SECONDS),
        jwt_absolute_seconds=float(settings.SANDBOX_JWT_ABSOLUTE_SECONDS),
        rate_limit_per_minute=int(settings.SANDBOX_RATE_LIMIT_PER_MINUTE),
        quirks=parse_quirks(settings.SANDBOX_QUIRKS),
        open_tier_unsecured_rule=switch_on(settings.SANDBOX_OPEN_TIER_UNSECURED_RULE),
        notify_url=settings.SANDBOX_NOTIFY_URL,
        notify_key=settings.SANDBOX_NOTIFY_KEY,
    )


_lock = threading.Lock()
_current: list[RuntimeConfig] = []


def current() -> RuntimeConfig:
    """The configuration in force now."""
    with _lock:
        if not _current:
            _current.append(start_config())
        return _current[0]


def update(**changes: object) -> RuntimeConfig:
    """Replace some fields (already validated by the caller)."""
    with _lock:
        base = _current[0] if _current else start_config()
        _current[:] = [dataclasses.replace(base, **changes)]
        return _current[0]


def restore() -> RuntimeConfig:
    """Back to the start configuration."""
    with _lock:
        _current[:] = [start_config()]
        return _current[0]


def quirk(name: str) -> bool:
    """Whether a quirk is on."""
    return name in current().quirks
