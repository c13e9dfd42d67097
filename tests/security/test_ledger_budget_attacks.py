"""The shared ledger budget's attack matrix (issue 18, hole 4), through the real signed webhook, the real
cache Redis and the sandbox ledger over HTTP, which counts every call.

Each row is a flood that must not starve a real member: numbers the ledger does not know greet the bot (or
one member's number hammers it), alone or all at once behind a barrier, and then — or at the same instant —
a real member greets (one ledger login) or taps Confirm on an offer (a money action). Expected refusal: the
flood's, never the member's. The member reads the dashboard, or the offer is made, never "the ledger is
busy"; and the flood costs the ledger at most one login per stranger within the strangers' share, or one
number's own share (`max_flood_logins`).

The budget is made small and slow so nothing refills during a test: 2 calls a minute, a burst of 8, of
which known members' reads may fill 6 and numbers the ledger does not know 2; 3 calls at once per number.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from credex_api.client import reset_client
from flows import texts
from tests.e2e.chat import Member, body
from tests.e2e.conftest import onboard
from tests.support.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)
GUEST_BURST, MEMBER_BURST, BURST, PER_NUMBER_BURST = 2, 6, 8, 3


@dataclass(frozen=True)
class Flood:
    """`strangers` unknown numbers send "hi" `greetings` times each (or one member's number sends "menu"
    that often, `from_member`); the real member then does `victim` ("greet" or "confirm")."""

    name: str
    strangers: int
    greetings: int
    victim: str
    together: bool = False
    from_member: bool = False

    @property
    def max_flood_logins(self) -> int:
        """What the flood may cost the ledger: one login per stranger within the strangers' share, or the
        one number's own share."""
        return PER_NUMBER_BURST if self.from_member else min(self.strangers, GUEST_BURST)


FLOODS = [
    Flood("one stranger says hi 12 times, then a member greets", 1, 12, "greet"),
    Flood("one stranger says hi 12 times, then a member confirms an offer", 1, 12, "confirm"),
    Flood("12 strangers say hi once, then a member greets", 12, 1, "greet"),
    Flood("12 strangers say hi once, then a member confirms an offer", 12, 1, "confirm"),
    Flood("6 strangers say hi 4 times each, then a member greets", 6, 4, "greet"),
    Flood("12 strangers and a member's greeting at the same instant", 12, 1, "greet", together=True),
    Flood("12 strangers and a member's Confirm at the same instant", 12, 1, "confirm", together=True),
    Flood("a member's number asks for its menu 10 times, then another member greets", 1, 10, "greet",
          from_member=True),
    Flood("a member's number asks for its menu 10 times, then another member confirms", 1, 10, "confirm",
          from_member=True),
]  # fmt: skip


_numbers = itertools.count(1)


@pytest.fixture
def ledger(sandbox, settings) -> Iterator:
    """The sandbox, reset, with the bot's client pointed at it and no budget yet (as in tests/e2e)."""
    settings.MYCREDEX_APP_URL = sandbox.url
    settings.CLIENT_API_KEY = sandbox.client_api_key
    settings.MYCREDEX_THROTTLE_PER_MINUTE = 0
    settings.INBOUND_PER_MINUTE = settings.MONEY_PER_MINUTE = 1000
    reset_client()
    yield sandbox
    reset_client()


@pytest.fixture
def new_member(ledger) -> Callable[[], Member]:
    """`new_member()`: a WhatsApp user with a fresh number the ledger does not know yet."""
    return lambda: Member(phone=f"26371{next(_numbers):07d}")


@pytest.fixture
def budget(ledger, settings) -> Callable[[], None]:
    """Switch the small, slow shared budget on (after the members were prepared without it)."""

    def switch_on() -> None:
        settings.MYCREDEX_THROTTLE_PER_MINUTE = 2
        settings.MYCREDEX_THROTTLE_BURST = BURST
        settings.MYCREDEX_THROTTLE_MEMBER_BURST = MEMBER_BURST
        settings.MYCREDEX_THROTTLE_GUEST_BURST = GUEST_BURST
        settings.MYCREDEX_THROTTLE_PER_NUMBER_PER_MINUTE = 2
        settings.MYCREDEX_THROTTLE_PER_NUMBER_BURST = PER_NUMBER_BURST
        settings.MYCREDEX_THROTTLE_MAX_WAIT_SECONDS = 0.2
        reset_client()

    return switch_on


def _prepare(new_member, ledger, flood: Flood) -> tuple[Member, Member, list[Member]]:
    """A member with 5.00 USD on an offer's confirmation screen, the payee, and the flood's senders."""
    victim, payee = new_member(), new_member()
    onboard(victim, "Tendai", "Moyo")
    onboard(payee, "Rudo", "Dube")
    ledger.mint(victim.phone, "5.00")
    victim.say(f"1=>{payee.phone}")
    assert "Confirm" in str(victim.last)
    senders = [new_member() for _ in range(flood.strangers)]
    if flood.from_member:
        onboard(senders[0], "Chipo", "Ncube")
    return victim, payee, senders


def _victim_turn(victim: Member, action: str) -> None:
    if action == "greet":
        victim.say("hi")
    else:
        victim.tap("Confirm")


def _flood(senders: list[Member], flood: Flood) -> None:
    word = "menu" if flood.from_member else "hi"
    for sender in senders:
        for _ in range(flood.greetings):
            sender.say(word)


@pytest.mark.parametrize("flood", FLOODS, ids=[flood.name for flood in FLOODS])
def test_a_flood_never_starves_a_members_turn(ledger, new_member, budget, flood):
    victim, _payee, senders = _prepare(new_member, ledger, flood)
    budget()
    logins_before = ledger.stats()["loginCalls"]

    if flood.together:
        jobs = [(lambda s=sender: _flood([s], flood),) for sender in senders]
        errors = run_together(lambda job: job(), [*jobs, (lambda: _victim_turn(victim, flood.victim),)])
        assert errors == []
    else:
        _flood(senders, flood)
        assert ledger.stats()["loginCalls"] - logins_before <= flood.max_flood_logins
        _victim_turn(victim, flood.victim)

    read = "\n".join(body(reply) for reply in victim.last)
    assert texts.LEDGER_BUSY not in read
    if flood.victim == "greet":
        assert "Handle:" in read  # the dashboard
    else:
        assert "Offer sent: 1.00 USD" in read
        assert ledger.stats()["requests"]["createCredex"] == 1
    victim_logins = 1
    assert ledger.stats()["loginCalls"] - logins_before <= flood.max_flood_logins + victim_logins
