"""Fixtures of the ledger-client tests: clients pointed at the real sandbox or at a scripted fake ledger,
an injectable clock, and member helpers. Redis is the suite's real cache instance (flushed per test)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from credex_api import services
from credex_api.client import CredexClient
from credex_api.conf import ClientConfig
from tests.credex_api.fake_ledger import FakeLedger

_phones = itertools.count(1)


def new_phone() -> str:
    """A unique, valid, Zimbabwe-shaped WhatsApp id."""
    return f"26378{next(_phones):07d}"


class FakeClock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SleepRecorder:
    """`sleep` that records instead of waiting (retry and throttle tests)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@dataclass
class MemberInfo:
    phone: str
    member_id: str
    account_id: str


@pytest.fixture
def sleeps() -> SleepRecorder:
    """A recording `sleep` for retry and throttle tests."""
    return SleepRecorder()


@pytest.fixture
def make_client() -> Iterator[Callable[..., CredexClient]]:
    """`make_client(base_url, **config_overrides)`: fast-failing test clients, closed afterwards."""
    made: list[CredexClient] = []

    def make(
        base_url: str,
        api_key: str = "test-sandbox-client-key",
        *,
        clock=None,
        sleep=None,
        rand=None,
        **overrides,
    ) -> CredexClient:
        values = {
            "base_url": base_url,
            "api_key": api_key,
            "connect_timeout": 1.0,
            "read_timeout": 3.0,
            "throttle_per_minute": 0,
            "backoff_base": 0.01,
            "backoff_cap": 0.05,
            **overrides,
        }
        extra = {key: value for key, value in {"clock": clock, "sleep": sleep, "rand": rand}.items() if value}
        client = CredexClient(ClientConfig.from_settings(**values), **extra)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def fake_ledger() -> Iterator[FakeLedger]:
    fake = FakeLedger().start()
    yield fake
    fake.stop()


@pytest.fixture
def ledger(sandbox, make_client) -> CredexClient:
    """A client against the freshly reset sandbox."""
    return make_client(sandbox.url, sandbox.client_api_key)


@pytest.fixture
def onboard(ledger) -> Callable[..., MemberInfo]:
    """`onboard(first="Tendai", last="Moyo")`: a new member through the client; their ids."""

    def make(first: str = "Tendai", last: str = "Moyo", phone: str | None = None) -> MemberInfo:
        phone = phone or new_phone()
        result = services.member_onboard(phone=phone, first_name=first, last_name=last, client=ledger)
        return MemberInfo(phone, result.member.member_id, result.default_account_id)

    return make


@pytest.fixture
def pair(sandbox, onboard) -> tuple[MemberInfo, MemberInfo]:
    """Two members (payer, payee); the payer holds 100.00 USD secured."""
    payer, payee = onboard("Tendai", "Moyo"), onboard("Rudo", "Dube")
    sandbox.mint(payer.phone, "100.00")
    return payer, payee
