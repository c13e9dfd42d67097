"""Benchmark: whole conversation turns through Gunicorn, the signed webhook (mock mode, processed inline), a
throwaway Redis pair and the sandbox ledger on loopback — beside the bare-view floor of the same server.

One caller, sequential, so each figure is one turn's own latency. Measured:
- "hi" from an existing member: login at the ledger + dashboard;
- a complete offer, step by step: `offer`, the amount, the handle, tap *Secured*, tap *Confirm* (5 turns);
- per turn, in a separate pass watched with `MONITOR`: round trips to each Redis instance (commands that a
  Lua script runs inside the server are not round trips and are not counted), and ledger requests (the
  sandbox's counters); the stored conversation state per member in bytes at its largest
  (the confirmation step). Targets: ≤ 4 state-Redis round trips per turn, state ≤ 2 KB.
The client-side ledger throttle and the per-member inbound and money limits are set out of reach here (they
would pace the turns, not measure them); their Redis round trips are still counted.

`python -m bench.conversation [--members N] [--offers N]`
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import redis
import requests

from bench.common import base_environment, format_table, gunicorn_server, percentile, run_checked
from bench.ledger_client import ADMIN_KEY, CLIENT_KEY, sandbox_process
from deploy.localredis import RedisServer, free_port, start_pair
from devtools.payloads.deliveries import new_wamid, whatsapp_choice_payload, whatsapp_text_payload
from security.signatures import sign_body

SECRET = "bench-conversation-app-secret"  # noqa: S105 - the throwaway server's own test secret
PHONE_NUMBER_ID = "100000000000001"
PAYER = "263779000001"


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.conversation", description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200, help='members saying "hi"')
    parser.add_argument("--offers", type=int, default=60, help="complete offers (5 turns each)")
    return parser.parse_args(argv)


class Bot:
    """One keep-alive connection posting signed mock deliveries; remembers the last reply's options."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.latencies: list[float] = []
        self.options: dict[str, tuple[str, str]] = {}

    def post(self, payload: dict, *, measured: bool = True) -> list[dict]:
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "X-Mock-Testing": "true",
                   "X-Hub-Signature-256": sign_body(body, SECRET.encode())}  # fmt: skip
        began = time.perf_counter()
        self.connection.request("POST", "/bot/webhook", body=body, headers=headers)
        answer = self.connection.getresponse().read()
        if measured:
            self.latencies.append(time.perf_counter() - began)
        replies = json.loads(answer).get("replies", []) if answer.startswith(b"{") else []
        self.options = {title: target for reply in replies for title, target in _options(reply).items()}
        return replies

    def say(self, wa_id: str, text: str, **kwargs: bool) -> list[dict]:
        payload = whatsapp_text_payload(
            text=text, wamid=new_wamid(), phone_number_id=PHONE_NUMBER_ID, wa_id=wa_id
        )
        return self.post(payload, **kwargs)

    def tap(self, wa_id: str, title: str) -> list[dict]:
        choice_id, kind = self.options[title]
        payload = whatsapp_choice_payload(choice_id=choice_id, title=title, kind=kind, wamid=new_wamid(),
                                          phone_number_id=PHONE_NUMBER_ID, wa_id=wa_id)  # fmt: skip
        return self.post(payload)


def _options(reply: dict) -> dict[str, tuple[str, str]]:
    interactive = reply.get("interactive") or {}
    if interactive.get("type") == "button":
        return {b["reply"]["title"]: (b["reply"]["id"], "button") for b in interactive["action"]["buttons"]}
    rows = [row for section in interactive.get("action", {}).get("sections", []) for row in section["rows"]]
    return {row["title"]: (row["id"], "list") for row in rows}


class RoundTrips:
    """Counts the commands clients send to one Redis server while open (`MONITOR`): round trips, not the
    commands a Lua script runs inside the server (MONITOR marks those "lua"; they cost no round trip)."""

    STOP = "vp-bench-round-trips-stop"

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.count = 0
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> RoundTrips:
        self.thread.start()
        self.ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.echo(self.STOP)
        self.thread.join(10)

    def _watch(self) -> None:
        with self.client.monitor() as monitor:
            self.ready.set()
            for command in monitor.listen():
                if self.STOP in command["command"]:
                    return
                if command["client_type"] != "lua":
                    self.count += 1


