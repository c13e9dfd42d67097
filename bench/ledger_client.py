"""Benchmark: what the guarded ledger client costs per call, against bare `requests` to the same endpoint.

It starts its own throwaway cache Redis (`deploy.localredis`) and MyCredex sandbox (`python -m sandbox`, rate
limit off) on free loopback ports, and stops both afterwards. In one run, alternating call by call so both
arms see the same server state, it measures:
- `member_login`: `credex_api.services.member_login` vs `requests.Session.post(/login)`;
- `credex_offer`: `credex_api.services.credex_offer` vs `requests.Session.post(/createCredex)` (a tier-3
  member with minted balance offers 0.01 USD; a day advance every 25 pairs of calls expires the pending
  offers, so the payer's dashboard — parsed in full by the client — stays a realistic size);
- for information, the money path (instruction create + confirm + execute, throwaway SQLite) vs the floor.
The floor keeps its connection alive and only reads the body; the client adds the throttle, breaker and token
round trips to Redis, exact JSON coding and typed parsing. Reported: calls/s (one caller, sequential),
p50/p99 latency, and the client's overhead at p50 (target < 2 ms per call).

`python -m bench.ledger_client [--calls N] [--warmup W] [--no-instructions]`
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from unittest.mock import patch

import requests

from bench.common import (
    BASE_DIR,
    base_environment,
    format_table,
    percentile,
    stop_process,
    wait_until_answering,
)
from deploy.localredis import RedisServer, free_port

if TYPE_CHECKING:
    from credex_api.client import CredexClient
    from credex_api.conf import ClientConfig

CLIENT_KEY = "bench-client-key"
ADMIN_KEY = "bench-admin-key"
TARGET_OVERHEAD_MS = 2.0
DAY_ADVANCE_EVERY = 25  # ≤ 50 pending offers on the payer's dashboard, as a busy member might have
OFFER_AMOUNT = Decimal("0.01")


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ledger_client", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--calls", type=int, default=1000, help="measured calls per arm and operation")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured calls per arm first")
    parser.add_argument("--no-instructions", action="store_true", help="skip the instruction (database) path")
    return parser.parse_args(argv)


@contextmanager
def sandbox_process(workdir: Path) -> Iterator[str]:
    """The sandbox on a free port with its own database, rate limit off; yields its base URL."""
    port = free_port()
    env = {name: value for name, value in base_environment().items() if not name.startswith("SANDBOX_")}
    env.update(
        SANDBOX_DATABASE_PATH=str(workdir / "sandbox.sqlite3"),
        SANDBOX_CLIENT_API_KEY=CLIENT_KEY,
        SANDBOX_ADMIN_KEY=ADMIN_KEY,
        SANDBOX_RATE_LIMIT_PER_MINUTE="0",
    )
    command = [sys.executable, "-m", "sandbox", "--port", str(port), "--threads", "8"]
    with (workdir / "sandbox.log").open("ab") as log:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=log)
    try:
        wait_until_answering(process, port, "/health", f"the sandbox (log: {workdir / 'sandbox.log'})")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process)


def configure_django(workdir: Path, redis_url: str, with_database: bool) -> bool:
    """Django settings for the in-process client (and a throwaway SQLite database); False if too late."""
    from django.conf import settings

    if settings.configured:
        return False
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_ENV"] = "development"
    os.environ["REDIS_CACHE_URL"] = os.environ["REDIS_STATE_URL"] = redis_url
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    import django

    django.setup()
    if with_database:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return True


class Ledger:
    """Admin helpers and prepared floor requests against the bench's sandbox."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.trust_env = False
        self.headers = {"Content-Type": "application/json", "x-client-api-key": CLIENT_KEY}

    def admin(self, action: str, body: dict) -> dict:
        answer = self.session.post(
            f"{self.url}/devadmin/{action}", json=body, headers={"x-dev-admin-key": ADMIN_KEY}, timeout=30
        )
        answer.raise_for_status()
        return answer.json()["data"]

    def post(self, route: str, body: bytes, token: str | None = None) -> int:
        """The floor: one keep-alive POST of prepared bytes, body read, nothing parsed."""
        headers = self.headers if token is None else {**self.headers, "Authorization": f"Bearer {token}"}
        response = self.session.post(f"{self.url}/{route}", data=body, headers=headers, timeout=(3.05, 10))
        _ = response.content
        return response.status_code


def alternate(
    floor: Callable[[], object],
    client: Callable[[], object],
    options: argparse.Namespace,
    between: Callable[[int], None] = lambda index: None,
) -> tuple[list[float], list[float]]:
    """Floor and client call by call (so both see the same server state); their measured latencies."""
    for _ in range(options.warmup):
        floor()
        client()
    floor_lat: list[float] = []
    client_lat: list[float] = []
    for index in range(options.calls):
        between(index)
        for call, latencies in ((floor, floor_lat), (client, client_lat)):
            started = time.perf_counter()
            call()
            latencies.append(time.perf_counter() - started)
    return floor_lat, client_lat


