"""`run_turn` against the real state Redis: state saved and cleared, real idle expiry, failures turned into an
apology with a reference code (logged without PII), a lost compare-and-set, Redis unreachable, and the
number of Redis commands one turn costs (lock included).
"""

import logging
import re
import time

import redis
from django_redis import get_redis_connection
from redis.backoff import NoBackoff
from redis.retry import Retry

from deploy.localredis import free_port
from flows import ids, texts
from flows.flow import Flow, Goto, Step
from flows.ports import Ports
from flows.registry import Registry
from flows.services import run_turn
from flows.store import ConversationStore, member_lock
from flows.types import ListReply, TextReply
from tests.unit.demo_flows import WA_ID, DemoHome, FakeLedger, Pay, tap, text
from tests.unit.member_ledger import ACCOUNT_ID, MemberLedger

APOLOGY = re.compile(r"Reference: ([A-Z]{6})$")
SECRET_INPUT = "my pin is 4242"


def keys() -> list[bytes]:
    return sorted(get_redis_connection("state").keys("vp:conv:*"))


def now() -> int:
    return int(time.time())


def member_ports() -> Ports:
    return Ports(ledger=MemberLedger())


def test_hi_answers_with_the_dashboard_and_keeps_only_the_active_account():
    replies = run_turn(text("hi", ts=now()), now=now(), ports=member_ports())
    assert len(replies) == 1 and isinstance(replies[0], ListReply)
    assert replies[0].body.startswith("*Tendai Moyo Personal*")
    stored = ConversationStore().load(WA_ID)
    assert (stored.flow, dict(stored.session)) == (None, {"acct": ACCOUNT_ID})


def test_a_flow_is_saved_between_turns_and_cleared_when_cancelled():
    topics = run_turn(text("help", ts=now()), now=now(), ports=member_ports())
    stored = ConversationStore().load(WA_ID)
    assert (stored.flow, stored.step, stored.version) == ("help", "topics", 1)
    fees_id = next(row.id for row in topics[0].sections[0].rows if row.title == "Fees")
    run_turn(tap(fees_id, ts=now()), now=now(), ports=member_ports())
    stored = ConversationStore().load(WA_ID)
    assert (stored.step, stored.data, stored.history, stored.version) == (
        "topic",
        {"topic": "fees"},
        ("topics",),
        2,
    )
    replies = run_turn(text("cancel", ts=now()), now=now(), ports=member_ports())
    assert replies[0].body.startswith(texts.CANCELLED)
    assert not ConversationStore().load(WA_ID).in_flow


def test_a_flow_left_idle_past_the_real_ttl_times_out(settings):
    settings.CONVERSATION_IDLE_TTL_SECONDS = 1
    topics = run_turn(text("help", ts=now()), now=now(), ports=member_ports())
    time.sleep(1.2)
    fees_id = next(row.id for row in topics[0].sections[0].rows if row.title == "Fees")
    replies = run_turn(tap(fees_id, ts=now()), now=now(), ports=member_ports())
    assert replies[0].body.startswith(f"{texts.TIMED_OUT}\n\n*Tendai Moyo Personal*")
    assert not ConversationStore().load(WA_ID).in_flow


class Boom(Flow):
    """Raises on any typed input, with member input in the exception message."""

    name = "boom"
    triggers = ("boom",)
    steps = (
        Step(
            "ask",
            prompt=lambda state: TextReply(body="Say something"),
            on_text=lambda turn, state: _boom(turn),
        ),
    )


def _boom(turn):
    raise ValueError(f"cannot handle {turn.text!r} from {turn.wa_id}")


