"""Shared pieces of the benchmarks: a Gunicorn server on a free loopback port, a closed-loop HTTP load
generator over keep-alive connections, percentiles and a plain-text table.

Load generation uses one thread per connection with `http.client`; every request is built before the clock
starts, so the client spends its time sending and reading, not preparing.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import os
import runpy
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from deploy.devrun import answers_ok
from deploy.localredis import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN_CONF = BASE_DIR / "deploy" / "gunicorn.conf.py"


def deployed_shape() -> tuple[int, int]:
    """The workers and threads per worker that `deploy/gunicorn.conf.py` gives here (environment included)."""
    conf = runpy.run_path(str(GUNICORN_CONF))
    return conf["workers"], conf["threads"]


@dataclass(frozen=True)
class Request:
    """One prepared HTTP request."""

    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    """What a load run measured. Latencies are in seconds, one per answered request."""

    label: str
    latencies: list[float]
    non_2xx: int
    errors: int
    elapsed: float
    counted: int | None = None  # answered requests, when a generator reports counts instead of samples
    fixed_ms: dict[float, float] | None = None  # its percentiles (fraction → ms), likewise

    @property
    def answered(self) -> int:
        return self.counted if self.counted is not None else len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.answered / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, fraction: float) -> float:
        if self.fixed_ms is not None:
            return self.fixed_ms[fraction]
        return percentile(self.latencies, fraction) * 1000


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1) of `values`; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class _ClientTally:
    latencies: list[float] = field(default_factory=list)
    non_2xx: int = 0
    errors: int = 0


@dataclass
class _LoadPlan:
    """What every client thread shares: the requests, who takes which, when to start and to give up."""

    port: int
    requests: Sequence[Request]
    start: threading.Barrier
    claim: Iterator[int] = field(default_factory=itertools.count)  # next() is atomic under the GIL
    deadline: float = float("inf")


def _client_loop(plan: _LoadPlan, tally: _ClientTally) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", plan.port, timeout=30)
    with contextlib.suppress(OSError):
        connection.connect()  # before the clock starts; a failure here is retried by the first request
    plan.start.wait()
    for index in plan.claim:
        if index >= len(plan.requests) or time.monotonic() > plan.deadline:
            break
        request = plan.requests[index]
        began = time.perf_counter()
        try:
            connection.request(request.method, request.path, body=request.body, headers=request.headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            tally.errors += 1
            connection.close()
            continue  # http.client reconnects on the next request
        tally.latencies.append(time.perf_counter() - began)
        if not 200 <= response.status < 300:
            tally.non_2xx += 1
        if response.will_close:
            connection.close()
    connection.close()


def drive_load(label: str, port: int, requests: Sequence[Request], *, concurrency: int,
               time_limit: float) -> LoadResult:  # fmt: skip
    """Send `requests` over `concurrency` keep-alive connections as fast as they are answered."""
    plan = _LoadPlan(port, requests, threading.Barrier(concurrency + 1))
    tallies = [_ClientTally() for _ in range(concurrency)]
    threads = [threading.Thread(target=_client_loop, args=(plan, tally), daemon=True) for tally in tallies]
    for thread in threads:
        thread.start()
    plan.start.wait()
    began = time.perf_counter()
    plan.deadline = time.monotonic() + time_limit
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)  # short joins keep Ctrl-C responsive
    elapsed = time.perf_counter() - began
    latencies = [latency for tally in tallies for latency in tally.latencies]
    non_2xx = sum(tally.non_2xx for tally in tallies)
    return LoadResult(label, latencies, non_2xx, sum(tally.errors for tally in tallies), elapsed)


def stop_process(process: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn_process(env: dict[str, str], log_path: Path,
                     ready_path: str = "/healthz") -> Iterator[tuple[int, subprocess.Popen]]:  # fmt: skip
    """Gunicorn with deploy/gunicorn.conf.py serving config.wsgi on a free loopback port, in `env`; yields
    (port, master process) once `ready_path` answers 200, and stops it (SIGTERM, then SIGKILL) on leaving."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "config.wsgi:application"]
    with log_path.open("ab") as log:
        server_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        process = subprocess.Popen(command, cwd=BASE_DIR, env=server_env, stdout=log, stderr=log)
    try:
        wait_until_answering(process, port, ready_path, f"gunicorn (log: {log_path})")
        yield port, process
    finally:
        stop_process(process)


@contextmanager
def gunicorn_server(env: dict[str, str], log_path: Path, *, workers: int | None = None,
                    threads: int | None = None, ready_path: str = "/healthz") -> Iterator[int]:  # fmt: skip
    """`gunicorn_process` shaped by `workers` and `threads` (default: that file's, one worker per CPU and
    2 threads); yields the port."""
    default_workers, default_threads = deployed_shape()
    shape = {
        "GUNICORN_WORKERS": str(workers or default_workers),
        "GUNICORN_THREADS": str(threads or default_threads),
    }
    with gunicorn_process({**env, **shape}, log_path, ready_path) as (port, _):
        yield port


def wait_until_answering(process: subprocess.Popen, port: int, path: str, what: str) -> None:
    """Return once GET `path` on 127.0.0.1:`port` answers 200; RuntimeError naming `what` if the process
    exits or 60 s pass first."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        if answers_ok(port, path):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer {path} within 60 s")


def run_checked(command: list[str], env: dict[str, str], what: str) -> None:
    """Run a command in the project folder; raise with the tail of its output if it fails."""
    done = subprocess.run(command, check=False, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
        raise RuntimeError(f"{what} failed (status {done.returncode}):\n{tail}")


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    cells = [[str(header) for header in headers]] + [[str(value) for value in row] for row in rows]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    lines = []
    for row in cells:
        first = row[0].ljust(widths[0])
        rest = [value.rjust(width) for value, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join([first, *rest]))
    return "\n".join(lines)


def base_environment() -> dict[str, str]:
    """Our environment without variables that would point servers at someone else's services."""
    skip = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_CACHE_URL", "REDIS_STATE_URL", "GUNICORN_BIND"}
    return {name: value for name, value in os.environ.items() if name not in skip}
