"""Benchmark: ledger requests per turn, for each flow (the ledger limits per IP address, so every request a
turn does not need is a slot another member waits for).

It starts its own throwaway Redis pair, sandbox ledger and Gunicorn (signed webhook, mock mode, turns
processed inline) like `bench.conversation`, then drives three members through every ledger-backed flow,
one turn at a time: onboarding, "hi", an offer step by step and by shorthand, accepting, declining and
cancelling offers, the ledger view, and some turns again after the member's ledger token expired (a member
who took more than the token's 4 minutes to answer). Before and after each turn it reads the sandbox's
request counters, and prints one row per turn: the requests the ledger saw and their routes. The client-side
throttle and the per-member limits are out of reach here (they would pace the turns, not count them).

`python -m bench.ledger_calls`
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import redis
import requests

from bench.common import format_table, gunicorn_server
from bench.conversation import Bot, fund_payer, onboard, start_stack
from bench.ledger_client import ADMIN_KEY

PAYER, PAYEE, NEWCOMER = "263779100001", "263779100002", "263779100003"
NAMES = {PAYER: "Payer", PAYEE: "Payee", NEWCOMER: "Newcomer"}
SKIPPED_ROWS = ("Accept all", "Previous", "Next")


@dataclass(frozen=True)
class Turn:
    """One member's turn: the flow it belongs to, what the member does, and who."""

    flow: str
    label: str
    member: str
    act: Callable[[Bot], object]
    expire_tokens_first: bool = False


def say(member: str, text: str) -> Callable[[Bot], object]:
    return lambda bot: bot.say(member, text)


def tap(member: str, prefix: str) -> Callable[[Bot], object]:
    """Tap the first option of the last reply whose title starts with `prefix`."""

    def act(bot: Bot) -> object:
        title = next(title for title in bot.options if title.startswith(prefix))
        return bot.tap(member, title)

    return act


def tap_row(member: str) -> Callable[[Bot], object]:
    """Tap the first list row that is an item (not "Accept all" or a page turn)."""

    def act(bot: Bot) -> object:
        title = next(title for title in bot.options if not title.startswith(SKIPPED_ROWS))
        return bot.tap(member, title)

    return act


def script() -> list[Turn]:
    """Every ledger-backed flow, turn by turn (offers first, so the others have offers to act on)."""
    shorthand = f"0.01=>{PAYEE}"
    return [
        Turn("onboard", '"hi" (not a member)', NEWCOMER, say(NEWCOMER, "hi")),
        Turn("onboard", "tap Become a member", NEWCOMER, tap(NEWCOMER, "Become a member")),
        Turn("onboard", "first name", NEWCOMER, say(NEWCOMER, "New")),
        Turn("onboard", "last name", NEWCOMER, say(NEWCOMER, "Member")),
        Turn("onboard", "tap USD", NEWCOMER, tap(NEWCOMER, "USD")),
        Turn("onboard", "tap Open account", NEWCOMER, tap(NEWCOMER, "Open account")),
        Turn("home", '"hi"', PAYER, say(PAYER, "hi")),
        Turn("home", '"hi", token expired', PAYER, say(PAYER, "hi"), expire_tokens_first=True),
        Turn("offer", '"offer"', PAYER, say(PAYER, "offer")),
        Turn("offer", "amount", PAYER, say(PAYER, "0.01")),
        Turn("offer", "handle", PAYER, say(PAYER, PAYEE)),
        Turn("offer", "tap Secured", PAYER, tap(PAYER, "Secured")),
        Turn("offer", "tap Confirm", PAYER, tap(PAYER, "Confirm")),
        Turn("offer shorthand", shorthand, PAYER, say(PAYER, shorthand)),
        Turn("offer shorthand", "tap Confirm", PAYER, tap(PAYER, "Confirm")),
        Turn("offer shorthand", shorthand + ", token expired", PAYER, say(PAYER, shorthand), True),
        Turn("offer shorthand", "tap Confirm, token expired", PAYER, tap(PAYER, "Confirm"), True),
        Turn("offer shorthand", shorthand, PAYER, say(PAYER, shorthand)),
        Turn("offer shorthand", "tap Confirm", PAYER, tap(PAYER, "Confirm")),
        Turn("incoming", '"incoming"', PAYEE, say(PAYEE, "incoming")),
        Turn("incoming", "tap an offer", PAYEE, tap_row(PAYEE)),
        Turn("incoming", "tap Accept", PAYEE, tap(PAYEE, "Accept")),
        Turn("incoming", "tap an offer", PAYEE, tap_row(PAYEE)),
        Turn("incoming", "tap Decline", PAYEE, tap(PAYEE, "Decline")),
        Turn("incoming", "tap an offer", PAYEE, tap_row(PAYEE)),
        Turn("incoming", "tap Accept, token expired", PAYEE, tap(PAYEE, "Accept"), True),
        Turn("outgoing", '"outgoing"', PAYER, say(PAYER, "outgoing")),
        Turn("outgoing", "tap an offer", PAYER, tap_row(PAYER)),
        Turn("outgoing", "tap Cancel offer", PAYER, tap(PAYER, "Cancel offer")),
        Turn("ledger", '"ledger"', PAYER, say(PAYER, "ledger")),
        Turn("ledger", "tap an entry", PAYER, tap_row(PAYER)),
        Turn("ledger", "tap Menu", PAYER, tap(PAYER, "Menu")),
        Turn("help", '"help"', PAYER, say(PAYER, "help")),
    ]


