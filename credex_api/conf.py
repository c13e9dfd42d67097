"""The ledger client's settings as one frozen value (`ClientConfig.from_settings()`), so tests and the
benchmark can build a client with other figures without touching Django settings; and `cache_redis()`, the
cache Redis (alias "default") where tokens, breaker state and the throttle live.

Every figure is documented where it is defined: the "credex_api" block of `config/settings/base.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import caches

DEFAULT_POOL_SIZE = 32  # kept connections to the ledger: at least one per thread that may call it at once


def pool_size_for(concurrency: int) -> int:
    """Connections the process's one session keeps: one per concurrent turn (`WORKER_CONCURRENCY`, once the
    worker has that setting), never fewer than `DEFAULT_POOL_SIZE` (a web process's threads are fewer). A
    smaller pool would close and re-open a connection for every call beyond it under load."""
    return max(DEFAULT_POOL_SIZE, int(concurrency or 0))


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """Thresholds of the circuit breaker (seconds, counts)."""

    consecutive_failures: int = 5
    window_failures: int = 20
    window_seconds: float = 3600.0
    open_seconds: float = 60.0
    max_open_seconds: float = 600.0
    jitter: float = 0.1
    trial_lease_seconds: float = 30.0


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything the client needs to know, read once when it is built."""

    base_url: str
    api_key: str
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    max_attempts: int = 3
    backoff_base: float = 0.2
    backoff_cap: float = 2.0
    call_budget: float = 25.0
    throttle_per_minute: int = 80
    throttle_burst: int = 10
    throttle_max_wait: float = 2.0
    throttle_member_burst: int = 7
    throttle_guest_burst: int = 3
    throttle_per_number_per_minute: int = 30
    throttle_per_number_burst: int = 6
    retry_after_max: float = 5.0
    token_ttl_seconds: int = 240
    login_lock_seconds: float = 30.0
    login_wait_seconds: float = 30.0
    key_prefix: str = "vp"
    pool_size: int = DEFAULT_POOL_SIZE
    breaker: BreakerPolicy = BreakerPolicy()

    @classmethod
    def from_settings(cls, **overrides: object) -> ClientConfig:
        """The configuration from Django settings, with keyword overrides (tests, benchmarks)."""
        s = settings
        breaker = BreakerPolicy(
            consecutive_failures=s.MYCREDEX_BREAKER_CONSECUTIVE_FAILURES,
            window_failures=s.MYCREDEX_BREAKER_WINDOW_FAILURES,
            window_seconds=float(s.MYCREDEX_BREAKER_WINDOW_SECONDS),
            open_seconds=s.MYCREDEX_BREAKER_OPEN_SECONDS,
            max_open_seconds=s.MYCREDEX_BREAKER_MAX_OPEN_SECONDS,
            jitter=s.MYCREDEX_BREAKER_JITTER,
            trial_lease_seconds=s.MYCREDEX_BREAKER_TRIAL_LEASE_SECONDS,
        )
        values: dict[str, object] = {
            "base_url": s.MYCREDEX_APP_URL,
            "api_key": s.CLIENT_API_KEY,
            "connect_timeout": s.MYCREDEX_CONNECT_TIMEOUT,
            "read_timeout": s.MYCREDEX_READ_TIMEOUT,
            "max_attempts": s.MYCREDEX_MAX_ATTEMPTS,
            "backoff_base": s.MYCREDEX_BACKOFF_BASE_SECONDS,
            "backoff_cap": s.MYCREDEX_BACKOFF_CAP_SECONDS,
            "call_budget": s.MYCREDEX_CALL_BUDGET_SECONDS,
            "throttle_per_minute": s.MYCREDEX_THROTTLE_PER_MINUTE,
            "throttle_burst": s.MYCREDEX_THROTTLE_BURST,
            "throttle_max_wait": s.MYCREDEX_THROTTLE_MAX_WAIT_SECONDS,
            "throttle_member_burst": s.MYCREDEX_THROTTLE_MEMBER_BURST,
            "throttle_guest_burst": s.MYCREDEX_THROTTLE_GUEST_BURST,
            "throttle_per_number_per_minute": s.MYCREDEX_THROTTLE_PER_NUMBER_PER_MINUTE,
            "throttle_per_number_burst": s.MYCREDEX_THROTTLE_PER_NUMBER_BURST,
            "retry_after_max": s.MYCREDEX_RETRY_AFTER_MAX_SECONDS,
            "token_ttl_seconds": s.MYCREDEX_TOKEN_TTL_SECONDS,
            "login_lock_seconds": s.MYCREDEX_LOGIN_LOCK_SECONDS,
            "login_wait_seconds": s.MYCREDEX_LOGIN_WAIT_SECONDS,
            "key_prefix": s.REDIS_KEY_PREFIX,
            "pool_size": pool_size_for(getattr(s, "WORKER_CONCURRENCY", 0)),
            "breaker": breaker,
        }
        values.update(overrides)
        return cls(**values)

    @property
    def timeout(self) -> tuple[float, float]:
        """`(connect, read)` for requests."""
        return (self.connect_timeout, self.read_timeout)

    def url(self, route: str) -> str:
        """Base URL joined with a bare route name (`login`, `createCredex`, ...)."""
        return f"{self.base_url.rstrip('/')}/{route}"


def cache_redis() -> redis.Redis:
    """The redis-py client of the cache instance (`caches["default"]`, disposable data only)."""
    return caches["default"].client.get_client(write=True)
