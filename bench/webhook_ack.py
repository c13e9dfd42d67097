"""Benchmark: how fast `POST /bot/webhook` acknowledges signed deliveries in queue mode, against a floor.

A throwaway Redis pair and SQLite database, then two Gunicorn servers in turn, each with
`deploy/gunicorn.conf.py` (2 workers × 4 threads, gthread) on a free loopback port:
- the floor: the project's settings and middleware with one bare view answering 200 (`bench/floor.py`);
- the webhook: the real project in queue mode, so each delivery is verified, stored in one transaction and
  acknowledged, and its member then pushed to the Redis stream by the web process's background pusher
  (`bot/stream_pusher.py`; one entry per member per push). No worker runs: processing is not part of the
  ack. The stored rows and stream entries are counted once the server has stopped.
Both receive the same signed deliveries (distinct wamids, one text message each) over 50 keep-alive
connections. Targets: p99 ack ≤ 100 ms, 0 non-2xx, webhook throughput ≥ 50% of the floor's.

The load comes from Debian's `wrk` when it is installed (far lighter on a 2-core machine, where the load
generator shares the CPUs with the servers), else from the Python generator of `bench.common`; the report
says which.

`python -m bench.webhook_ack [--requests N] [--concurrency C] [--warmup W] [--time-limit S] [--load L]`
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sqlite3
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import redis

from bench.common import (
    LoadResult,
    Request,
    base_environment,
    drive_load,
    format_table,
    gunicorn_server,
    run_checked,
)
from bench.wrkload import drive_load_wrk, wrk_available
from deploy.localredis import RedisServer, free_port, start_pair
from deploy.samples import new_wamid, whatsapp_text_payload
from security.signatures import sign_body

PHONE_NUMBER_ID = "100000000000001"
REDIS_KEY_PREFIX = "vp"
MEMBERS = 500
TEXTS = ("hi", "menu", "1", "balance please", "Send 25.50 USD to @tendai for groceries", "help")
TARGET_P99_MS = 100.0
TARGET_FLOOR_SHARE = 0.5
WRK_POOL_PER_SECOND = 5000


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook_ack", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="measured deliveries per server")
    parser.add_argument("--concurrency", type=int, default=50, help="keep-alive connections")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured deliveries first")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per measured run")
    parser.add_argument(
        "--load",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator (auto: Debian's wrk when installed, else the Python one in bench.common)",
    )
    parser.add_argument("--wrk-seconds", type=float, default=8.0, help="length of each wrk run")
    parser.add_argument(
        "--database",
        choices=["auto", "sqlite", "postgres", "both"],
        default="auto",
        help="where the webhook stores (auto: both when PostgreSQL server binaries exist, else SQLite)",
    )
    return parser.parse_args(argv)


def signed_deliveries(count: int, secret: str) -> list[Request]:
    """`count` deliveries from MEMBERS members, each with its own wamid, signed like Meta signs them."""
    deliveries = []
    for index in range(count):
        payload = whatsapp_text_payload(
            text=TEXTS[index % len(TEXTS)],
            wamid=new_wamid(),
            phone_number_id=PHONE_NUMBER_ID,
            wa_id=f"2637700{index % MEMBERS:05d}",
        )
        body = _compact_json(payload)
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign_body(body, secret.encode()),
            "User-Agent": "facebookexternalua",
        }
        deliveries.append(Request("POST", "/bot/webhook", body, headers))
    return deliveries


def _compact_json(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def server_environment(workdir: Path, cache: RedisServer, state: RedisServer, secret: str) -> dict[str, str]:
    """Development settings, DEBUG off, queue mode, throwaway database and Redis, our own app secret."""
    return {
        **base_environment(),
        "DJANGO_ENV": "development",
        "DEBUG": "False",
        "PROCESSING_MODE": "queue",
        "MOCK_TESTING_ENABLED": "False",
        "DATABASE_URL": f"sqlite:///{workdir / 'floor.sqlite3'}",  # the floor's; never written
        "REDIS_CACHE_URL": cache.url,
        "REDIS_STATE_URL": state.url,
        "REDIS_KEY_PREFIX": REDIS_KEY_PREFIX,
        "WHATSAPP_APP_SECRET": secret,
        "WHATSAPP_APP_SECRET_PREVIOUS": "",
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_API_URL": "http://127.0.0.1:9",  # nothing is sent without a worker; never reach Meta
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }


def measure(label: str, env: dict[str, str], deliveries: list[Request], options: argparse.Namespace,
            log_path: Path) -> LoadResult:  # fmt: skip
    """Warm a fresh server up, then drive the measured deliveries through it."""
    warmup, measured = deliveries[: options.warmup], deliveries[options.warmup :]
    load = {"concurrency": options.concurrency, "time_limit": options.time_limit}
    with gunicorn_server(env, log_path) as port:
        if warmup:
            drive_load("warm-up", port, warmup, **load)
        if load_generator(options) == "wrk":
            seconds = options.wrk_seconds
            return drive_load_wrk(label, port, measured, concurrency=options.concurrency, seconds=seconds)
        return drive_load(label, port, measured, **load)


def pool_size(options: argparse.Namespace) -> int:
    """Measured deliveries to prepare: the count asked for, or for wrk (a duration) enough for 5 000/s."""
    if load_generator(options) == "wrk":
        return max(options.requests, int(options.wrk_seconds * WRK_POOL_PER_SECOND))
    return options.requests


def load_generator(options: argparse.Namespace) -> str:
    """ "wrk" or "python", as chosen (auto: wrk when installed)."""
    if options.load == "auto":
        return "wrk" if wrk_available() else "python"
    return options.load


@dataclass(frozen=True)
class Database:
    """A throwaway database the webhook stores into."""

    key: str
    name: str
    url: str

    def inbox_rows(self) -> int:
        query = "SELECT COUNT(*) FROM bot_inboxmessage"
        if self.key == "sqlite":
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as connection:
                return connection.execute(query).fetchone()[0]
        import psycopg

        with psycopg.connect(self.url) as connection:
            return connection.execute(query).fetchone()[0]


def databases(option: str, workdir: Path, cleanup: ExitStack) -> list[Database]:
    """The databases to measure on: SQLite (WAL) and/or a PostgreSQL started here (stopped by `cleanup`)."""
    from tests.support.postgres import PostgresServer, postgres_bin_dir

    both = ["sqlite", "postgres"]
    auto = both if postgres_bin_dir() is not None else ["sqlite"]
    chosen = []
    for key in {"auto": auto, "both": both}.get(option, [option]):
        if key == "sqlite":
            chosen.append(Database("sqlite", "SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}"))
            continue
        postgres = PostgresServer(workdir / "pg", free_port())
        cleanup.callback(postgres.stop)
        chosen.append(Database("postgres", "PostgreSQL", postgres.start().url))
    return chosen


@dataclass(frozen=True)
class WebhookRun:
    """One database's figures and what it durably holds afterwards."""

    result: LoadResult
    inbox_rows: int
    stream_entries: int


