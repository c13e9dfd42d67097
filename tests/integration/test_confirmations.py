"""Confirmation nonces against the real state Redis (started by the test harness).

Covers: issue → consume returns the bound values once; a second tap is USED (also long after the nonce's own
expiry); a real 1-second expiry gives EXPIRED; another member's or another action's tap is FOREIGN and leaves
the nonce for its owner; unknown and malformed nonces; 20 concurrent taps at a barrier → exactly one OK;
`matches` binding the values; the nonce's entropy and alphabet fitting a button id; no phone number in key
names or stored values; values refused when they are not JSON primitives (no floats, no Decimals).
"""

import re
import time
from decimal import Decimal

import pytest
from django_redis import get_redis_connection

from flows import ids
from flows.confirmations import NONCE_PATTERN, ConfirmationStore, member_hash
from flows.ports import ConfirmationsPort, ConsumeResult, ConsumeStatus, NoConfirmations, Ports
from flows.state import StateDataError
from tests.support.concurrency import run_together

OWNER = "263771234567"
OTHER = "263779876543"
ACTION = "offer.create"
VALUES = {
    "amount": "12.50",
    "denom": "USD",
    "secured": True,
    "due": None,
    "issuer": "acc-1",
    "receiver": "acc-2",
    "receiver_handle": "263779876543",
}


@pytest.fixture
def store() -> ConfirmationStore:
    return ConfirmationStore()


@pytest.fixture
def redis_state():
    return get_redis_connection("state")


def test_the_store_satisfies_the_port_and_the_default_port_refuses_to_work():
    assert isinstance(ConfirmationStore(), ConfirmationsPort)
    assert isinstance(Ports().confirmations, NoConfirmations)
    with pytest.raises(RuntimeError):
        Ports().confirmations.issue(wa_id=OWNER, action=ACTION, values=VALUES)
    with pytest.raises(RuntimeError):
        Ports().confirmations.consume(nonce="x" * 22, wa_id=OWNER, action=ACTION)


def test_a_nonce_is_consumed_once_returning_exactly_the_values_it_bound(store):
    nonce = store.issue(wa_id=OWNER, action=ACTION, values=VALUES)
    first = store.consume(nonce=nonce, wa_id=OWNER, action=ACTION)
    assert first == ConsumeResult(ConsumeStatus.OK, VALUES)
    assert first.ok and first.matches(dict(VALUES))
    second = store.consume(nonce=nonce, wa_id=OWNER, action=ACTION)
    assert second == ConsumeResult(ConsumeStatus.USED)
    assert not second.ok and not second.matches(VALUES)


def test_matches_refuses_any_value_other_than_the_confirmed_one(store):
    nonce = store.issue(wa_id=OWNER, action=ACTION, values=VALUES)
    result = store.consume(nonce=nonce, wa_id=OWNER, action=ACTION)
    assert result.matches({**VALUES})
    assert not result.matches({**VALUES, "amount": "125.0"})
    assert not result.matches({**VALUES, "amount": "12.5"})  # amounts compare as their exact strings
    assert not result.matches({**VALUES, "amount": Decimal("12.50")})
    assert not result.matches({**VALUES, "secured": False})
    assert not result.matches({**VALUES, "receiver": "acc-3"})
    assert not result.matches({k: val for k, val in VALUES.items() if k != "due"})
    assert not result.matches({**VALUES, "extra": 1})


def test_a_nonce_really_expires_after_its_ttl(store, redis_state):
    nonce = store.issue(wa_id=OWNER, action=ACTION, values=VALUES, ttl_seconds=1)
    assert 0 < redis_state.pttl(f"vp:confirm:{nonce}") <= 1000
    time.sleep(1.2)
    assert store.consume(nonce=nonce, wa_id=OWNER, action=ACTION) == ConsumeResult(ConsumeStatus.EXPIRED)


def test_the_default_ttl_is_the_setting(store, redis_state, settings):
    settings.CONFIRMATION_TTL_SECONDS = 42
    nonce = ConfirmationStore().issue(wa_id=OWNER, action=ACTION, values=VALUES)
    assert 40_000 < redis_state.pttl(f"vp:confirm:{nonce}") <= 42_000
    nonce = store.issue(wa_id=OWNER, action=ACTION, values=VALUES)
    assert 295_000 < redis_state.pttl(f"vp:confirm:{nonce}") <= 300_000


def test_a_used_nonce_still_says_used_after_its_own_expiry(store):
    nonce = store.issue(wa_id=OWNER, action=ACTION, values=VALUES, ttl_seconds=1)
    assert store.consume(nonce=nonce, wa_id=OWNER, action=ACTION).ok
    time.sleep(1.2)
    assert store.consume(nonce=nonce, wa_id=OWNER, action=ACTION).status is ConsumeStatus.USED


