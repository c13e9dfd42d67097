"""Benchmark: how fast `POST /bot/webhook` acknowledges signed deliveries in queue mode, against a floor.

A throwaway Redis pair and SQLite database, then two Gunicorn servers in turn, each with
`deploy/gunicorn.conf.py` (as deployed: one worker per CPU × 2 threads, stock gthread) on a free loopback
port:
- the floor: the project's settings and middleware with one bare view answering 200 (`bench/floor.py`);
- the webhook: the real project in queue mode, so each delivery is verified, stored in one transaction and
  acknowledged, and its member then pushed to the Redis stream by the web process's background pusher
  (`bot/stream_pusher.py`; one entry per member per push). No worker runs: processing is not part of the
  ack. The stored rows and stream entries are counted once the server has stopped.
All servers stay up while the load runs in rounds (`bench.rounds`): the floor, then the webhook on each
database, again and again, each over 50 keep-alive connections with signed deliveries (distinct wamids,
one text message each; fresh ones for each webhook run). Each round's webhook throughput is compared with
the floor run just before it, and the figures reported are medians over the rounds. Targets: p99 ack ≤
100 ms, 0 non-2xx, webhook throughput ≥ 50% of the floor's, judged on SQLite, the default database; when
PostgreSQL is measured too, its line is printed against the same targets as a figure (the report says so).

The load comes from Debian's `wrk` when it is installed (far lighter on a 2-core machine, where the load
generator shares the CPUs with the servers), else from the Python generator of `bench.common`; the report
says which.

The PostgreSQL server runs with fsync off by default, so the figures are this code's CPU, not this
machine's disk. `--durable` turns fsync on (PostgreSQL's default, and production's, where each commit waits
for its WAL to reach the disk). `--workers` and `--threads` shape every server alike (default: as deployed).

`python -m bench.webhook_ack [--rounds R] [--wrk-seconds S] [--requests N] [--concurrency C] [--warmup W]
[--time-limit S] [--load L] [--durable] [--workers W] [--threads T] [--database D]`
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import redis

from bench.ack_setup import REDIS_KEY_PREFIX, Database, databases, server_environment, signed_deliveries
from bench.common import LoadResult, Request, deployed_shape, drive_load, gunicorn_server, run_checked
from bench.rounds import Series, summary_table
from bench.wrkload import drive_load_wrk, wrk_available
from deploy.localredis import RedisServer, free_port, start_pair

TARGET_P99_MS = 100.0
TARGET_FLOOR_SHARE = 0.5
JUDGED_ON = (
    "The targets are judged on SQLite, the default database (what `make run` uses). PostgreSQL shares this\n"
    "machine's CPUs with the load and the servers; its line is a figure against the same targets (README,\n"
    "Benchmarks)."
)
WRK_POOL_PER_SECOND = 5000


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook_ack", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds (floor, then each DB)")
    parser.add_argument("--requests", type=int, default=1000, help="deliveries per server per round (Python)")
    parser.add_argument("--concurrency", type=int, default=50, help="keep-alive connections")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured deliveries first")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per measured run (Python)")
    parser.add_argument(
        "--load",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator (auto: Debian's wrk when installed, else the Python one in bench.common)",
    )
    parser.add_argument("--wrk-seconds", type=float, default=4.0, help="length of each wrk run")
    parser.add_argument(
        "--durable",
        action="store_true",
        help="PostgreSQL with fsync on (its default and production's: each commit waits for the disk); "
        "without it fsync is off, so the figures are this code's CPU rather than this machine's disk",
    )
    deployed = "(default: as deployed, %(default)s)"
    default_workers, default_threads = deployed_shape()
    parser.add_argument("--workers", type=int, default=default_workers, help=f"Gunicorn workers {deployed}")
    parser.add_argument("--threads", type=int, default=default_threads, help=f"threads per worker {deployed}")
    parser.add_argument(
        "--database",
        choices=["auto", "sqlite", "postgres", "both"],
        default="auto",
        help="where the webhook stores (auto: both when PostgreSQL server binaries exist, else SQLite)",
    )
    return parser.parse_args(argv)


def drive(label: str, port: int, deliveries: list[Request], options: argparse.Namespace) -> LoadResult:
    """One measured run against a server that is already up and warm."""
    if load_generator(options) == "wrk":
        seconds = options.wrk_seconds
        return drive_load_wrk(label, port, deliveries, concurrency=options.concurrency, seconds=seconds)
    return drive_load(label, port, deliveries, concurrency=options.concurrency, time_limit=options.time_limit)


def warm_up(port: int, deliveries: list[Request], options: argparse.Namespace) -> None:
    if deliveries:
        load = {"concurrency": options.concurrency, "time_limit": options.time_limit}
        drive_load("warm-up", port, deliveries, **load)


def run_size(options: argparse.Namespace) -> int:
    """Deliveries to prepare per run: the count asked for, or for wrk (a duration) enough for 5 000/s."""
    if load_generator(options) == "wrk":
        return max(options.requests, int(options.wrk_seconds * WRK_POOL_PER_SECOND))
    return options.requests


def load_generator(options: argparse.Namespace) -> str:
    """ "wrk" or "python", as chosen (auto: wrk when installed)."""
    if options.load == "auto":
        return "wrk" if wrk_available() else "python"
    return options.load


@dataclass
class WebhookServer:
    """The webhook on one database: its runs, then what it durably held once stopped."""

    database: Database
    port: int
    series: Series
    inbox_rows: int = 0
    stream_entries: int = 0


def start_webhook(database: Database, env: dict[str, str], options: argparse.Namespace, workdir: Path,
                  servers: ExitStack) -> WebhookServer:  # fmt: skip
    """Migrate `database`, then start (in `servers`) a webhook server storing into it."""
    env = {**env, "DATABASE_URL": database.url, "INBOX_STREAM": f"inbox-{database.key}"}
    run_checked([sys.executable, "manage.py", "migrate", "--noinput"], env, f"migrate ({database.name})")
    log = workdir / f"webhook-{database.key}.log"
    port = servers.enter_context(gunicorn_server(env, log, workers=options.workers, threads=options.threads))
    return WebhookServer(database, port, Series(f"webhook, {database.name}"))


def count_stored(server: WebhookServer, state: RedisServer) -> None:
    """Rows in the server's database and entries in its stream (after it stopped and flushed)."""
    client = redis.Redis.from_url(state.url)
    try:
        server.stream_entries = client.xlen(f"{REDIS_KEY_PREFIX}:inbox-{server.database.key}")
    finally:
        client.close()
    server.inbox_rows = server.database.inbox_rows()


