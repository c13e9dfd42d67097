"""The configuration attack matrix (issue 18, hole 3): each row starts the real program in a subprocess.

A row is an environment (over a clean one: tests/support/startup.py) and a command (`manage.py check`, the
worker, Gunicorn with deploy/gunicorn.conf.py, `manage.py runserver`); expected: it refuses to start, exits
non-zero, names the problem, and prints no secret value. Rows with no refusal are the controls: they start.
- `DJANGO_ENV` outside the closed set (staging, prod, a typo) would run with every public development
  secret and mock testing on; every entry point refuses it.
- Production with a secret equal to a documented example (read here from .env.example itself), or shorter
  than 32 characters, or with an ALLOWED_HOSTS pattern covering a public suffix.
- A development instance with public defaults (the secrets, mock testing, DEBUG) listening beyond loopback.
The last test is the control of the whole: what `make run` allows on loopback, a delivery signed with the
public development secret and marked `X-Mock-Testing`, still works.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

import pytest

from deploy.devrun import answers_ok
from deploy.localredis import free_port
from devtools.payloads.deliveries import new_wamid, whatsapp_text_payload
from security.signatures import sign_body
from tests.support.startup import (
    GUNICORN,
    MANAGE,
    PRODUCTION,
    ROOT,
    documented_example,
    environment,
    secret_values,
    start,
)

pytestmark = pytest.mark.slow

CHECK = (*MANAGE, "check")
UNKNOWN_ENV = "is not one of: development, test, production"
LOOPBACK_BIND = {"GUNICORN_BIND": "127.0.0.1:{port}"}
GUARDED_SECRETS = (
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_ACCESS_TOKEN",
    "CLIENT_API_KEY",
    "NOTIFY_API_KEY",
    "OPERATOR_JWT_SIGNING_KEY",
)
REAL_DEV_SECRETS = {name: PRODUCTION[name] for name in ("DJANGO_SECRET", *GUARDED_SECRETS)}
NOT_ON_LOOPBACK = "Refusing to listen on"
# Gunicorn started as systemd socket activation starts it: handed a socket bound to 0.0.0.0 on fd 3.
SYSTEMD_SOCKET = (
    sys.executable, "-c",
    "import os, socket, sys; s = socket.create_server(('0.0.0.0', int(sys.argv[1])));"
    "os.dup2(s.fileno(), 3); os.set_inheritable(3, True);"
    "os.environ.update(LISTEN_FDS='1', LISTEN_PID=str(os.getpid())); os.execv(sys.executable, sys.argv[2:])",
    "{port}", *GUNICORN,
)  # fmt: skip


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


def development(**overrides: str | None) -> dict[str, str | None]:
    return {"DJANGO_ENV": "development", **overrides}


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

# --- production: secrets that are public or short ------------------------------------------------------
SECRET_ROWS = [
    row
    for name in GUARDED_SECRETS
    for row in (
        Start(f"{name} = its documented example", production(**{name: documented_example(name)}),
              refusal=f"{name} is a documented default"),
        Start(f"{name} one character", production(**{name: "x"}), refusal=f"{name} is shorter than 32"),
        Start(f"{name} 31 characters", production(**{name: secrets.token_hex(16)[:31]}),
              refusal=f"{name} is shorter than 32"),
    )
] + [
    Start("DJANGO_SECRET = its documented example",
          production(DJANGO_SECRET=documented_example("DJANGO_SECRET")),
          refusal="DJANGO_SECRET is a documented default"),
    Start("CLIENT_API_KEY = the sandbox's documented JWT secret",
          production(CLIENT_API_KEY=documented_example("SANDBOX_JWT_SECRET")),
          refusal="CLIENT_API_KEY is a documented default"),
    Start("NOTIFY_API_KEY = the documented POSTGRES_PASSWORD (32 characters)",
          production(NOTIFY_API_KEY=documented_example("POSTGRES_PASSWORD")),
          refusal="NOTIFY_API_KEY is a documented default"),
    Start("WHATSAPP_APP_SECRET_PREVIOUS = the development app secret",
          production(WHATSAPP_APP_SECRET_PREVIOUS=documented_example("WHATSAPP_APP_SECRET")),
          refusal="WHATSAPP_APP_SECRET_PREVIOUS is a documented default"),
    Start("WHATSAPP_APP_SECRET_PREVIOUS short", production(WHATSAPP_APP_SECRET_PREVIOUS="old"),
          refusal="WHATSAPP_APP_SECRET_PREVIOUS is shorter than 32"),
    Start("ALERT_WEBHOOK_SECRET short", production(ALERT_WEBHOOK_SECRET="whsec_x"),
          refusal="ALERT_WEBHOOK_SECRET is shorter than 32"),
    Start("ALERT_TELEGRAM_BOT_TOKEN short", production(ALERT_TELEGRAM_BOT_TOKEN="123:abc"),
          refusal="ALERT_TELEGRAM_BOT_TOKEN is shorter than 32"),
    Start("OPERATOR_JWT_SIGNING_KEY = DJANGO_SECRET",
          production(OPERATOR_JWT_SIGNING_KEY=PRODUCTION["DJANGO_SECRET"]),
          refusal="OPERATOR_JWT_SIGNING_KEY must differ from DJANGO_SECRET"),
    Start("control: optional secrets set empty",
          production(WHATSAPP_APP_SECRET_PREVIOUS="", ALERT_WEBHOOK_SECRET="")),
]  # fmt: skip

# --- production: host patterns that cover a public suffix ----------------------------------------------
HOST_ROWS = [
    Start(f"ALLOWED_HOSTS={hosts}", production(ALLOWED_HOSTS=hosts), refusal=f"ALLOWED_HOSTS entry {bad!r}")
    for hosts, bad in [
        (".com", ".com"),
        ("com", "com"),
        (".co.zw", ".co.zw"),
        ("co.zw", "co.zw"),
        (".github.io", ".github.io"),
        (".COM", ".COM"),
        ("*", "*"),
        (".", "."),
        ("bot.example.org,.co.zw", ".co.zw"),
    ]
] + [
    Start("control: ALLOWED_HOSTS=.example.co.zw,bot.example.github.io",
          production(ALLOWED_HOSTS=".example.co.zw,bot.example.github.io")),
]  # fmt: skip

# --- development defaults beyond loopback ---------------------------------------------------------------
BIND_ROWS = [
    Start("gunicorn 0.0.0.0 with the dev defaults", development(GUNICORN_BIND="0.0.0.0:{port}"), GUNICORN,
          f"{NOT_ON_LOOPBACK} 0.0.0.0"),
    Start("gunicorn [::] with the dev defaults", development(GUNICORN_BIND="[::]:{port}"), GUNICORN,
          f"{NOT_ON_LOOPBACK} [::]"),
    Start("gunicorn on a LAN address", development(GUNICORN_BIND="192.168.1.20:{port}"), GUNICORN,
          f"{NOT_ON_LOOPBACK} 192.168.1.20"),
    Start("gunicorn -b 0.0.0.0 on the command line", development(**LOOPBACK_BIND),
          (*GUNICORN, "-b", "0.0.0.0:{port}"), f"{NOT_ON_LOOPBACK} 0.0.0.0"),
    Start("gunicorn GUNICORN_CMD_ARGS=--bind 0.0.0.0", development(GUNICORN_CMD_ARGS="--bind 0.0.0.0:{port}"),
          GUNICORN, f"{NOT_ON_LOOPBACK} 0.0.0.0"),
    Start("gunicorn 0.0.0.0, real secrets but mock testing on", development(**REAL_DEV_SECRETS,
          DEBUG="False", GUNICORN_BIND="0.0.0.0:{port}"), GUNICORN, "MOCK_TESTING_ENABLED"),
    Start("gunicorn 0.0.0.0, real secrets but DEBUG on", development(**REAL_DEV_SECRETS,
          MOCK_TESTING_ENABLED="False", GUNICORN_BIND="0.0.0.0:{port}"), GUNICORN, "DEBUG"),
    Start("gunicorn 0.0.0.0, one public secret left", development(
          **{**REAL_DEV_SECRETS, "NOTIFY_API_KEY": None}, DEBUG="False", MOCK_TESTING_ENABLED="False",
          GUNICORN_BIND="0.0.0.0:{port}"), GUNICORN, "NOTIFY_API_KEY"),
    Start("gunicorn handed a 0.0.0.0 socket by systemd", development(**LOOPBACK_BIND), SYSTEMD_SOCKET,
          f"{NOT_ON_LOOPBACK} 0.0.0.0"),
    Start("runserver 0.0.0.0 with the dev defaults", development(),
          (*MANAGE, "runserver", "0.0.0.0:{port}", "--noreload"), f"{NOT_ON_LOOPBACK} 0.0.0.0"),
    Start("runserver [::] with the dev defaults", development(),
          (*MANAGE, "runserver", "-6", "[::]:{port}", "--noreload"), f"{NOT_ON_LOOPBACK} [::]"),
    Start("control: gunicorn on loopback with the dev defaults", development(**LOOPBACK_BIND), GUNICORN,
          ready=True),
    Start("control: runserver on loopback with the dev defaults", development(),
          (*MANAGE, "runserver", "127.0.0.1:{port}", "--noreload", "--skip-checks"), ready=True),
    Start("control: gunicorn 0.0.0.0 with real secrets, mock testing and DEBUG off", development(
          **REAL_DEV_SECRETS, DEBUG="False", MOCK_TESTING_ENABLED="False", GUNICORN_BIND="0.0.0.0:{port}"),
          GUNICORN, ready=True),
]  # fmt: skip

ROWS = ENVIRONMENT_ROWS + SECRET_ROWS + HOST_ROWS + BIND_ROWS


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


def test_development_on_loopback_still_answers_a_delivery_signed_with_the_public_secret(tmp_path):
    """What `make run` allows on loopback (and only there): the dev app secret plus `X-Mock-Testing`."""
    database = tmp_path / "dev.sqlite3"
    redis = {name: os.environ[name] for name in ("REDIS_CACHE_URL", "REDIS_STATE_URL")}  # the harness's
    env = environment({"DJANGO_ENV": "development", **redis}, database=database)
    migrated = start((*MANAGE, "migrate", "--noinput"), env, wait=120)
    assert migrated.returncode == 0, migrated.output[-3000:]
    port = free_port()
    server = start_serving(env, port)
    try:
        answer = signed_mock_hi(port, secret=documented_example("WHATSAPP_APP_SECRET"))
    finally:
        server.kill()
        server.wait(30)
    assert answer["received"] == 1
    assert answer["replies"], "the greeting must be answered (here: the ledger is unreachable)"


def start_serving(env: dict[str, str], port: int) -> subprocess.Popen:
    """Gunicorn with deploy/gunicorn.conf.py on 127.0.0.1:`port`, once /healthz answers."""
    server = subprocess.Popen(
        GUNICORN, cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not answers_ok(port, "/healthz") and server.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server.poll() is None, "the development server did not start on loopback"
    return server


def signed_mock_hi(port: int, *, secret: str) -> dict:
    body = json.dumps(whatsapp_text_payload(text="hi", wamid=new_wamid(), phone_number_id="100000000000001"))
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/bot/webhook", data=body.encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Mock-Testing": "true",
                 "X-Hub-Signature-256": sign_body(body.encode(), secret.encode())},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())