def test_a_flow_that_raises_gets_an_apology_with_a_reference_and_its_state_is_cleared(caplog):
    registry = Registry((Boom(),), DemoHome())
    run_turn(text("boom", ts=now()), now=now(), registry=registry)
    assert ConversationStore().load(WA_ID).flow == "boom"
    with caplog.at_level(logging.DEBUG):
        replies = run_turn(text(SECRET_INPUT, ts=now()), now=now(), registry=registry)
    assert len(replies) == 1
    reference = APOLOGY.search(replies[0].body).group(1)
    assert keys() == []
    logged = caplog.text
    assert reference in logged and "ValueError" in logged and "•••••••4567" in logged
    assert WA_ID not in logged and SECRET_INPUT not in logged
    assert run_turn(text("boom", ts=now()), now=now(), registry=registry)[0].body == "Say something"


def test_a_lost_compare_and_set_apologises_and_keeps_the_newer_state():
    # The handler lets "another worker" (whose lock had expired) save first, as a real race would.
    def racing_handler(turn, state):
        rival = ConversationStore()
        rival.save(WA_ID, state, expected_version=rival.load(WA_ID).version)
        return Goto("b")

    class Race(Flow):
        name = "race"
        triggers = ("race",)
        steps = (
            Step("a", prompt=lambda s: TextReply(body="a"), on_text=racing_handler, next=("b",)),
            Step("b", prompt=lambda s: TextReply(body="b")),
        )

    registry = Registry((Race(),), DemoHome())
    run_turn(text("race", ts=now()), now=now(), registry=registry)
    replies = run_turn(text("go", ts=now()), now=now(), registry=registry)
    assert APOLOGY.search(replies[0].body)
    kept = ConversationStore().load(WA_ID)
    assert (kept.step, kept.version) == ("a", 2)  # the rival's write survives


def test_unreachable_redis_still_gets_an_apology_not_a_crash():
    no_retry = Retry(NoBackoff(), 0)
    dead = redis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2, retry=no_retry)
    replies = run_turn(text("hi", ts=now()), now=now(), store=ConversationStore(dead))
    assert APOLOGY.search(replies[0].body)


def test_the_ledger_port_reaches_flow_handlers():
    ledger = FakeLedger()
    registry = Registry((Pay(),), DemoHome())
    ports = Ports(ledger=ledger)
    for line in ("pay", "5", "bob"):
        confirm = run_turn(text(line, ts=now()), now=now(), registry=registry, ports=ports)
    run_turn(tap(confirm[0].buttons[0].id, ts=now()), now=now(), registry=registry, ports=ports)
    assert ledger.payments == [{"amount": "5", "handle": "bob"}]


class CountingRedis(redis.Redis):
    """A real client to the state Redis that counts the commands it sends (one command = one round trip)."""

    sent: list[str]

    def execute_command(self, *args, **options):
        self.sent.append(str(args[0]))
        return super().execute_command(*args, **options)


def test_a_turn_in_a_flow_costs_three_redis_round_trips_lock_included(settings):
    conn = CountingRedis.from_url(settings.REDIS_STATE_URL)
    conn.sent = []
    store = ConversationStore(conn)
    lock = {"ttl_ms": 5_000, "wait_seconds": 1, "connection": conn}
    with member_lock(WA_ID, **lock) as held:  # warm: scripts loaded once
        run_turn(text("help", ts=now()), now=now(), store=store, held=held)
    conn.sent.clear()
    fees = tap(ids.make("help", "topics", "topic", "fees"), ts=now())
    with member_lock(WA_ID, **lock) as held:
        run_turn(fees, now=now(), store=store, held=held)
    assert conn.sent == ["EVALSHA", "EVALSHA", "EVALSHA"]  # lock + load, save, unlock
    assert ConversationStore().load(WA_ID).step == "topic"
    conn.sent.clear()
    with member_lock(WA_ID, **lock) as held:  # two turns under one lock:
        run_turn(text("back", ts=now()), now=now(), store=store, held=held)  # the state read with the lock
        run_turn(text("help", ts=now()), now=now(), store=store, held=held)  # then, what the first saved
    assert conn.sent == ["EVALSHA", "EVALSHA", "MGET", "EVALSHA", "EVALSHA"]
    assert ConversationStore().load(WA_ID).step == "topics"
