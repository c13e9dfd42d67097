"""The configuration attack matrix (issue 18, hole 3): each row starts the real program in a subprocess.

A row is an environment (over a clean one: tests/support/startup.py) and a command (`manage.py check`, the
worker, Gunicorn with deploy/gunicorn.conf.py); expected: it refuses to start, exits non-zero, names the
problem, and prints no secret value. Rows with no refusal are the controls: they start.
- `DJANGO_ENV` outside the closed set (staging, prod, a typo) would run with every public development
  secret and mock testing on; every entry point refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from deploy.localredis import free_port
from tests.support.startup import (
    GUNICORN,
    MANAGE,
    PRODUCTION,
    environment,
    secret_values,
    start,
)

pytestmark = pytest.mark.slow

CHECK = (*MANAGE, "check")
UNKNOWN_ENV = "is not one of: development, test, production"
LOOPBACK_BIND = {"GUNICORN_BIND": "127.0.0.1:{port}"}


@dataclass(frozen=True)
class Start:
    """`argv` started in `env`; `refusal` is the text its refusal must contain (None: it must start).
    `{port}` in a value or argument is a free port."""

    name: str
    env: dict[str, str | None]
    argv: tuple[str, ...] = CHECK
    refusal: str | None = None
    ready: bool = field(default=False)  # a control row: started once /healthz answers on {port}


def production(**overrides: str | None) -> dict[str, str | None]:
    return {**PRODUCTION, **overrides}


# --- DJANGO_ENV: a closed set, for every entry point ----------------------------------------------------
ENVIRONMENT_ROWS = [
    Start("DJANGO_ENV=staging", {"DJANGO_ENV": "staging"}, refusal=UNKNOWN_ENV),
    Start("DJANGO_ENV=prod", {"DJANGO_ENV": "prod"}, refusal=UNKNOWN_ENV),
    Start("DJANGO_ENV=producton (typo)", {"DJANGO_ENV": "producton"}, refusal=UNKNOWN_ENV),
    Start("DJANGO_ENV=dev", {"DJANGO_ENV": "dev"}, refusal=UNKNOWN_ENV),
    Start("DJANGO_ENV empty", {"DJANGO_ENV": ""}, refusal=UNKNOWN_ENV),
    Start("DJANGO_ENV=staging, the worker", {"DJANGO_ENV": "staging"}, (*MANAGE, "run_worker"), UNKNOWN_ENV),
    Start("DJANGO_ENV=staging, gunicorn", {"DJANGO_ENV": "staging", **LOOPBACK_BIND}, GUNICORN, UNKNOWN_ENV),
    Start("control: DJANGO_ENV=' Production ' is production", production(DJANGO_ENV=" Production ")),
    Start("control: DJANGO_ENV unset is development", {}),
]

ROWS = ENVIRONMENT_ROWS


def _with_port(value: str, port: int) -> str:
    return value.replace("{port}", str(port))


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_each_unsafe_configuration_refuses_to_start(row: Start, tmp_path):
    port = free_port()
    overrides = {name: None if value is None else _with_port(value, port) for name, value in row.env.items()}
    env = environment(overrides, database=tmp_path / "db.sqlite3")
    argv = tuple(_with_port(arg, port) for arg in row.argv)

    ended = start(argv, env, wait=20, ready_port=port if row.ready else 0)

    if row.refusal is None:
        assert not ended.refused, ended.output[-3000:]
        return
    assert ended.refused, f"it started: {ended.output[-3000:]}"
    assert row.refusal in ended.output, ended.output[-3000:]
    for value in secret_values(env):  # the refusal names the problem, never a secret's value
        assert value not in ended.output