def measure_webhook(database: Database, env: dict[str, str], state: RedisServer, deliveries: list[Request], *,
                    options: argparse.Namespace, workdir: Path) -> WebhookRun:  # fmt: skip
    """Migrate `database`, then measure the webhook storing into it; count what was stored."""
    stream = f"inbox-{database.key}"
    env = {**env, "DATABASE_URL": database.url, "INBOX_STREAM": stream}
    run_checked([sys.executable, "manage.py", "migrate", "--noinput"], env, f"migrate ({database.name})")
    label = f"webhook, {database.name}"
    result = measure(label, env, deliveries, options, workdir / f"webhook-{database.key}.log")
    client = redis.Redis.from_url(state.url)
    try:
        entries = client.xlen(f"{REDIS_KEY_PREFIX}:{stream}")
    finally:
        client.close()
    return WebhookRun(result, database.inbox_rows(), entries)


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _row(result: LoadResult) -> list[object]:
    return [result.label, result.answered, f"{result.per_second:.0f}", f"{result.percentile_ms(0.5):.1f}",
            f"{result.percentile_ms(0.99):.1f}", result.non_2xx, result.errors]  # fmt: skip


def verdict_lines(run: WebhookRun, floor: LoadResult, sent: int) -> list[str]:
    """The webhook run against the targets, and what it stored."""
    result = run.result
    share = result.per_second / floor.per_second if floor.per_second else 0.0
    p99 = result.percentile_ms(0.99)
    clean = result.non_2xx == 0 and result.errors == 0
    return [
        f"{result.label}: {share:.0%} of the floor's throughput (target ≥ {TARGET_FLOOR_SHARE:.0%}: "
        f"{_verdict(share >= TARGET_FLOOR_SHARE)})",
        f"  p99 ack {p99:.1f} ms (target ≤ {TARGET_P99_MS:.0f} ms: {_verdict(p99 <= TARGET_P99_MS)}); "
        f"non-2xx + connection errors {result.non_2xx + result.errors} (target 0: {_verdict(clean)})",
        f"  stored: {run.inbox_rows} inbox rows and {run.stream_entries} stream entries (one per member per "
        f"push) for {sent} deliveries sent (warm-up included)",
    ]