class Counters:
    """The sandbox's per-route request counters (`/devadmin/stats`, which is not itself counted)."""

    def __init__(self, sandbox: str) -> None:
        self.sandbox = sandbox

    def read(self) -> Counter[str]:
        answer = requests.post(
            f"{self.sandbox}/devadmin/stats", json={}, headers={"x-dev-admin-key": ADMIN_KEY}, timeout=10
        )
        answer.raise_for_status()
        return Counter(answer.json()["data"]["requests"])


def expire_tokens(cache: redis.Redis) -> None:
    """Forget every member's ledger token, as 4 idle minutes would."""
    for key in cache.scan_iter(match="*credex:token:*"):
        cache.delete(key)


def play(bot: Bot, counters: Counters, cache: redis.Redis) -> list[list[object]]:
    """Run the script; one table row per turn: flow, turn, who, requests, routes."""
    rows = []
    for turn in script():
        if turn.expire_tokens_first:
            expire_tokens(cache)
        before = counters.read()
        turn.act(bot)
        used = counters.read() - before
        routes = ", ".join(f"{route} {count}" for route, count in sorted(used.items()))
        rows.append([turn.flow, turn.label, NAMES[turn.member], sum(used.values()), routes or "-"])
    return rows


def totals(rows: list[list[object]]) -> str:
    """Requests per flow, summed over its turns."""
    per_flow: Counter[str] = Counter()
    for row in rows:
        per_flow[str(row[0])] += int(row[3])
    return "requests per flow: " + ", ".join(f"{flow} {count}" for flow, count in per_flow.items())


def prepare(sandbox: str) -> None:
    for phone in (PAYER, PAYEE):
        onboard(sandbox, phone, NAMES[phone])
    fund_payer(sandbox, "100", PAYER)


def benchmark(workdir: Path, cleanup: ExitStack) -> str:
    cache, _state, sandbox, env = start_stack(workdir, cleanup)
    prepare(sandbox)
    with gunicorn_server(env, workdir / "bot.log") as port:
        rows = play(Bot(port), Counters(sandbox), redis.Redis.from_url(cache.url))
    table = format_table(["flow", "turn", "member", "ledger requests", "routes"], rows)
    return table + "\n\n" + totals(rows)


def run(argv: list[str] | None = None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="vp-bench-ledger-calls-"))
    try:
        with ExitStack() as cleanup:
            print(benchmark(workdir, cleanup))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    run(sys.argv[1:])
