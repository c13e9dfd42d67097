"""Hygiene attacks (issue 18, hole 9): guessing the notify key, and phone numbers left behind in Redis.

- `KEY_GUESSES`: wrong `X-Notify-Key` values sent all at once (a barrier) from one address, then one more
  request with `then_key` from `then_from`. Expected: how the guesses were answered (403 = compared with the
  key and refused, 429 = refused before any comparison, 503 = the limiter's Redis is down) and the status of
  the last request. The "key mismatch" log lines count the comparisons actually made.
- `TRACES`: a real conversation through the signed webhook against the sandbox ledger (two members onboard;
  one offers the other credex, up to the confirmation screen, so the payer's conversation and confirmation
  hold the receiver's number), then the receiver's erasure through the operator API. Each row looks for a
  number where someone who can read Redis (its key names, its stream, its files on disk) would find it;
  expected: nowhere.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client
from django_redis import get_redis_connection

from bot import queue, stream_pusher
from deploy.localredis import free_port
from devtools import payloads as p
from flows.store import member_keys
from tests.e2e.chat import Member
from tests.e2e.conftest import ledger, onboard  # noqa: F401 - `ledger` is a fixture used here
from tests.support.aof import held_rewrite
from tests.support.concurrency import run_together
from tests.support.harness import redis_servers
from tests.support.notify import KEY, notify, notify_settings_fixture  # noqa: F401 - autouse fixture
from tests.support.operators import bearer, make_user, tokens
from tests.support.signing import post_signed

pytestmark = pytest.mark.django_db(transaction=True)

# --- guessing the notify key --------------------------------------------------------------------------
LIMIT, WINDOW = 10, 900
ATTACKER, LEDGER = "203.0.113.66", "198.51.100.7"


@dataclass(frozen=True)
class KeyGuess:
    name: str
    guesses: int  # wrong keys sent at once from ATTACKER
    answers: dict[int, int]  # status → how many guesses got it
    then_from: str  # then the right key, from this address
    then_status: int
    forwarded: bool = False  # each guess also claims another X-Forwarded-For address
    redis_down: bool = False


FLOOD = {403: LIMIT, 429: 300 - LIMIT}  # 300 guesses: LIMIT compared with the key, the rest refused unread

KEY_GUESSES = [
    KeyGuess("300 wrong keys at once from one address", 300, FLOOD, ATTACKER, 429),
    KeyGuess("the ledger's own address after a flood from another", 300, FLOOD, LEDGER, 200),
    KeyGuess("a different X-Forwarded-For on every guess", 300, FLOOD, ATTACKER, 429, forwarded=True),
    KeyGuess(
        "fewer wrong keys than the limit, then the right one", LIMIT - 1, {403: LIMIT - 1}, ATTACKER, 200
    ),
    KeyGuess("wrong keys while the cache Redis is down", 20, {503: 20}, LEDGER, 503, redis_down=True),
]


@pytest.mark.parametrize("row", KEY_GUESSES, ids=lambda row: row.name)
def test_key_guesses(row, settings, fake_graph, caplog):
    settings.NOTIFY_WRONG_KEYS_PER_ADDRESS, settings.NOTIFY_WRONG_KEYS_WINDOW_SECONDS = LIMIT, WINDOW
    # 300 requests at once in one process, as if from many web processes: a connection each (redis-py's
    # pool holds 100 by default; a web process runs a few threads). A new URL gets its own pool.
    location = (
        f"redis://127.0.0.1:{free_port()}/0" if row.redis_down else settings.CACHES["default"]["LOCATION"]
    )
    location += f"?max_connections={row.guesses + 10}"
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": location}}
    statuses: list[int] = []

    def guess(number: int) -> None:
        forged = {"HTTP_X_FORWARDED_FOR": f"192.0.2.{number % 250}"} if row.forwarded else {}
        statuses.append(notify(Client(), key=f"guess-{number}", REMOTE_ADDR=ATTACKER, **forged).status_code)

    with caplog.at_level(logging.INFO, logger="security.notify"):
        assert run_together(guess, [(number,) for number in range(row.guesses)]) == []
        last = notify(Client(), key=KEY, REMOTE_ADDR=row.then_from)

    assert Counter(statuses) == row.answers
    assert caplog.text.count("key mismatch") == row.answers.get(403, 0)  # keys actually compared
    assert last.status_code == row.then_status
    assert len(fake_graph.requests) == (1 if row.then_status == 200 else 0)
    if row.then_status == 429:
        assert 1 <= int(last["Retry-After"]) <= WINDOW
        assert last.json()["error"].startswith("too many wrong keys")
    lockouts = [r.getMessage() for r in caplog.records if "wrong notify keys" in r.getMessage()]
    assert len(lockouts) == (1 if 429 in row.answers else 0)  # once per address and window, not per guess
    assert not any(ATTACKER in line for line in lockouts)  # the address masked
    assert KEY not in caplog.text and "guess-1" not in "".join(lockouts)


# --- phone numbers in Redis ---------------------------------------------------------------------------
def new_number() -> str:
    """A number no other test uses: the state server's files outlive each test's FLUSHDB."""
    return f"26378{secrets.randbelow(10**7):07d}"


def keys_naming(numbers: list[str]) -> list[str]:
    """Every key on both Redis instances whose name holds one of the numbers (a full SCAN)."""
    found = []
    for alias in ("default", "state"):
        for key in get_redis_connection(alias).scan_iter(count=1000):
            found += [key.decode() for number in numbers if number.encode() in key]
    return found


@dataclass
class Watched(Member):
    """A member whose every turn is followed by a look at the key names of both Redis instances."""

    seen: list[str] = field(default_factory=list)
    watch: list[str] = field(default_factory=list)

    def deliver(self, message: dict) -> list[dict]:
        replies = super().deliver(message)
        self.seen += keys_naming(self.watch)
        return replies


@dataclass
class Scene:
    """The conversation played: the payer offered the receiver credex up to the confirmation screen."""

    client: Client
    payer: Watched
    receiver: Watched
    access: str
    settings: object  # pytest-django's `settings` fixture (restored after the test)

    def erase_receiver(self) -> dict:
        response = self.client.post(f"/api/members/{self.receiver.phone}/erase/", **bearer(self.access))
        assert response.status_code == 200, response.content
        return response.json()


def files_holding(number: str) -> list[str]:
    """Files of both Redis servers (AOF, RDB, anything in their data folders) that hold the number's digits;
    an RDB-encoded file counts as holding it, since RDB may store digits as integers or compressed."""
    found = []
    for server in redis_servers():
        for path in sorted(Path(server.data_dir).rglob("*")):
            content = path.read_bytes() if path.is_file() else b""
            if number.encode() in content or content.startswith(b"REDIS"):
                found.append(f"{server.role}:{path.name}")
    return found


def rewrite_unfinished(erasure: dict) -> list[str]:
    """The erasure's answer must say the state Redis rewrote its append-only file."""
    status = erasure["redis"].get("state_aof_rewrite")
    return [] if status == "done" else [f"append-only file rewrite: {status}"]