def report(floor: LoadResult, runs: list[WebhookRun], options: argparse.Namespace) -> str:
    """The figures, the ratios and the verdicts as printable text."""
    headers = ["server", "answered", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors"]
    table = format_table(headers, [_row(floor)] + [_row(run.result) for run in runs])
    wrk = load_generator(options) == "wrk"
    amount = f"{options.wrk_seconds:g} s of" if wrk else f"{options.requests}"
    lines = [
        f"Webhook ack vs floor: {amount} signed deliveries per server after {options.warmup} "
        f"warm-up, {options.concurrency} keep-alive",
        "connections; Gunicorn 2 workers × 4 threads (gthread) on loopback; queue mode, no worker running;",
        f"SQLite in WAL mode, PostgreSQL with fsync off; load generator: {_generator_text(options)}, sharing "
        f"the {os.cpu_count()} CPUs",
        "",
        table,
        "",
    ]
    for run in runs:
        sent = options.warmup + (run.result.answered if wrk else options.requests)
        lines += verdict_lines(run, floor, sent)
    return "\n".join(lines)


def _generator_text(options: argparse.Namespace) -> str:
    if load_generator(options) == "wrk":
        return "wrk (C)"
    hint = "" if wrk_available() else "; apt-get install wrk for a lighter one"
    return f"Python threads{hint}"


def run(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures; every process it started is stopped, whatever happens."""
    options = parse_options(argv)
    workdir = Path(tempfile.mkdtemp(prefix="vp-bench-webhook-"))
    workdir.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    secret = secrets.token_hex(32)
    succeeded = False
    try:
        with ExitStack() as cleanup:
            cache, state = start_pair(workdir, free_port(), free_port())
            cleanup.callback(cache.stop)
            cleanup.callback(state.stop)
            env = server_environment(workdir, cache, state, secret)
            deliveries = signed_deliveries(options.warmup + pool_size(options), secret)
            floor_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.floor"}
            floor = measure("floor (bare view)", floor_env, deliveries, options, workdir / "floor.log")
            runs = [
                measure_webhook(database, env, state, deliveries, options=options, workdir=workdir)
                for database in databases(options.database, workdir, cleanup)
            ]
            print(report(floor, runs, options))
            succeeded = True
    finally:
        if succeeded:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"webhook_ack: logs kept in {workdir}", file=sys.stderr)


if __name__ == "__main__":
    run(sys.argv[1:])
