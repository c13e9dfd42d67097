"""What `bench/turns.py` runs the bot on, all on loopback, all started and stopped here:

- a throwaway Redis pair (`deploy.localredis`), the sandbox ledger as its own process over HTTP (rate limit
  off, 64 threads) and the fake Graph API recorder (`bench.turn_graph`) inside the benchmark process;
- one database, migrated once into a template: SQLite (a file copied per instance) or PostgreSQL
  (`CREATE DATABASE ... TEMPLATE`, started by `bench.ack_setup.databases`);
- per measured instance (`bot_instance`): both Redis flushed, a fresh copy of the database, Gunicorn with
  `deploy/gunicorn.conf.py` as deployed and `WORKER_PROCESSES` × `manage.py run_worker` (as `make run` starts
  it), so a backlog one scenario left behind never reaches the next.
The bot's settings are production-like: queue mode, DEBUG off, mock testing off, signed webhooks checked
with our own app secret. Only `INBOUND_PER_MINUTE` is raised and the ledger client's throttle is off
(`MYCREDEX_THROTTLE_PER_MINUTE=0`): simulated members write faster than people. `WORKER_CONCURRENCY`, when
set in the environment, reaches the workers unchanged.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from bench.ack_setup import Database, databases
from bench.common import BASE_DIR, base_environment, gunicorn_process, run_checked, stop_process
from bench.turn_graph import ReplyRecorder
from deploy.localredis import RedisServer, free_port, start_pair
from tests.support.sandbox_server import SandboxServer

PHONE_NUMBER_ID = "100000000000001"
REDIS_KEY_PREFIX = "vp"
INBOUND_PER_MINUTE = 100_000
FIRST_NUMBER = 263_771_000_000  # 26377xxxxxxx: Zimbabwean mobile numbers, as the bot accepts
RAISED = {"INBOUND_PER_MINUTE": str(INBOUND_PER_MINUTE), "MYCREDEX_THROTTLE_PER_MINUTE": "0"}


def chosen_databases(option: str, workdir: Path, cleanup: ExitStack) -> list[Database]:
    """`auto`: PostgreSQL (production's database) when its server binaries exist, else SQLite."""
    from tests.support.postgres import postgres_bin_dir

    if option == "auto":
        option = "postgres" if postgres_bin_dir() is not None else "sqlite"
    return databases(option, workdir, cleanup)


@dataclass
class Stack:
    """The long-lived parts, shared by every instance of the bot on one database."""

    workdir: Path
    database: Database
    cache: RedisServer
    state: RedisServer
    sandbox: SandboxServer
    recorder: ReplyRecorder
    worker_processes: int
    secret: str = field(default_factory=lambda: secrets.token_hex(32))
    instances: itertools.count = field(default_factory=itertools.count)
    numbers: itertools.count = field(default_factory=lambda: itertools.count(FIRST_NUMBER))

    def environment(self, database_url: str) -> dict[str, str]:
        """The bot's environment (web and worker alike)."""
        return {
            **base_environment(), "DJANGO_ENV": "development", "DEBUG": "False", "PROCESSING_MODE": "queue",
            "MOCK_TESTING_ENABLED": "False", "DATABASE_URL": database_url, "REDIS_CACHE_URL": self.cache.url,
            "REDIS_STATE_URL": self.state.url, "WHATSAPP_APP_SECRET": self.secret,
            "WHATSAPP_APP_SECRET_PREVIOUS": "", "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_API_URL": self.recorder.url, "MYCREDEX_APP_URL": self.sandbox.url,
            "CLIENT_API_KEY": self.sandbox.client_api_key,
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),  # INFO to see every turn's lines
            "GUNICORN_LOG_LEVEL": "warning", "PYTHONUNBUFFERED": "1", "REDIS_KEY_PREFIX": REDIS_KEY_PREFIX,
            "INBOX_STREAM": "inbox", **RAISED,
        }  # fmt: skip

    def onboard(self, count: int) -> list[str]:
        """`count` new members, onboarded at the sandbox (its keyhole route, with the client key)."""
        phones = [str(next(self.numbers)) for _ in range(count)]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(self._onboard_one, phones))
        return phones

    def _onboard_one(self, phone: str) -> None:
        body = {
            "phone": phone,
            "firstname": "Bench",
            "lastname": f"Member{phone[-4:]}",
            "defaultDenom": "USD",
        }
        headers = {"x-client-api-key": self.sandbox.client_api_key}
        answer = self.sandbox.session.post(f"{self.sandbox.url}/onboardMember", json=body, headers=headers,
                                           timeout=30)  # fmt: skip
        answer.raise_for_status()

    def ledger_requests(self) -> int:
        """Requests the sandbox's contract routes have received so far (its `stats` counters)."""
        return sum(self.sandbox.stats()["requests"].values())


def start_stack(workdir: Path, database: Database, worker_processes: int, cleanup: ExitStack) -> Stack:
    """Start the shared parts (stopped by `cleanup`) and migrate the database's template."""
    cache, state = start_pair(workdir / database.key, free_port(), free_port())
    cleanup.callback(cache.stop)
    cleanup.callback(state.stop)
    sandbox = SandboxServer(rate_limit_per_minute=0, threads=64).start()
    cleanup.callback(sandbox.stop)
    recorder = ReplyRecorder().start()
    cleanup.callback(recorder.stop)
    stack = Stack(workdir, database, cache, state, sandbox, recorder, worker_processes)
    run_checked([sys.executable, "manage.py", "migrate", "--noinput"], stack.environment(database.url),
                f"migrate ({database.name})")  # fmt: skip
    return stack


def fresh_database(stack: Stack, number: int) -> str:
    """A copy of the migrated template for one instance; its DATABASE_URL."""
    if stack.database.key == "sqlite":
        template = Path(stack.database.url.removeprefix("sqlite:///"))
        copy = template.with_name(f"instance-{number}.sqlite3")
        shutil.copyfile(template, copy)
        return f"sqlite:///{copy}"
    import psycopg

    base, _, template = stack.database.url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "instance_{number}" TEMPLATE "{template}"')
    return f"{base}/instance_{number}"


def flush_redis(stack: Stack) -> None:
    for server in (stack.cache, stack.state):
        client = redis.Redis.from_url(server.url)
        try:
            client.flushall()
        finally:
            client.close()


@dataclass(frozen=True)
class Instance:
    """One running bot: its web port and its database."""

    port: int
    database_url: str


@contextmanager
def bot_instance(stack: Stack) -> Iterator[Instance]:
    """A fresh bot (empty Redis, fresh database, Gunicorn and the workers); yields it. Everything
    it started is stopped on leaving: the workers first (SIGTERM, SIGKILL after 5 s), then Gunicorn."""
    number = next(stack.instances)
    flush_redis(stack)
    database_url = fresh_database(stack, number)
    env = stack.environment(database_url)
    workers: list[subprocess.Popen] = []
    try:
        for index in range(stack.worker_processes):
            workers.append(_start_worker(env, stack.workdir / f"worker-{number}-{index}.log"))
        with gunicorn_process(env, stack.workdir / f"web-{number}.log") as (port, _):
            yield Instance(port, database_url)
    finally:
        for worker in workers:
            stop_process(worker, grace=5.0)


def _start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    command = [sys.executable, "manage.py", "run_worker"]
    with log_path.open("ab") as log:
        return subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=log)


def worker_shape() -> str:
    """How the workers run, for the report."""
    concurrency = os.environ.get("WORKER_CONCURRENCY")
    each = f"WORKER_CONCURRENCY={concurrency}" if concurrency else "WORKER_CONCURRENCY unset (its default)"
    return each
