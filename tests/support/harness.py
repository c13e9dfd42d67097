"""pytest plugin (loaded with `-p tests.support.harness`): throwaway Redis pair and test database.

It runs before pytest-django reads the settings, so the settings see the throwaway servers' URLs. Every test
starts with both Redis instances flushed. Set `TEST_REUSE_REDIS=1` with REDIS_CACHE_URL/REDIS_STATE_URL to
point the suite at servers you run yourself. With `TEST_POSTGRES=1` it also starts a throwaway PostgreSQL
(tests/support/postgres.py) and runs the suite's database on it instead of SQLite.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_state: dict = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    workdir = Path(tempfile.mkdtemp(prefix="vp-test-"))
    _state["workdir"] = workdir
    os.environ["TEST_WORKDIR"] = str(workdir)
    if not os.environ.get("TEST_REUSE_REDIS"):
        from deploy.localredis import free_port, start_pair

        cache, state = start_pair(workdir, free_port(), free_port())
        _state["servers"] = (cache, state)
        os.environ["REDIS_CACHE_URL"] = cache.url
        os.environ["REDIS_STATE_URL"] = state.url
    try:
        _start_database(workdir)
    except BaseException:
        pytest_unconfigure(early_config)
        raise
    yield


def _start_database(workdir: Path) -> None:
    if os.environ.get("TEST_POSTGRES"):
        from deploy.localredis import free_port
        from tests.support.postgres import PostgresServer

        workdir.chmod(0o755)  # the unprivileged PostgreSQL user must reach its data folder
        postgres = PostgresServer(workdir / "pg", free_port())
        _state["postgres"] = postgres
        postgres.start()
        os.environ["DATABASE_URL"] = postgres.url
    elif not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'unused.sqlite3'}"


def pytest_unconfigure(config):
    for server in _state.get("servers", ()):
        server.stop()
    if "postgres" in _state:
        _state["postgres"].stop()
    if "workdir" in _state:
        shutil.rmtree(_state["workdir"], ignore_errors=True)


def redis_servers():
    """The (cache, state) RedisServer objects this run started (for crash tests), or None."""
    return _state.get("servers")
