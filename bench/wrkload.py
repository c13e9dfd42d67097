"""Closed-loop load from Debian's `wrk` (C, epoll) when it is installed: the same prepared requests as
`bench.common.drive_load`, far less CPU taken from the servers under test on a small machine.

`drive_load_wrk(label, port, requests, concurrency=, seconds=)` writes the requests to a file that
`bench/wrk_requests.lua` replays (each request at most once while the pool lasts), runs
`wrk -t2 -c<concurrency> -d<seconds>` and returns a `LoadResult` whose percentiles are wrk's own (its latency
histogram, not a list of samples). wrk runs for a duration, not a count: size the pool above
`seconds` × the fastest expected rate (the report's stored-row count shows whether it sufficed).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.common import BASE_DIR, LoadResult, Request

SCRIPT = BASE_DIR / "bench" / "wrk_requests.lua"
SEPARATOR = "\x1f"
THREADS = 2


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _write_requests(requests: Sequence[Request], folder: Path) -> Path:
    path = folder / "requests.txt"
    with path.open("w", encoding="utf-8") as out:
        for request in requests:
            headers = [f"{name}: {value}" for name, value in request.headers.items()]
            out.write(SEPARATOR.join([request.path, *headers, request.body.decode()]) + "\n")
    return path


def drive_load_wrk(label: str, port: int, requests: Sequence[Request], *, concurrency: int,
                   seconds: float) -> LoadResult:  # fmt: skip
    """Replay `requests` for `seconds` over `concurrency` keep-alive connections with wrk; its figures."""
    with tempfile.TemporaryDirectory(prefix="vp-wrk-") as folder:
        path = _write_requests(requests, Path(folder))
        duration = f"-d{max(1, int(seconds))}s"
        command = ["wrk", f"-t{THREADS}", f"-c{concurrency}", duration, "--timeout", "30s", "-s", str(SCRIPT),
                   f"http://127.0.0.1:{port}", "--", str(path), str(THREADS)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60)
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    figures = {key: int(value) for key, value in (item.split("=") for item in line.split()[1:])}
    return LoadResult(
        label,
        latencies=[],
        non_2xx=figures["non2xx"],
        errors=figures["errors"],
        elapsed=figures["duration_us"] / 1e6,
        counted=figures["requests"],
        fixed_ms={0.5: figures["p50_us"] / 1000, 0.99: figures["p99_us"] / 1000},
    )
