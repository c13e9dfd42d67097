"""`make run`: the whole bot on this machine, supervised, from a fresh clone with no `.env`.

Starts the Redis pair (cache on 6380, state on 6381, data and logs under `var/`), applies migrations, then
runs the web server (Gunicorn with `deploy/gunicorn.conf.py` on 127.0.0.1:$PORT), the inbox worker
(`manage.py run_worker`, `WORKER_CONCURRENCY` members at once; `WORKER_PROCESSES` of them, default 1)
and, when `sandbox/__main__.py` exists, the MyCredex sandbox on port 8001 (`SANDBOX_PORT`), expecting the
bot's own `CLIENT_API_KEY` (environment or `.env`) as its client key, so a key set for the bot works. Child
output is prefixed with the child's name. Ctrl-C or SIGTERM stops every child: the web server and worker(s)
first, then the sandbox, then Redis. A child that dies is restarted after a backoff (logged); one that dies
more than 5 times within a minute, or a Redis server that dies, stops everything with a non-zero status.
`make run` execs this module, so a SIGTERM sent to `make` reaches it.

The web server always binds 127.0.0.1: with the development defaults (public secrets, mock testing, DEBUG)
in effect, deploy/gunicorn.conf.py refuses any address beyond loopback (security/loopback.py).

`PROCESSING_MODE` defaults to `queue` here (production-like); the environment or `.env` overrides it.
"""

from __future__ import annotations

import http.client
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from config.env import BASE_DIR, env_int, env_str
from deploy.children import Child, ChildFailedError, Restarts, check_alive, say, start_child, stop_children
from deploy.localredis import RedisServer, start_pair
from deploy.ports import busy_ports_complaint

# Fixed local ports and folder; overridable so a second copy (or the make-run smoke test) can run beside.
VAR_DIR = Path(env_str("DEVRUN_VAR_DIR", str(BASE_DIR / "var")))
CACHE_PORT = env_int("DEVRUN_REDIS_CACHE_PORT", 6380)
STATE_PORT = env_int("DEVRUN_REDIS_STATE_PORT", 6381)
SANDBOX_PORT = env_int("SANDBOX_PORT", 8001)
SANDBOX_MAIN = BASE_DIR / "sandbox" / "__main__.py"
READY_TIMEOUT_SECONDS = 60.0
STOPPED_LAST = frozenset({"sandbox"})  # the ledger outlives the worker's last turn (no false "busy")


class StopSignalError(Exception):
    """SIGINT or SIGTERM arrived: stop everything and exit cleanly."""


def child_environment(port: int, cache: RedisServer, state: RedisServer) -> dict[str, str]:
    """The environment of every child: ours, plus the local Redis pair, the bind address and the mode."""
    env = dict(os.environ)
    env.update(
        PYTHONUNBUFFERED="1",
        PORT=str(port),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        REDIS_CACHE_URL=cache.url,
        REDIS_STATE_URL=state.url,
        PROCESSING_MODE=env_str("PROCESSING_MODE", "queue"),
        MYCREDEX_APP_URL=env_str("MYCREDEX_APP_URL", f"http://127.0.0.1:{SANDBOX_PORT}/"),
    )
    # The sandbox tells the other party of each credex act through this bot's /bot/notify, with its key.
    env.setdefault("SANDBOX_NOTIFY_URL", f"http://127.0.0.1:{port}/bot/notify")
    env.setdefault("SANDBOX_NOTIFY_KEY", env.get("NOTIFY_API_KEY") or "dev-notify-key")
    return env


def sandbox_environment(env: dict[str, str]) -> dict[str, str]:
    """The sandbox's environment: the children's, with the bot's CLIENT_API_KEY as the key it expects (the
    sandbox reads only its own SANDBOX_* variables, no `.env`: it would otherwise refuse every login)."""
    return {**env, "SANDBOX_CLIENT_API_KEY": env_str("CLIENT_API_KEY", "dev-client-api-key")}


def answers_ok(port: int, path: str) -> bool:
    """True when GET http://127.0.0.1:`port``path` answers 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def wait_until_ready(port: int, children: list[Child], timeout: float = READY_TIMEOUT_SECONDS) -> None:
    """Poll the web server's /healthz until it answers 200; fail early if a child dies meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check_alive({child.name: child.process for child in children})
        if answers_ok(port, "/healthz"):
            return
        time.sleep(0.2)
    raise ChildFailedError(f"the web server did not answer /healthz within {timeout:.0f} s")


def _python_shown() -> str:
    """How to call this Python from the project folder (the virtualenv's, when that is what runs us)."""
    try:
        return str(Path(sys.executable).relative_to(BASE_DIR))
    except ValueError:
        return sys.executable