def measure_rounds(floor_port: int, webhooks: list[WebhookServer], deliveries: list[Request],
                   options: argparse.Namespace) -> Series:  # fmt: skip
    """Warm every server, then run the rounds; the floor's series (the webhooks' fill their own)."""
    warmup, pool = deliveries[: options.warmup], deliveries[options.warmup :]
    for port in [floor_port] + [server.port for server in webhooks]:
        warm_up(port, warmup, options)
    size, floor = run_size(options), Series("floor (bare view)")
    for number in range(options.rounds):
        fresh = pool[number * size : (number + 1) * size]  # each database sees each delivery once
        floor.runs.append(drive(f"floor, round {number + 1}", floor_port, fresh, options))
        for server in webhooks:
            server.series.runs.append(drive(f"{server.series.label}, round {number + 1}", server.port, fresh,
                                            options))  # fmt: skip
    return floor


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def verdict_lines(server: WebhookServer, floor: Series, warmup: int) -> list[str]:
    """The webhook's medians against the targets, and what it stored."""
    series = server.series
    shares = series.shares_of(floor)
    share, p99 = series.median_share_of(floor), series.median_ms(0.99)
    each = " ".join(f"{value:.0%}" for value in shares)
    return [
        f"{series.label}: {share:.1%} of the floor's throughput, median of rounds {each} "
        f"(target ≥ {TARGET_FLOOR_SHARE:.0%}: {_verdict(share >= TARGET_FLOOR_SHARE)})",
        f"  p99 ack {p99:.1f} ms, median of rounds (target ≤ {TARGET_P99_MS:.0f} ms: "
        f"{_verdict(p99 <= TARGET_P99_MS)}); non-2xx + connection errors {series.failures} "
        f"(target 0: {_verdict(series.failures == 0)})",
        f"  stored: {server.inbox_rows} inbox rows and {server.stream_entries} stream entries (one per "
        f"member per push) for {series.answered + warmup} deliveries answered (warm-up included)",
    ]


def report(floor: Series, webhooks: list[WebhookServer], options: argparse.Namespace) -> str:
    """The figures, the ratios and the verdicts as printable text."""
    wrk = load_generator(options) == "wrk"
    amount = f"{options.wrk_seconds:g} s of" if wrk else f"{options.requests}"
    lines = [
        f"Webhook ack vs floor: {options.rounds} rounds of {amount} signed deliveries per server (after "
        f"{options.warmup} warm-up), {options.concurrency} keep-alive connections.",
        f"Gunicorn {options.workers} workers × {options.threads} thread(s) (gthread) on loopback, "
        "no worker recycling; queue mode, no worker process running.",
        f"SQLite in WAL mode (synchronous=NORMAL), {_postgres_text(options)}; load generator: "
        f"{_generator_text(options)}, sharing the {os.cpu_count()} CPUs. Figures are medians over the "
        "rounds.",
        "",
        summary_table([floor] + [server.series for server in webhooks]),
        "",
    ]
    for server in webhooks:
        lines += verdict_lines(server, floor, options.warmup)
    if any(server.database.key == "postgres" for server in webhooks):
        lines.append(JUDGED_ON)
    return "\n".join(lines)


def _postgres_text(options: argparse.Namespace) -> str:
    if options.durable:
        return "PostgreSQL with fsync on (each commit flushed)"
    return "PostgreSQL with fsync off (commits not flushed; --durable flushes them)"


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
            deliveries = signed_deliveries(options.warmup + options.rounds * run_size(options), secret)
            chosen = databases(options.database, workdir, cleanup, durable=options.durable)
            with ExitStack() as servers:  # every server up at once; stopped (and flushed) on leaving
                floor_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.floor"}
                shape = {"workers": options.workers, "threads": options.threads}
                floor_port = servers.enter_context(gunicorn_server(floor_env, workdir / "floor.log", **shape))
                webhooks = [start_webhook(database, env, options, workdir, servers) for database in chosen]
                floor = measure_rounds(floor_port, webhooks, deliveries, options)
            for server in webhooks:
                count_stored(server, state)
            print(report(floor, webhooks, options))
            succeeded = True
    finally:
        if succeeded:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"webhook_ack: logs kept in {workdir}", file=sys.stderr)


if __name__ == "__main__":
    run(sys.argv[1:])
