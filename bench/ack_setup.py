"""What `bench/webhook_ack.py` serves and stores into: signed deliveries, the servers' environment, the
throwaway databases (SQLite in WAL mode; PostgreSQL, fsync off, where its server binaries exist)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.common import Request, base_environment
from deploy.localredis import RedisServer, free_port
from devtools.payloads.deliveries import new_wamid, sample_bsuid, whatsapp_text_payload
from security.signatures import sign_body

PHONE_NUMBER_ID = "100000000000001"
REDIS_KEY_PREFIX = "vp"
MEMBERS = 500
TEXTS = ("hi", "menu", "1", "balance please", "Send 25.50 USD to @tendai for groceries", "help")


def signed_deliveries(count: int, secret: str) -> list[Request]:
    """`count` deliveries from MEMBERS members, each with its own wamid, signed like Meta signs them."""
    deliveries = []
    for index in range(count):
        member = f"2637700{index % MEMBERS:05d}"
        payload = whatsapp_text_payload(
            text=TEXTS[index % len(TEXTS)],
            wamid=new_wamid(),
            phone_number_id=PHONE_NUMBER_ID,
            wa_id=member,
            user_id=sample_bsuid(member),  # Meta sends the BSUID beside the number: the identity lookup runs
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
        # No worker recycling: a restart re-imports Django while its connections wait, stalling whichever
        # server it lands on for a second (the floor, answering twice as many requests, more often).
        "GUNICORN_MAX_REQUESTS": "0",
        "PYTHONUNBUFFERED": "1",
    }


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


def databases(option: str, workdir: Path, cleanup: ExitStack, *, durable: bool = False) -> list[Database]:
    """The databases to measure on: SQLite (WAL) and/or a PostgreSQL started here (stopped by `cleanup`),
    with fsync on when `durable`."""
    from tests.support.postgres import PostgresServer, postgres_bin_dir

    both = ["sqlite", "postgres"]
    auto = both if postgres_bin_dir() is not None else ["sqlite"]
    chosen = []
    for key in {"auto": auto, "both": both}.get(option, [option]):
        if key == "sqlite":
            chosen.append(Database("sqlite", "SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}"))
            continue
        postgres = PostgresServer(workdir / "pg", free_port(), fsync=durable)
        cleanup.callback(postgres.stop)
        name = "PostgreSQL, fsync on" if durable else "PostgreSQL"
        chosen.append(Database("postgres", name, postgres.start().url))
    return chosen