def banner(port: int, mode: str, with_sandbox: bool) -> list[str]:
    """Where everything is, and how to talk to it."""
    base = f"http://127.0.0.1:{port}"
    python = _python_shown()
    lines = [
        f"VimbisoPay is running (PROCESSING_MODE={mode}). Ctrl-C stops everything.",
        f"  bot:      {base}/  (liveness: {base}/healthz, admin: {base}/admin/)",
        f"  webhook:  {base}/bot/webhook  (GET handshake, POST signed with WHATSAPP_APP_SECRET)",
        f"  redis:    cache 127.0.0.1:{CACHE_PORT}, state 127.0.0.1:{STATE_PORT}; data and logs in {VAR_DIR}",
    ]
    if with_sandbox:
        lines.append(f"  sandbox:  http://127.0.0.1:{SANDBOX_PORT}/  (MyCredex sandbox)")
    sign = f"{python} manage.py sign_payload - --curl {base}/bot/webhook"
    lines += [
        "  Send a signed mock message from another terminal in this folder (the replies come back as JSON):",
        f"    {python} -m devtools.payloads hi | {sign} | sh",
    ]
    return lines


def start_redis_pair() -> tuple[RedisServer, RedisServer]:
    """The Redis pair, started with SIGINT blocked (the mask is inherited): a terminal's Ctrl-C goes to our
    whole process group, and Redis must outlive the worker's shutdown. It is stopped last, with SIGTERM."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return start_pair(VAR_DIR, CACHE_PORT, STATE_PORT)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@dataclass
class DevRun:
    """Everything `make run` started, so that all of it can be stopped."""

    port: int
    with_sandbox: bool
    redis: tuple[RedisServer, ...] = ()
    children: list[Child] = field(default_factory=list)
    restarts: Restarts = field(default_factory=Restarts)

    def start(self) -> list[str]:
        """Bring everything up; return the banner lines. Raises ChildFailedError if anything fails."""
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        say("redis", f"starting cache on {CACHE_PORT} and state on {STATE_PORT} (logs in {VAR_DIR})")
        self.redis = start_redis_pair()
        env = child_environment(self.port, *self.redis)
        self._migrate(env)
        python = sys.executable
        gunicorn = [python, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"]
        self.children.append(start_child("web", gunicorn, env))
        for number in range(1, max(1, env_int("WORKER_PROCESSES", 1)) + 1):
            name = "worker" if number == 1 else f"worker{number}"
            self.children.append(start_child(name, [python, "manage.py", "run_worker"], env))
        if self.with_sandbox:
            sandbox = [python, "-m", "sandbox", "--port", str(SANDBOX_PORT)]
            self.children.append(start_child("sandbox", sandbox, sandbox_environment(env)))
        wait_until_ready(self.port, self.children)
        return banner(self.port, env["PROCESSING_MODE"], self.with_sandbox)

    def _migrate(self, env: dict[str, str]) -> None:
        migrate = start_child("migrate", [sys.executable, "manage.py", "migrate", "--noinput"], env)
        self.children.append(migrate)
        code = migrate.process.wait()
        self.children.remove(migrate)
        if code != 0:
            raise ChildFailedError(f"migrate exited with status {code}")

    def supervise(self) -> None:
        """Restart a dead child with backoff (`Restarts`); return only by raising: ChildFailedError (Redis
        exited, or a child kept dying) or StopSignalError."""
        redis = {f"redis {server.role}": server.process for server in self.redis}
        while True:
            check_alive(redis)
            self.restarts.tend(self.children)
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the web server and worker(s) first (each worker ends its turn in progress, which may still
        call the ledger), then the sandbox, then both Redis servers."""
        stop_children([child for child in self.children if child.name not in STOPPED_LAST])
        stop_children([child for child in self.children if child.name in STOPPED_LAST])
        for server in reversed(self.redis):
            server.stop()
        say("devrun", "everything stopped")


def _request_stop(signum: int, frame: object) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise StopSignalError(signal.Signals(signum).name)


def main() -> int:
    """Run until Ctrl-C (exit 0) or until something fails (exit 1); 2 when a port is taken."""
    port = env_int("PORT", 8000)
    with_sandbox = SANDBOX_MAIN.exists()
    wanted = {"redis cache": CACHE_PORT, "redis state": STATE_PORT, "web server": port}
    if with_sandbox:
        wanted["sandbox"] = SANDBOX_PORT
    if complaint := busy_ports_complaint(wanted):
        say("devrun", complaint)
        return 2
    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)
    run = DevRun(port, with_sandbox)
    try:
        for line in run.start():
            say("devrun", line)
        run.supervise()
    except StopSignalError as stop:
        say("devrun", f"{stop} received: stopping everything")
        return 0
    except (ChildFailedError, RuntimeError) as failure:
        say("devrun", f"{failure}: stopping everything")
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the cleanup
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        run.stop()
    return 1  # pragma: no cover - supervise() only returns by raising


if __name__ == "__main__":
    sys.exit(main())
