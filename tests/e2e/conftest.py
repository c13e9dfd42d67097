"""End-to-end fixtures: the bot talks to the real sandbox ledger over HTTP (fresh seed ledger per test)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from credex_api.client import reset_client
from tests.e2e.chat import Member

_numbers = itertools.count(1)


@pytest.fixture
def ledger(sandbox, settings) -> Iterator:
    """The sandbox, reset, with the bot's ledger client pointed at it."""
    settings.MYCREDEX_APP_URL = sandbox.url
    settings.CLIENT_API_KEY = sandbox.client_api_key
    settings.MYCREDEX_THROTTLE_PER_MINUTE = 0  # conversations here, not the throttle (tests/credex_api)
    settings.INBOUND_PER_MINUTE = settings.MONEY_PER_MINUTE = 1000  # nor the limits (test_inbound_limits)
    reset_client()
    yield sandbox
    reset_client()


@pytest.fixture
def new_member(ledger):
    """`new_member()`: a WhatsApp user the ledger does not know yet, with a fresh number."""

    def make() -> Member:
        return Member(phone=f"26377{next(_numbers):07d}")

    return make


def onboard(member: Member, first: str = "Tendai", last: str = "Moyo", denom: str = "USD") -> list[dict]:
    """Walk the onboarding flow to the end; the replies after the last tap (welcome + dashboard)."""
    member.say("hi")
    member.tap("Become a member")
    member.say(first)
    member.say(last)
    member.tap(denom)
    return member.tap("Open account")


@pytest.fixture
def pair(ledger, new_member) -> tuple[Member, Member]:
    """Tendai (8.00 USD secured) and Rudo, both onboarded: the two members of most money tests."""
    a, b = new_member(), new_member()
    onboard(a, "Tendai", "Moyo")
    onboard(b, "Rudo", "Dube")
    ledger.mint(a.phone, "8.00")
    return a, b
