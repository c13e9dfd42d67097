# ruff: noqa: N999 - Gunicorn's conventional file name, loaded by path, never imported
"""Gunicorn settings shared by the container, `make run` and the benchmarks.

`gunicorn -c deploy/gunicorn.conf.py config.wsgi:application`. Everything tunable comes from the environment
(documented in `.env.example`). The access log never contains query strings, headers, referers or user
agents: the webhook handshake carries `hub.verify_token` in its query string.

While the settings name defaults that are unsafe beyond loopback (`UNSAFE_BEYOND_LOOPBACK`: DEBUG, mock
testing, a public or short secret; never in production), the master refuses to listen anywhere else: first
on the effective bind (this file's, or `-b` / GUNICORN_CMD_ARGS, which win over it) before opening it, then
on the sockets really bound (inherited from systemd or a re-exec), before any worker starts.
"""

import os

from config.logconfig import log_format
from deploy.gunicorn_logging import ACCESS_LOG_FORMAT, gunicorn_logging
from security.loopback import listen_problem


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _bind_address() -> str:
    """GUNICORN_BIND wins (the image sets 0.0.0.0:8000); otherwise loopback on $PORT (default 8000)."""
    explicit = os.environ.get("GUNICORN_BIND", "").strip()
    if explicit:
        return explicit
    return f"127.0.0.1:{_env_int('PORT', 8000)}"


bind = [_bind_address()]


def _refuse_beyond_loopback(addresses: list) -> None:
    """RuntimeError (Gunicorn prints it, exits 1) when development defaults would listen beyond loopback."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings  # the settings only (not the app), read in the master

    problem = listen_problem(addresses, getattr(settings, "UNSAFE_BEYOND_LOOPBACK", ()))
    if problem:
        raise RuntimeError(problem)


def on_starting(server: object) -> None:
    """Before the master opens its sockets: the effective bind addresses."""
    _refuse_beyond_loopback(server.cfg.address)


def when_ready(server: object) -> None:
    """Sockets open, no worker yet: the addresses really bound (systemd or re-exec may hand others over)."""
    _refuse_beyond_loopback([listener.sock.getsockname() for listener in server.LISTENERS])


# One worker per CPU this process may run on (at most 8: each also holds database and Redis connections).
workers = _env_int("GUNICORN_WORKERS", min(len(os.sched_getaffinity(0)), 8))
worker_class = "gthread"
# Two threads per worker: the requests are mostly Python work around one short database or Redis round trip,
# and the second thread lets a worker go on while the database flushes a commit. GUNICORN_THREADS=1 for a
# database that never makes the worker wait.
threads = _env_int("GUNICORN_THREADS", 2)
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
# Recycle each worker after ~10 000 requests (a leak guard). Measured with `make bench`: recycling every 1 000
# cost a third of the floor's throughput and multiplied its p99 by 5-8 at 50 connections, as each restart
# re-imports Django while its connections wait. 0 disables recycling.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = max_requests // 10
# Only the reverse proxy may set X-Forwarded-*; list its address(es) in production.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Heartbeat files on tmpfs (Gunicorn's advice for containers); elsewhere the default temporary directory.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - tmpfs, not a temp file
# The gunicornc control socket would live in $HOME, shared by every Gunicorn of the user: not wanted.
control_socket_disable = True

loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Both of Gunicorn's logs go through the project's formatters and redaction filter, JSON under
# LOG_FORMAT=json (deploy/gunicorn_logging.py): the error log on stderr, the access log on stdout.
logconfig_dict = gunicorn_logging(log_format(), loglevel)
logger_class = "deploy.gunicorn_logging.AccessLogger"  # gathers only the atoms the access line uses
# The path without its query string, and no header (deploy/gunicorn_logging.py).
access_log_format = ACCESS_LOG_FORMAT
