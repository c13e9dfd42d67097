"""The MyCredex sandbox as a real subprocess for tests: free port, throwaway SQLite DB, fixtures.

`SandboxServer(...).start()` runs `python -m sandbox --port <free>` with its own database in a temp
folder and waits for `GET /health`; `.stop()` ends it. Fixtures (import them into a conftest.py:
`from tests.support.sandbox_server import sandbox, sandbox_server  # noqa: F401`):
- `sandbox_server` (session): one server for the whole run;
- `sandbox` (function): the same server after `POST /devadmin/reset` — fresh seed ledger, faults off,
  counters and limiter cleared, run-time config back to the start values.
Short JWT lifetimes: either start a dedicated server (`SandboxServer(jwt_idle_seconds=2)`) or change them
for one test with `sandbox.configure(jwtIdleSeconds=2)` (reset restores them).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

REPO_DIR = Path(__file__).resolve().parents[2]
CLIENT_API_KEY = "test-sandbox-client-key"
ADMIN_KEY = "test-sandbox-admin-key"
JWT_SECRET = "test-sandbox-jwt-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SandboxError(RuntimeError):
    """The sandbox did not start, or an admin call failed."""


@dataclass
class SandboxServer:
    """One sandbox subprocess and the keys to talk to it."""

    jwt_idle_seconds: float = 300
    jwt_absolute_seconds: float = 21600
    rate_limit_per_minute: int = 100_000
    quirks: str = "off"
    threads: int = 16
    client_api_key: str = CLIENT_API_KEY
    admin_key: str = ADMIN_KEY
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    workdir: Path | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    @property
    def url(self) -> str:
        """Base URL, without a trailing slash: `f"{server.url}/login"`."""
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("SANDBOX_")}
        env.update(
            DJANGO_SETTINGS_MODULE="sandbox.settings",
            SANDBOX_DATABASE_PATH=str(self.workdir / "sandbox.sqlite3"),
            SANDBOX_CLIENT_API_KEY=self.client_api_key,
            SANDBOX_ADMIN_KEY=self.admin_key,
            SANDBOX_JWT_SECRET=JWT_SECRET,
            SANDBOX_JWT_IDLE_SECONDS=str(self.jwt_idle_seconds),
            SANDBOX_JWT_ABSOLUTE_SECONDS=str(self.jwt_absolute_seconds),
            SANDBOX_RATE_LIMIT_PER_MINUTE=str(self.rate_limit_per_minute),
            SANDBOX_QUIRKS=self.quirks,
            **self.extra_env,
        )
        return env

    def start(self, timeout: float = 60.0) -> SandboxServer:
        """Start the subprocess and wait until `/health` answers (a few tries if the port was taken)."""
        self.workdir = Path(tempfile.mkdtemp(prefix="vp-sandbox-"))
        for _attempt in range(3):
            self.port = free_port()
            log = (self.workdir / "server.log").open("ab")
            command = [
                sys.executable,
                "-m",
                "sandbox",
                "--port",
                str(self.port),
                "--threads",
                str(self.threads),
            ]
            self.process = subprocess.Popen(command, cwd=REPO_DIR, env=self._env(), stdout=log, stderr=log)
            log.close()
            if self._wait_healthy(timeout):
                return self
            self._terminate()
        raise SandboxError(f"sandbox did not start; log:\n{self.log_tail()}")

    def _wait_healthy(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.05)
        return False

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log (startup failures, tracebacks)."""
        path = self.workdir / "server.log" if self.workdir else None
        if path is None or not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def _terminate(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the subprocess and delete its database."""
        self._terminate()
        self.session.close()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # --- sandbox-only admin routes ------------------------------------------------------------------
    def admin(self, action: str, body: dict | None = None, *, expect: int = 200) -> dict:
        """POST `/devadmin/<action>`; the answer's `data` (or the whole body when `expect` ≠ 200)."""
        response = self.session.post(
            f"{self.url}/devadmin/{action}",
            json=body or {},
            headers={"x-dev-admin-key": self.admin_key},
            timeout=30,
        )
        if response.status_code != expect:
            raise SandboxError(f"devadmin/{action} → {response.status_code}: {response.text[:500]}")
        payload = json.loads(response.text, parse_float=Decimal)  # never float
        return payload["data"] if expect == 200 else payload

    def reset(self) -> dict:
        """Fresh seed ledger; faults, counters, limiter and run-time config back to the start."""
        return self.admin("reset")

    def configure(self, **settings: Any) -> dict:
        """Change run-time switches: jwtIdleSeconds, jwtAbsoluteSeconds, rateLimitPerMinute, quirks, ..."""
        return self.admin("config", settings)

    def fault(self, kind: str, **options: Any) -> dict:
        """Switch a fault on: latency(ms), error500, readTimeout(seconds), burst429, malformedJson."""
        return self.admin("faults", {"kind": kind, **options})

    def stats(self) -> dict:
        """Row counts, request counters (`requests`, `responses`, `loginCalls`), day and rates."""
        return self.admin("stats")

    def mint(self, account_handle: str, amount: str | int, denomination: str = "USD", **extra: Any) -> dict:
        """A trust account issues secured credex to `account_handle`, accepted at once."""
        body = {"accountHandle": account_handle, "amount": str(amount), "denomination": denomination, **extra}
        return self.admin("mint", body)

    def set_tier(self, tier: int, **member: str) -> dict:
        """Set a member's tier, by `memberID=`, `memberHandle=` or `phone=`."""
        return self.admin("setTier", {"tier": tier, **member})

    def advance_day(self, days: int = 1, rates: dict | None = None) -> dict:
        """Run the daily job (expiry, defaults, subscriptions, tiers) `days` times."""
        return self.admin("advanceDay", {"days": days, "rates": rates or {}})


_shared: dict[str, Any] = {"server": None, "users": 0}


def _acquire_shared() -> SandboxServer:
    """The one session server, started on first use (even if several conftests import the fixture)."""
    if _shared["server"] is None:
        _shared["server"] = SandboxServer().start()
    _shared["users"] += 1
    return _shared["server"]


def _release_shared() -> None:
    _shared["users"] -= 1
    if _shared["users"] == 0 and _shared["server"] is not None:
        _shared["server"].stop()
        _shared["server"] = None


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """One sandbox subprocess for the whole test session."""
    server = _acquire_shared()
    yield server
    _release_shared()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    """The session's sandbox, reset to the seed ledger before the test."""
    sandbox_server.reset()
    return sandbox_server
