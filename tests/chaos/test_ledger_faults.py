"""Faults around money and the ledger, as a member meets them (issue 21, items 6 and 7), through the signed
webhook against the sandbox ledger and the harness's real Redis servers.

- The cache Redis (where the money-per-minute counter lives) is down when a member taps Confirm: money is
  refused (fail closed), but with the true reason — a service I need cannot be reached, nothing was done,
  tap Confirm again — and that same Confirm works once the cache Redis is back: exactly one offer.
- A slow ledger: whatever it does, the member hears back within the ledger budget plus one second — the
  budget bounds every attempt (the last retry included) and every ledger call of the turn together.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from credex_api.client import reset_client
from flows import texts
from tests.e2e.conftest import onboard
from tests.support.harness import redis_servers

pytestmark = pytest.mark.django_db(transaction=True)
SENT = "Offer sent: 1.00 USD to Rudo Dube"


@contextmanager
def cache_redis_stopped() -> Iterator[None]:
    """The harness's cache Redis stopped for the block, then started again on the same port (empty)."""
    servers = redis_servers()
    if servers is None:
        pytest.skip("needs the harness's own Redis servers (TEST_REUSE_REDIS is set)")
    cache, _state = servers
    cache.stop()
    try:
        yield
    finally:
        cache.start()


def timed(turn: Callable[[], object]) -> float:
    started = time.monotonic()
    turn()
    return time.monotonic() - started


def test_confirm_with_the_cache_redis_down_says_why_and_the_same_confirm_works_after(ledger, new_member):
    payer, payee = new_member(), new_member()
    onboard(payer, "Tendai", "Moyo")
    onboard(payee, "Rudo", "Dube")
    ledger.mint(payer.phone, "5.00")
    payer.say(f"1=>{payee.phone}")
    confirm, _kind = payer.option("Confirm")

    with cache_redis_stopped():
        elapsed = timed(lambda: payer.tap_id(confirm, "Confirm"))
        assert payer.text() == texts.SERVICE_UNREACHABLE
        assert "several changes" not in payer.text()
    assert elapsed < 5.0
    assert ledger.stats()["requests"].get("createCredex", 0) == 0  # nothing was sent

    payer.tap_id(confirm, "Confirm")  # the very same button, once the cache Redis is back

    assert SENT in payer.text()
    assert ledger.stats()["requests"].get("createCredex", 0) == 1
    assert ledger.stats()["counts"]["credexesByStatus"].get("OFFERS") == 1
    payer.tap_id(confirm, "Confirm")  # and once only
    assert SENT not in payer.text()
    assert ledger.stats()["requests"].get("createCredex", 0) == 1


BUDGET = 3.0


@pytest.mark.parametrize(
    "route",
    [
        pytest.param("login", id="a login slower than each attempt's read timeout"),
        pytest.param(None, id="a login and the read after it, each slow"),
    ],
)
def test_a_slow_ledger_answers_the_member_within_the_budget_plus_one_second(
    ledger, new_member, settings, route
):
    member = new_member()
    onboard(member)
    settings.MYCREDEX_CALL_BUDGET_SECONDS = BUDGET
    settings.MYCREDEX_READ_TIMEOUT = 2.0
    settings.MYCREDEX_TURN_WAIT_SECONDS = 2.5
    reset_client()
    ledger.fault("latency", ms=2500, **({"route": route} if route else {}))

    elapsed = timed(lambda: member.say("ledger"))  # login, then the ledger page

    assert elapsed < BUDGET + 1.0, f"answered after {elapsed:.1f} s"
    assert member.text() == texts.LEDGER_BUSY