def test_another_members_tap_is_foreign_and_leaves_the_nonce_to_its_owner(store):
    nonce = store.issue(wa_id=OWNER, action=ACTION, values=VALUES)
    assert store.consume(nonce=nonce, wa_id=OTHER, action=ACTION) == ConsumeResult(ConsumeStatus.FOREIGN)
    assert store.consume(nonce=nonce, wa_id=OWNER, action=ACTION).ok
    assert store.consume(nonce=nonce, wa_id=OTHER, action=ACTION).status is ConsumeStatus.FOREIGN


def test_a_tap_for_another_action_is_foreign_and_leaves_the_nonce(store):
    nonce = store.issue(wa_id=OWNER, action=ACTION, values=VALUES)
    result = store.consume(nonce=nonce, wa_id=OWNER, action="offer.cancel")
    assert result == ConsumeResult(ConsumeStatus.FOREIGN)
    assert store.consume(nonce=nonce, wa_id=OWNER, action=ACTION).ok


@pytest.mark.parametrize("nonce", ["", "short", "A" * 23, "a" * 21 + "!", "a" * 21 + ".", None, 12345])
def test_malformed_nonces_are_expired_without_touching_redis(store, redis_state, nonce):
    issued = store.issue(wa_id=OWNER, action=ACTION, values=VALUES)
    before = redis_state.info("stats")["total_commands_processed"]
    assert store.consume(nonce=nonce, wa_id=OWNER, action=ACTION).status is ConsumeStatus.EXPIRED
    assert redis_state.info("stats")["total_commands_processed"] - before == 1  # only the INFO call itself
    assert store.consume(nonce=issued, wa_id=OWNER, action=ACTION).ok


def test_a_never_issued_nonce_is_expired(store):
    assert store.consume(nonce="A" * 22, wa_id=OWNER, action=ACTION).status is ConsumeStatus.EXPIRED


def test_twenty_concurrent_taps_of_one_confirmation_give_exactly_one_ok(store):
    nonce = store.issue(wa_id=OWNER, action=ACTION, values=VALUES)
    results: list[ConsumeResult] = []

    def tap(own_store: ConfirmationStore) -> None:
        results.append(own_store.consume(nonce=nonce, wa_id=OWNER, action=ACTION))

    # each thread its own client use, as separate workers would; built before the barrier releases them
    errors = run_together(tap, [(ConfirmationStore(),) for _ in range(20)])
    assert errors == []
    statuses = [result.status for result in results]
    assert len(statuses) == 20
    assert statuses.count(ConsumeStatus.OK) == 1
    assert statuses.count(ConsumeStatus.USED) == 19


def test_nonces_are_random_128_bit_tokens_that_fit_a_button_id(store):
    nonces = {store.issue(wa_id=OWNER, action=ACTION, values=VALUES) for _ in range(200)}
    assert len(nonces) == 200
    for nonce in nonces:
        assert NONCE_PATTERN.fullmatch(nonce) and len(nonce) == 22  # 22 × 6 bits = 132 ≥ 128 random bits
        assert ids.is_arg(nonce)
        button = ids.make("offer", "confirm", "yes", nonce)
        assert len(button) <= ids.ROW_ID_MAX and ids.parse(button).arg == nonce
    alphabet = set("".join(nonces))
    assert len(alphabet) > 50  # the full URL-safe alphabet is really used
    assert alphabet <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def test_no_phone_number_is_stored_in_key_names_or_values(store, redis_state):
    store.issue(wa_id=OWNER, action=ACTION, values={"amount": "1.00"})
    nonce = store.issue(wa_id=OWNER, action=ACTION, values={"amount": "2.00"})
    store.consume(nonce=nonce, wa_id=OWNER, action=ACTION)
    keys = redis_state.keys("*")
    assert len(keys) == 2 and all(re.fullmatch(rb"vp:confirm:[A-Za-z0-9_-]{22}", key) for key in keys)
    for key in keys:
        assert OWNER.encode() not in key + redis_state.get(key)
    assert member_hash(OWNER) != member_hash(OTHER) and OWNER not in member_hash(OWNER)


@pytest.mark.parametrize(
    "values",
    [
        {"amount": 12.5},
        {"amount": Decimal("12.50")},
        {"nested": {"x": float("nan")}},
        {"when": (1, 2)},
        {1: "a"},
    ],
)
def test_values_must_be_json_primitives(store, redis_state, values):
    with pytest.raises(StateDataError):
        store.issue(wa_id=OWNER, action=ACTION, values=values)
    assert redis_state.keys("*") == []


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"action": "Offer Create"}, ValueError),
        ({"action": ""}, ValueError),
        ({"wa_id": ""}, ValueError),
        ({"ttl_seconds": 0}, ValueError),
        ({"ttl_seconds": 1.5}, ValueError),
        ({"values": {"blob": "x" * 3000}}, ValueError),
        ({"values": ["amount", "12.50"]}, TypeError),
    ],
)
def test_bad_issue_arguments_are_programming_errors_and_store_nothing(store, redis_state, kwargs, error):
    arguments = {"wa_id": OWNER, "action": ACTION, "values": VALUES, **kwargs}
    with pytest.raises(error):
        store.issue(**arguments)
    assert redis_state.keys("*") == []