def onboard(sandbox: str, phone: str, first: str) -> None:
    body = {"phone": phone, "firstname": first, "lastname": "Bench", "defaultDenom": "USD"}
    headers = {"x-client-api-key": CLIENT_KEY}
    requests.post(f"{sandbox}/onboardMember", json=body, headers=headers, timeout=10).raise_for_status()


def ledger_requests(sandbox: str) -> int:
    answer = requests.post(
        f"{sandbox}/devadmin/stats", json={}, headers={"x-dev-admin-key": ADMIN_KEY}, timeout=10
    )
    return sum(answer.json()["data"]["requests"].values())


def measure(bot: Bot, sandbox: str, turns) -> dict:
    """Run `turns()`: the latency of each turn and the ledger calls per turn."""
    bot.latencies = []
    ledger_before = ledger_requests(sandbox)
    turns()
    count = len(bot.latencies)
    ledger_used = ledger_requests(sandbox) - ledger_before - 1  # our own stats call
    return {"turns": count, "latencies": bot.latencies, "ledger": ledger_used / count}


def round_trips(bot: Bot, clients: list[redis.Redis], turns) -> tuple[float, float]:
    """Round trips per turn to the (cache, state) Redis while `turns()` runs (a separate, watched pass)."""
    bot.latencies = []
    with RoundTrips(clients[0]) as cache, RoundTrips(clients[1]) as state:
        turns()
    count = len(bot.latencies)
    return cache.count / count, state.count / count


def offer_turns(bot: Bot, payee: str, count: int):
    def turns() -> None:
        for _ in range(count):
            bot.say(PAYER, "offer")
            bot.say(PAYER, "0.01")
            bot.say(PAYER, payee)
            bot.tap(PAYER, "Secured")
            bot.tap(PAYER, "Confirm")

    return turns


def largest_state(state: redis.Redis, bot: Bot, payee: str) -> int:
    """Bytes of the payer's stored state at the confirmation step (its largest)."""
    for text in ("offer", "0.01", payee):
        bot.say(PAYER, text, measured=False)
    bot.tap(PAYER, "Secured")
    # Key names hold a keyed hash of the number, not the number: the payer's is the largest state there.
    states = [key for key in state.scan_iter(match="vp:conv:*") if not key.endswith(b":marker")]
    size = max(state.strlen(key) for key in states)
    bot.say(PAYER, "cancel", measured=False)
    return int(size)


def server_env(workdir: Path, cache_url: str, state_url: str, sandbox: str) -> dict[str, str]:
    return {
        **base_environment(), "DJANGO_ENV": "development", "DEBUG": "False", "MOCK_TESTING_ENABLED": "True",
        "DATABASE_URL": f"sqlite:///{workdir / 'bot.sqlite3'}", "REDIS_CACHE_URL": cache_url,
        "REDIS_STATE_URL": state_url, "WHATSAPP_APP_SECRET": SECRET, "WHATSAPP_APP_SECRET_PREVIOUS": "",
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID, "MYCREDEX_APP_URL": sandbox,
        "CLIENT_API_KEY": CLIENT_KEY, "MYCREDEX_THROTTLE_PER_MINUTE": "0", "LOG_LEVEL": "WARNING",
        "GUNICORN_LOG_LEVEL": "warning", "INBOUND_PER_MINUTE": "1000000", "MONEY_PER_MINUTE": "1000000",
    }  # fmt: skip


def row(label: str, figures: dict) -> list[object]:
    latencies = figures["latencies"]
    per_second = len(latencies) / sum(latencies) if latencies else 0.0
    p50, p99 = (percentile(latencies, share) * 1000 for share in (0.5, 0.99))
    return [
        label,
        figures["turns"],
        f"{per_second:.0f}",
        f"{p50:.1f}",
        f"{p99:.1f}",
        f"{figures['ledger']:.1f}",
    ]