class Report:
    """Table rows and verdict lines, filled as the measurements come in."""

    def __init__(self) -> None:
        self.rows: list[list[object]] = []
        self.lines: list[str] = []

    def add(
        self, labels: tuple[str, str], floor: list[float], client: list[float], *, target: bool = True
    ) -> None:
        for label, latencies in zip(labels, (floor, client), strict=True):
            rate = len(latencies) / sum(latencies) if latencies else 0.0
            p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
            self.rows.append([label, len(latencies), f"{rate:.0f}", f"{p50:.2f}", f"{p99:.2f}"])
        overhead = (percentile(client, 0.5) - percentile(floor, 0.5)) * 1000
        if target:
            verdict = "met" if overhead < TARGET_OVERHEAD_MS else "MISSED"
            note = f"target < {TARGET_OVERHEAD_MS} ms: {verdict}"
        else:
            note = "client + 1 insert, 3 conditional updates, 1 read, 3 audit rows on SQLite; information"
        self.lines.append(f"{labels[1]}: {overhead:.2f} ms per call over the floor at p50 ({note})")

    def text(self) -> str:
        headers = ["one caller, sequential", "calls", "calls/s", "p50 ms", "p99 ms"]
        return format_table(headers, self.rows) + "\n\n" + "\n".join(self.lines)


def prepare_members(ledger: Ledger, client: CredexClient) -> tuple[str, dict]:
    """A tier-3 payer with a large secured balance, and a payee: the payer's phone, the offer's arguments."""
    from credex_api import services

    payer, payee = "263700000001", "263700000002"
    paying = services.member_onboard(phone=payer, first_name="Bench", last_name="Payer", client=client)
    paid = services.member_onboard(phone=payee, first_name="Bench", last_name="Payee", client=client)
    ledger.admin("setTier", {"tier": 3, "phone": payer})
    ledger.admin("mint", {"accountHandle": payer, "amount": "1000000", "denomination": "USD"})
    return payer, {
        "issuer_account_id": paying.default_account_id,
        "receiver_account_id": paid.default_account_id,
        "amount": OFFER_AMOUNT,
        "denom": "USD",
        "secured": True,
    }


def offer_floor(ledger: Ledger, client: CredexClient, payer: str, params: dict) -> Callable[[], None]:
    """The floor of an offer: the same createCredex body, posted bare with the payer's token."""
    from credex_api import services
    from credex_api.encoding import encode_json
    from credex_api.endpoints.credex import offer_body

    body = encode_json(offer_body(**params))
    token = services.member_login(phone=payer, client=client).token  # the ledger keeps several tokens live

    def floor() -> None:
        if ledger.post("createCredex", body, token) != 200:
            raise RuntimeError("the floor's createCredex failed")

    return floor


def money_path(client: CredexClient, payer: str, params: dict) -> Callable[[], object]:
    from credex_api.instructions import instruction_confirm, instruction_create, instruction_execute

    def call() -> object:
        row = instruction_create(member=payer, action="credex_offer", params=params)
        instruction_confirm(row.key)
        return instruction_execute(row.key, client=client)

    return call


def client_config(url: str) -> ClientConfig:
    """The client's settings for the run: throttles so wide that they are timed but never waited on."""
    from credex_api.conf import ClientConfig

    return ClientConfig(
        base_url=url,
        api_key=CLIENT_KEY,
        throttle_per_minute=6_000_000,
        throttle_burst=1000,
        throttle_per_number_per_minute=60_000,  # 1 ms a slot
        throttle_per_number_burst=1000,
    )


def benchmark(url: str, redis_url: str, options: argparse.Namespace, with_instructions: bool) -> str:
    import redis

    from credex_api import services
    from credex_api.client import CredexClient
    from credex_api.encoding import encode_json

    logging.getLogger("credex_api").setLevel(logging.WARNING)  # per-instruction INFO lines would be timed too
    ledger = Ledger(url)
    client = CredexClient(client_config(url), redis_client=redis.Redis.from_url(redis_url))
    payer, params = prepare_members(ledger, client)
    report = Report()
    login_body = encode_json({"phone": payer})
    login = lambda: services.member_login(phone=payer, client=client)  # noqa: E731
    report.add(
        ("login: requests (floor)", "member_login (client)"),
        *alternate(lambda: ledger.post("login", login_body), login, options),
    )
    floor = offer_floor(ledger, client, payer, params)

    def expire_offers(index: int) -> None:
        if index and index % DAY_ADVANCE_EVERY == 0:
            ledger.admin("advanceDay", {"days": 3})  # pending offers expire: dashboards stay a realistic size

    offer = lambda: services.credex_offer(phone=payer, client=client, **params)  # noqa: E731
    report.add(
        ("createCredex: requests (floor)", "credex_offer (client)"),
        *alternate(floor, offer, options, expire_offers),
    )
    if with_instructions:
        ledger.admin("advanceDay", {"days": 3})
        instructed = alternate(floor, money_path(client, payer, params), options, expire_offers)
        report.add(
            ("createCredex: requests (floor)", "credex_offer as an instruction"), *instructed, target=False
        )
    client.close()
    return report.text()


def run(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures; the Redis and sandbox it started are always stopped, and the
    environment it set for Django is put back as it was (`patch.dict`)."""
    options = parse_options(argv)
    workdir = Path(tempfile.mkdtemp(prefix="vp-bench-ledger-"))
    try:
        with ExitStack() as stack:
            stack.enter_context(patch.dict(os.environ))
            cache = RedisServer("cache", free_port(), workdir / "redis").start()
            stack.callback(cache.stop)
            url = stack.enter_context(sandbox_process(workdir))
            configured = configure_django(workdir, cache.url, with_database=not options.no_instructions)
            if not configured:
                print("ledger_client: Django was already set up in this process; instruction path skipped")
            print(benchmark(url, cache.url, options, configured and not options.no_instructions))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    run(sys.argv[1:])
