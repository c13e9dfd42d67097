"""`make run`'s supervisor (deploy/devrun.py) with real child processes: prefixed output, a dead child is
noticed, stopping reaches a child's own children and escalates to SIGKILL, a taken port is reported."""

from __future__ import annotations

import os
import socket
import sys
import time

import pytest
import requests

from deploy import devrun
from tests.support.sandbox_server import SandboxServer
from tests.support.workers import wait_until

PYTHON = sys.executable


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers kill(0); it is gone for our purposes once it is not running.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ", 1)[1].startswith("Z")


def test_child_output_is_prefixed_with_its_name(capsys):
    child = devrun.start_child("worker", [PYTHON, "-c", "print('hello'); print('world')"], dict(os.environ))
    child.process.wait(10)
    seen: list[str] = []

    def printed_everything() -> bool:
        seen.append(capsys.readouterr().out)
        return "world" in "".join(seen)

    assert wait_until(printed_everything, 5)
    lines = "".join(seen).splitlines()
    assert lines == [" worker | hello", " worker | world"]


def test_a_dead_child_is_named():
    child = devrun.start_child("worker", [PYTHON, "-c", "raise SystemExit(3)"], dict(os.environ))
    child.process.wait(10)
    with pytest.raises(devrun.ChildFailedError, match="worker exited with status 3"):
        devrun.check_alive({child.name: child.process})


def test_stopping_a_child_also_stops_what_it_started(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time; "
        f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(60)"
    )
    child = devrun.start_child("web", [PYTHON, "-c", script], dict(os.environ))
    assert wait_until(lambda: pid_file.exists() and pid_file.read_text().strip() != "", 5)
    grandchild = int(pid_file.read_text())

    devrun.stop_children([child], grace=5)

    assert child.process.returncode is not None
    assert wait_until(lambda: _gone(grandchild), 5)


def test_a_child_ignoring_sigterm_is_killed_after_the_grace_period(capsys):
    script = "import signal as s, time; s.signal(s.SIGTERM, s.SIG_IGN); print('ready'); time.sleep(60)"
    child = devrun.start_child("sandbox", [PYTHON, "-u", "-c", script], dict(os.environ))
    assert wait_until(lambda: "ready" in capsys.readouterr().out, 5)  # its SIGTERM handler is in place
    began = time.monotonic()

    devrun.stop_children([child], grace=0.5)

    assert child.process.returncode == -9
    assert time.monotonic() - began < 5


def test_a_taken_port_is_reported_and_a_free_one_is_not():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        complaint = devrun.busy_ports_complaint({"web server": taken})
    assert complaint is not None
    assert f"{taken} (web server)" in complaint
    assert "make run" in complaint
    assert devrun.busy_ports_complaint({"web server": taken}) is None  # closed again


def test_the_sandbox_of_make_run_takes_the_bots_own_client_api_key(monkeypatch):
    # A key set for the bot (environment or .env) must open the sandbox's login too, or every login is a 401.
    monkeypatch.setenv("CLIENT_API_KEY", "operator-chosen-client-key-0123456789")
    key = devrun.sandbox_environment({})["SANDBOX_CLIENT_API_KEY"]
    server = SandboxServer(client_api_key=key).start()
    try:
        phone = {"phone": "263771234567"}

        def login(client_key: str) -> int:
            headers = {"x-client-api-key": client_key}
            return requests.post(f"{server.url}/login", json=phone, headers=headers, timeout=10).status_code

        assert login("operator-chosen-client-key-0123456789") == 404  # let in: "Member not found"
        assert login("dev-client-api-key") == 401
    finally:
        server.stop()
