"""Starting the real program in a subprocess, as a deploy or a developer would, for the configuration tests.

`environment(overrides)` is a clean environment (PATH and HOME only, Redis and the ledger pointed at closed
ports so that nothing reaches a server someone else runs) plus `overrides` (None removes a variable).
`start(argv, env)` runs `manage.py ...` or Gunicorn with `deploy/gunicorn.conf.py` and returns how it ended:
a refusal exits at once, and a program still running after `wait` seconds is stopped and reported as
having started. `PRODUCTION` holds safe production values, random for each test session.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from deploy.devrun import answers_ok
from deploy.localredis import free_port

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
GUNICORN = (sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi:application")
MANAGE = (sys.executable, "manage.py")
SECRET_NAME = re.compile(r"SECRET|KEY|TOKEN|PASSWORD")

PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "bot.example.org",
    "WHATSAPP_APP_SECRET": secrets.token_hex(16),  # Meta's shape: 32 hexadecimal characters
    "WHATSAPP_VERIFY_TOKEN": secrets.token_urlsafe(32),
    "WHATSAPP_ACCESS_TOKEN": "EAAG" + secrets.token_urlsafe(150),
    "WHATSAPP_PHONE_NUMBER_ID": "123456789012345",
    "REDIS_CACHE_URL": "redis://redis-cache:6379/0",
    "REDIS_STATE_URL": "redis://redis-state:6379/0",
    "CLIENT_API_KEY": secrets.token_urlsafe(32),
    "NOTIFY_API_KEY": secrets.token_urlsafe(32),
    "OPERATOR_JWT_SIGNING_KEY": secrets.token_urlsafe(48),
}


@dataclass(frozen=True)
class Ended:
    """How a start ended: its exit status (None: still running after the wait, then stopped) and output."""

    returncode: int | None
    output: str

    @property
    def refused(self) -> bool:
        return self.returncode not in (None, 0)


def environment(overrides: dict[str, str | None] | None = None, *, database: Path | None = None) -> dict:
    """A clean environment for one start (see the module docstring)."""
    closed = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": f"sqlite:///{database}" if database else "sqlite:////nonexistent/vp-startup.sqlite3",
        "REDIS_CACHE_URL": f"redis://127.0.0.1:{closed}/0",
        "REDIS_STATE_URL": f"redis://127.0.0.1:{closed}/1",
        "MYCREDEX_APP_URL": f"http://127.0.0.1:{closed}/",
        "WHATSAPP_API_URL": f"http://127.0.0.1:{closed}",
    }
    for name, value in (overrides or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def start(argv: tuple[str, ...], env: dict[str, str], *, wait: float = 30.0, ready_port: int = 0) -> Ended:
    """Run `argv` in the project folder until it exits, or until `ready_port` answers /healthz (then it has
    started, and is stopped), or for at most `wait` seconds (then it is stopped as still running)."""
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        errors="replace", start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + wait
    while process.poll() is None and time.monotonic() < deadline:
        if ready_port and answers_ok(ready_port, "/healthz"):
            break
        time.sleep(0.2)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    output, _ = process.communicate(timeout=30)
    exited = process.returncode if process.returncode >= 0 else None  # killed by us: it was running
    return Ended(exited, output)


def secret_values(env: dict[str, str]) -> list[str]:
    """The values of the secret variables in `env` long enough to be recognised in output."""
    return [value for name, value in env.items() if SECRET_NAME.search(name) and len(value) >= 8]


def documented_example(name: str) -> str:
    """The value `.env.example` shows for `name` (its `NAME=value` line, commented out or not)."""
    found = re.search(rf"^#?[ \t]*{name}=(.*)$", ENV_EXAMPLE.read_text(), flags=re.MULTILINE)
    assert found is not None and found.group(1).strip(), f".env.example shows no value for {name}"
    return found.group(1).strip()
