"""`make run`'s supervisor under stop and crash (deploy/devrun.py, deploy/children.py), with real processes:
SIGTERM sent to `make` reaches the supervisor; the worker and web server stop before the sandbox and the
sandbox before Redis (a worker's last turn still reaches the ledger); a dead child is restarted with backoff
and logged; a child that keeps dying stops everything with a clear message."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploy import devrun
from deploy.children import Restarts
from deploy.localredis import free_port, start_pair
from tests.support.workers import wait_until

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

# A child that notes when it is ready and, on SIGTERM, lingers (a worker ending its turn), then notes whether
# Redis still answered while it stopped.
STOPPABLE = """
import signal, socket, sys, time
name, log, linger, redis_port = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
def note(text):
    with open(log, "a") as f:
        f.write(text + "\\n")
def stop(*_):
    time.sleep(linger)
    try:
        socket.create_connection(("127.0.0.1", redis_port), 0.5).close()
        redis = "up"
    except OSError:
        redis = "down"
    note(f"{name} stopped, redis {redis}")
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
note(f"{name} ready")
while True:
    time.sleep(0.05)
"""

# A child that counts its starts in a file and exits with status 3 on the first `deaths` of them.
DYING = """
import sys, time
starts, deaths = sys.argv[1], int(sys.argv[2])
with open(starts, "a") as f:
    f.write("start\\n")
if len(open(starts).read().split()) <= deaths:
    sys.exit(3)
time.sleep(60)
"""


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_the_worker_and_web_server_stop_before_the_sandbox_and_the_sandbox_before_redis(tmp_path):
    log = tmp_path / "order.log"
    redis = start_pair(tmp_path, free_port(), free_port())
    port = str(redis[1].port)
    lingers = {"web": "0", "worker": "0.5", "sandbox": "0"}
    children = [
        devrun.start_child(name, [PYTHON, "-c", STOPPABLE, name, str(log), linger, port], dict(os.environ))
        for name, linger in lingers.items()
    ]
    run = devrun.DevRun(0, True, redis=redis, children=children)
    try:
        assert wait_until(lambda: len(_lines(log)) == 3, 10)  # every SIGTERM handler is in place
    finally:
        run.stop()
    stopped = _lines(log)[3:]
    assert sorted(stopped[:2]) == ["web stopped, redis up", "worker stopped, redis up"]
    assert stopped[2] == "sandbox stopped, redis up"  # after the worker's last turn, before Redis
    assert all(server.process.poll() is not None for server in redis)


def test_a_dead_child_is_restarted_after_a_backoff_and_it_is_logged(tmp_path, capsys):
    starts = tmp_path / "starts"
    child = devrun.start_child("worker", [PYTHON, "-c", DYING, str(starts), "1"], dict(os.environ))
    first = child.process.pid
    children, restarts = [child], Restarts(first_delay=0.2)
    try:
        assert wait_until(lambda: restarts.tend(children) or children[0].process.pid != first, 10)
        assert wait_until(lambda: len(_lines(starts)) == 2, 10)
        time.sleep(0.3)
        restarts.tend(children)
        assert children[0].process.poll() is None  # the restarted one keeps running
    finally:
        devrun.stop_children(children, grace=5)
    output = capsys.readouterr().out
    assert "worker exited with status 3; restarting in 0.2 s (restart 1 of at most 5 within 60 s)" in output
    assert "worker restarted" in output


@pytest.mark.timeout(30)
def test_a_child_that_keeps_dying_stops_everything_with_a_clear_message(tmp_path):
    starts = tmp_path / "starts"
    child = devrun.start_child("worker", [PYTHON, "-c", DYING, str(starts), "99"], dict(os.environ))
    run = devrun.DevRun(0, False, children=[child], restarts=Restarts(limit=2, first_delay=0.05))
    with pytest.raises(
        devrun.ChildFailedError, match="worker exited with status 3 after 2 restarts within 60 s"
    ):
        run.supervise()
    assert len(_lines(starts)) == 3  # the first start and two restarts, then it gave up


def test_sigterm_to_make_run_reaches_the_supervisor(tmp_path):
    """`make run` with a stand-in for the virtualenv's python that notes the SIGTERM it receives."""
    bin_dir, received, pid = tmp_path / "bin", tmp_path / "received", tmp_path / "pid"
    bin_dir.mkdir()
    stand_in = bin_dir / "python"
    stand_in.write_text(
        f"#!/bin/sh\necho $$ > {pid}\ntrap 'echo TERM > {received}; exit 0' TERM\necho up\n"
        "while :; do sleep 0.1; done\n"
    )
    stand_in.chmod(0o755)
    make = subprocess.Popen(
        ["make", "-s", "-o", ".venv/.installed", "run", f"BIN={bin_dir}"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert make.stdout.readline().strip() == "up"
        make.send_signal(signal.SIGTERM)
        make.wait(5)
        assert wait_until(received.exists, 3), "the supervisor never got the SIGTERM sent to make"
    finally:
        if make.poll() is None:
            make.kill()
            make.wait()
        with contextlib.suppress(ProcessLookupError, ValueError, FileNotFoundError):
            left = int(pid.read_text())  # a stand-in left behind by a failure (checked: not a reused pid)
            if str(bin_dir) in Path(f"/proc/{left}/cmdline").read_text():
                os.kill(left, signal.SIGKILL)
