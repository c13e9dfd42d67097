"""`make run` end to end: the supervisor brings up both Redis, the web server, a worker and the sandbox;
a signed mock "hi" gets the home menu back as JSON, the sandbox letting the bot log in with its own
`CLIENT_API_KEY`; Ctrl-C (SIGINT) stops every process it started."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from deploy.localredis import free_port
from devtools.payloads.deliveries import SAMPLE_WA_ID, new_wamid, whatsapp_text_payload
from security.signatures import sign_body

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SECRET = "make-run-smoke-secret"
CLIENT_KEY = "make-run-own-client-key"


def get(url: str, timeout: float = 2.0) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status


def wait_for(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if get(url) == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


def signed_mock_hi(port: int) -> dict:
    payload = whatsapp_text_payload(text="hi", wamid=new_wamid(), phone_number_id="100000000000001")
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/bot/webhook", data=body, method="POST",
        headers={"Content-Type": "application/json", "X-Mock-Testing": "true",
                 "X-Hub-Signature-256": sign_body(body, SECRET.encode())},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def sandbox_stats(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/devadmin/stats", data=b"{}", method="POST",
        headers={"Content-Type": "application/json", "x-dev-admin-key": "dev-admin-key"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


def test_make_run_serves_a_signed_mock_hi_and_stops_everything_on_ctrl_c(tmp_path):
    web, sandbox = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "DATABASE_", "DJANGO_"))},
        "PORT": str(web),
        "SANDBOX_PORT": str(sandbox),
        "DEVRUN_VAR_DIR": str(tmp_path),
        "DEVRUN_REDIS_CACHE_PORT": str(free_port()),
        "DEVRUN_REDIS_STATE_PORT": str(free_port()),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "SANDBOX_DATABASE_PATH": str(tmp_path / "sandbox.sqlite3"),
        "WHATSAPP_APP_SECRET": SECRET,
        "CLIENT_API_KEY": CLIENT_KEY,  # the sandbox must take the bot's key, or every login is a 401
        "WHATSAPP_API_URL": "http://127.0.0.1:9",
    }
    command = [sys.executable, "-m", "deploy.devrun"]
    run = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90
        wait_for(f"http://127.0.0.1:{web}/healthz", deadline)
        wait_for(f"http://127.0.0.1:{sandbox}/health", deadline)

        answer = signed_mock_hi(web)

        assert answer["received"] == 1
        assert answer["replies"], "the greeting must be answered"
        assert answer["replies"][0]["to"].lstrip("+") == SAMPLE_WA_ID
        logins = sandbox_stats(sandbox)["responses"]["login"]
        assert logins and "401" not in logins, logins  # the bot's own key let it in
    finally:
        run.send_signal(signal.SIGINT)
        output = run.communicate(timeout=60)[0].decode(errors="replace")
    assert run.returncode == 0, output[-2000:]
    assert "everything stopped" in output
    for port in (web, sandbox):
        with pytest.raises(OSError):
            get(f"http://127.0.0.1:{port}/", timeout=1)