def fund_payer(sandbox: str, amount: str, phone: str = PAYER) -> None:
    """Tier 3 (no daily limit) and `amount` USD of secured credit for the paying member."""
    admin = {"x-dev-admin-key": ADMIN_KEY}
    requests.post(f"{sandbox}/devadmin/setTier", json={"phone": phone, "tier": 3}, headers=admin,
                  timeout=10).raise_for_status()  # fmt: skip
    requests.post(f"{sandbox}/devadmin/mint", json={"accountHandle": phone, "amount": amount, "denom": "USD"},
                  headers=admin, timeout=10).raise_for_status()  # fmt: skip


def start_stack(workdir: Path, cleanup: ExitStack) -> tuple[RedisServer, RedisServer, str, dict[str, str]]:
    """The Redis pair, the sandbox and a migrated database: (cache, state, sandbox URL, the bot's env)."""
    cache, state = start_pair(workdir, free_port(), free_port())
    cleanup.callback(cache.stop)
    cleanup.callback(state.stop)
    sandbox = cleanup.enter_context(sandbox_process(workdir))
    env = server_env(workdir, cache.url, state.url, sandbox)
    run_checked([sys.executable, "manage.py", "migrate", "--noinput"], env, "migrate")
    return cache, state, sandbox, env


def benchmark(workdir: Path, options: argparse.Namespace, cleanup: ExitStack) -> str:
    cache, state, sandbox, env = start_stack(workdir, cleanup)
    members = [f"26377{n:07d}" for n in range(options.members)]
    for phone in [PAYER, *members]:
        onboard(sandbox, phone, "Member")
    fund_payer(sandbox, "1000")
    clients = [redis.Redis.from_url(cache.url), redis.Redis.from_url(state.url)]
    floor_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.floor"}
    with gunicorn_server(floor_env, workdir / "floor.log") as port:
        floor_bot = Bot(port)
        floor = measure(floor_bot, sandbox, lambda: [floor_bot.post({}) for _ in members])
    with gunicorn_server(env, workdir / "bot.log") as port:
        bot = Bot(port)
        for phone in members[:20]:
            bot.say(phone, "hi", measured=False)  # warm-up: connections, tokens
        hi = measure(bot, sandbox, lambda: [bot.say(phone, "hi") for phone in members])
        offers = measure(bot, sandbox, offer_turns(bot, members[0], options.offers))
        hi["cache"], hi["state"] = round_trips(bot, clients, lambda: [bot.say(p, "hi") for p in members[:50]])
        offers["cache"], offers["state"] = round_trips(bot, clients, offer_turns(bot, members[0], 10))
        size = largest_state(clients[1], bot, members[0])
    headers = [
        "turns (one caller)",
        "turns",
        "turns/s",
        "p50 ms",
        "p99 ms",
        "ledger calls/turn",
    ]
    table = format_table(headers, [row("floor (bare view)", floor), row('"hi" (login + dashboard)', hi),
                                   row("offer, 5 turns each", offers)])  # fmt: skip
    verdict = _verdict(max(hi["state"], offers["state"]) <= 4)
    return "\n".join([
        table, "",
        f"state Redis round trips per turn (lock+load, save, unlock, confirmations): hi {hi['state']:.1f}, "
        f"offer {offers['state']:.1f} (target ≤ 4: {verdict})",
        f"cache Redis round trips per turn (ledger tokens, breaker): hi {hi['cache']:.1f}, "
        f"offer {offers['cache']:.1f}",
        f"stored state at the confirmation step: {size} bytes (target ≤ 2048: {_verdict(size <= 2048)})",
    ])  # fmt: skip


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def run(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    workdir = Path(tempfile.mkdtemp(prefix="vp-bench-conversation-"))
    try:
        with ExitStack() as cleanup:
            print(benchmark(workdir, options, cleanup))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    run(sys.argv[1:])
