"""Start the sandbox: migrate and seed its database, then serve it with gunicorn (one worker, threads).

`python -m sandbox --port 8001` (or `python -m sandbox.serve`). One worker process, because the fault
switches, counters, rate limiter and run-time config live in process memory; threads give concurrency,
and SQLite IMMEDIATE transactions serialise writers. No autoreload. SIGTERM stops it within ~2 s.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence

import django
from django.core.management import call_command
from django.db import connections
from gunicorn.app.base import BaseApplication
from gunicorn.util import import_app

SETTINGS_MODULE = "sandbox.settings"


class SandboxServer(BaseApplication):
    """gunicorn serving `sandbox.wsgi:application` with fixed options."""

    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        return import_app("sandbox.wsgi:application")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="MyCredex sandbox ledger")
    parser.add_argument("--host", default=os.environ.get("SANDBOX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_PORT", "8001")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("SANDBOX_THREADS", "16")))
    parser.add_argument("--no-prepare", action="store_true", help="skip migrate and seed")
    return parser.parse_args(argv)


def prepare() -> None:
    """Migrate the database and seed it if empty (in this process, before gunicorn forks)."""
    django.setup()
    call_command("prepare_sandbox")
    connections.close_all()


def gunicorn_options(args: argparse.Namespace) -> dict:
    """The gunicorn settings of the sandbox."""
    return {
        "bind": f"{args.host}:{args.port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": args.threads,
        "timeout": 600,
        "graceful_timeout": 2,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "mycredex-sandbox",
        "control_socket_disable": True,  # several gunicorns (bot, sandbox, tests) must not share one socket
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Prepare the database, then serve until stopped."""
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    args = parse_args(argv)
    if not args.no_prepare:
        prepare()
    SandboxServer(gunicorn_options(args)).run()


if __name__ == "__main__":
    main()