def numbers_in_state_files(scene: Scene) -> list[str]:
    assert files_holding(scene.receiver.phone)  # before: the payer's offer holds the receiver's number
    done = scene.erase_receiver()
    return files_holding(scene.receiver.phone) + rewrite_unfinished(done)


def numbers_in_state_files_despite_a_running_rewrite(scene: Scene) -> list[str]:
    state, answers = get_redis_connection("state"), []
    with held_rewrite(state):  # forked before the erasure: its copy still holds the receiver's keys
        eraser = threading.Thread(target=lambda: answers.append(scene.erase_receiver()))
        eraser.start()
        deadline = time.monotonic() + 10
        while state.exists(member_keys(scene.receiver.phone).state) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # the erasure has deleted, asked for a rewrite and been told one is running
    eraser.join(30)
    assert len(answers) == 1, "the erasure did not answer 200"
    return files_holding(scene.receiver.phone) + rewrite_unfinished(answers[0])


def numbers_in_key_names(scene: Scene) -> list[str]:
    scene.erase_receiver()
    return scene.payer.seen + scene.receiver.seen + keys_naming([scene.payer.phone, scene.receiver.phone])


def numbers_in_stream_entries(scene: Scene) -> list[str]:
    scene.settings.PROCESSING_MODE = "queue"
    assert (
        post_signed(scene.client, p.text_payload("hi again", sender=scene.receiver.phone)).status_code == 200
    )
    assert stream_pusher.flush(5)
    entries = get_redis_connection("state").xrange(queue.stream_key())
    assert entries
    return [repr(fields) for _id, fields in entries if scene.receiver.phone.encode() in repr(fields).encode()]


@dataclass(frozen=True)
class Trace:
    name: str
    findings: Callable[[Scene], list[str]]  # where the number still shows; expected: nowhere


TRACES = [
    Trace("a number in a key name during a conversation", numbers_in_key_names),
    Trace("a number in an inbox stream entry", numbers_in_stream_entries),
    Trace("a number in the state Redis files after erasure", numbers_in_state_files),
    Trace(
        "a number in the files after erasure during a rewrite",
        numbers_in_state_files_despite_a_running_rewrite,
    ),
]


@pytest.fixture
def scene(ledger, settings) -> Scene:  # noqa: F811 - the imported `ledger` fixture
    settings.PROCESSING_MODE = "inline"
    payer, receiver = Watched(phone=new_number()), Watched(phone=new_number())
    payer.watch = receiver.watch = [payer.phone, receiver.phone]
    onboard(payer, "Tendai", "Moyo")
    onboard(receiver, "Rudo", "Dube")
    ledger.mint(payer.phone, "8.00")
    receiver.say("hi")
    for text in ("offer", "7.50", receiver.phone):
        payer.say(text)
    payer.tap("Secured")
    assert "Please confirm this offer" in payer.text() and "To: *Rudo Dube Personal*" in payer.text()
    client = Client()
    make_user()
    access = tokens(client)["access"]
    return Scene(client=client, payer=payer, receiver=receiver, access=access, settings=settings)


@pytest.mark.slow
@pytest.mark.parametrize("row", TRACES, ids=lambda row: row.name)
def test_traces(row, scene):
    export = scene.client.get(f"/api/members/{scene.receiver.phone}/export/", **bearer(scene.access)).json()
    assert export["redis"]["state_redis"]["conversation"] is not None  # export finds the hashed keys
    assert row.findings(scene) == []
