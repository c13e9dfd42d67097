"""A real Gunicorn (deploy/gunicorn.conf.py, test settings) for the deploy tests, and what its workers hold.

`serve(tmp_path, workers=N, **env)` starts `python -m gunicorn -c deploy/gunicorn.conf.py
config.wsgi:application` (extra environment variables in `env`) on a free loopback port and yields a
`Served` (port, the master process, the log path) once `/healthz` answers. `get(port, path)` is one request
on a fresh connection. `worker_pids(served)` lists the workers, and `established_by_worker(served)` reads
/proc (Linux) to count the open client connections each worker process holds on the server's port.
"""

from __future__ import annotations

import http.client
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import BASE_DIR, GUNICORN_CONF, gunicorn_process

ROOT, CONF = BASE_DIR, GUNICORN_CONF  # for the deploy tests
TCP_ESTABLISHED = "01"


@dataclass(frozen=True)
class Served:
    port: int
    process: subprocess.Popen
    log_path: Path


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """GET `path` on a fresh connection, closed afterwards: (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextmanager
def serve(tmp_path: Path, *, workers: int = 1, **extra_env: str) -> Iterator[Served]:
    """The project under Gunicorn with the deploy config and this process's environment (test settings),
    plus `extra_env` (started and stopped by `bench.common.gunicorn_process`)."""
    env = {**os.environ, **extra_env, "GUNICORN_WORKERS": str(workers)}
    log_path = tmp_path / "gunicorn.log"
    with gunicorn_process(env, log_path) as (port, process):
        yield Served(port, process, log_path)


def worker_pids(served: Served) -> list[int]:
    """The master's child processes, from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == served.process.pid:
            children.append(int(entry.name))
    return sorted(children)


def established_by_worker(served: Served) -> dict[int, int]:
    """For each worker pid, how many established connections to the server's port it holds."""
    inodes = _established_inodes(served.port)
    counts = {}
    for pid in worker_pids(served):
        held = 0
        for descriptor in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(descriptor)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held += 1
        counts[pid] = held
    return counts


def _established_inodes(port: int) -> set[str]:
    """Socket inodes of established TCP connections whose local port is `port` (/proc/net/tcp)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == TCP_ESTABLISHED:
                inodes.add(fields[9])
    return inodes
