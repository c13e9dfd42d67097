"""Numbers the ledger does not know, through the signed webhook against the sandbox (issue 18, hole 4): the
ledger's "not a member" is remembered for a while, so repeated greetings cost one login and read exactly the
same welcome; onboarding ends the memory at once; a number that joined through another client is shut out
for at most the memory period; the memory's key names no number; without the cache Redis each greeting asks
the ledger again, as before."""

from __future__ import annotations

import time

import pytest
import redis
from django.core.cache import caches

from credex_api import services
from credex_api.client import CredexClient
from credex_api.conf import ClientConfig, cache_redis
from deploy.localredis import free_port
from flows.membership import not_member_key
from flows.money import ALREADY_MEMBER
from tests.e2e.chat import Member, body, options
from tests.e2e.conftest import onboard

pytestmark = pytest.mark.django_db(transaction=True)
WELCOME_OPTIONS = ["Become a member", "About credex"]


def logins(ledger) -> int:
    return ledger.stats()["loginCalls"]


def seen(replies: list[dict]) -> list[tuple[str, list[str]]]:
    """What a member sees: each reply's text and the titles they can tap."""
    return [(body(reply), list(options(reply))) for reply in replies]


def join_elsewhere(ledger, member: Member) -> None:
    """The number becomes a member through another client of the ledger (not this bot)."""
    other = CredexClient(ClientConfig.from_settings(base_url=ledger.url, throttle_per_minute=0))
    try:
        services.member_onboard(phone=member.phone, first_name="Tendai", last_name="Moyo", client=other)
    finally:
        other.close()


def test_a_stranger_repeating_hi_costs_one_login_and_reads_the_same_welcome(ledger, new_member):
    stranger = new_member()
    before = logins(ledger)

    first = stranger.say("hi")
    again = [stranger.say("hi") for _ in range(9)]

    assert logins(ledger) - before == 1
    assert list(options(first[0])) == WELCOME_OPTIONS
    assert all(replies == first for replies in again)  # the very same payloads


@pytest.mark.parametrize("word", ["hi", "menu", "ledger", "offer", "incoming", "upgrade"])
def test_a_remembered_stranger_sees_exactly_what_the_ledgers_not_found_shows(ledger, new_member, word):
    remembered, fresh = new_member(), new_member()
    remembered.say("hi")
    before = logins(ledger)

    from_memory = remembered.say(word)
    from_the_ledger = fresh.say(word)

    assert seen(from_memory) == seen(from_the_ledger)
    assert logins(ledger) - before == 1  # only the fresh number's
    assert cache_redis().exists(not_member_key(fresh.phone))


def test_onboarding_right_after_the_welcome_ends_the_memory_at_once(ledger, new_member):
    newcomer = new_member()
    newcomer.say("hi")  # remembered: not a member

    onboard(newcomer, "Tendai", "Moyo")  # "hi" again (from memory), then through to "Open account"

    assert "Welcome, Tendai!" in newcomer.text() and "Handle:" in newcomer.text()
    assert not cache_redis().exists(not_member_key(newcomer.phone))
    newcomer.say("hi")
    assert "Handle:" in newcomer.text()


def test_a_number_that_joined_elsewhere_sees_the_welcome_at_most_for_the_memory_period(
    ledger, new_member, settings
):
    settings.MYCREDEX_NOT_MEMBER_MEMORY_SECONDS = 2
    member = new_member()
    member.say("hi")
    join_elsewhere(ledger, member)
    before = logins(ledger)

    assert list(options(member.say("hi")[0])) == WELCOME_OPTIONS  # still remembered: no ledger call
    assert logins(ledger) == before
    time.sleep(2.2)
    member.say("hi")

    assert "Handle:" in member.text() and logins(ledger) == before + 1


def test_a_number_that_joined_elsewhere_and_onboards_here_is_told_and_gets_its_dashboard(ledger, new_member):
    member = new_member()
    member.say("hi")
    join_elsewhere(ledger, member)
    members = ledger.stats()["counts"]["members"]

    onboard(member, "Tendai", "Moyo")

    assert ALREADY_MEMBER in member.text() and "Handle:" in member.text()
    assert ledger.stats()["counts"]["members"] == members  # no second account


def test_the_memory_names_no_number_and_ends_by_itself(ledger, new_member, settings):
    stranger = new_member()
    stranger.say("hi")

    client = cache_redis()
    names = [key.decode() for key in client.scan_iter("*")]
    assert names and not [name for name in names if stranger.phone in name]
    assert 0 < client.ttl(not_member_key(stranger.phone)) <= settings.MYCREDEX_NOT_MEMBER_MEMORY_SECONDS


def test_without_the_cache_redis_each_greeting_asks_the_ledger_and_reads_the_welcome(
    ledger, new_member, settings
):
    cache = dict(settings.CACHES["default"])
    cache["LOCATION"] = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {**settings.CACHES, "default": cache}
    with pytest.raises(redis.ConnectionError):
        caches["default"].client.get_client(write=True).ping()
    stranger = new_member()
    before = logins(ledger)

    replies = [stranger.say("hi") for _ in range(2)]

    assert [list(options(r[0])) for r in replies] == [WELCOME_OPTIONS] * 2
    assert logins(ledger) - before == 2
