"""A throwaway PostgreSQL server for the suite's PostgreSQL pass (`make test` runs it where binaries exist).

`initdb` and `postgres` refuse to run as root, so as root they run as the `postgres` (or `nobody`) system user
via `runuser`. Data and the socket live in a temporary folder; the server listens on a free loopback port.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

CANDIDATE_BIN_DIRS = [
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
    "/usr/local/bin",
    "/usr/bin",
]


def postgres_bin_dir() -> Path | None:
    """The folder holding initdb and postgres, or None when this machine has no PostgreSQL server."""
    for folder in CANDIDATE_BIN_DIRS:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "postgres").exists():
            return Path(folder)
    return None


def _as_user_prefix() -> tuple[list[str], str | None]:
    if os.geteuid() != 0:
        return [], None
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return ["runuser", "-u", user, "--"], user
    raise RuntimeError("running as root with no unprivileged user for PostgreSQL")


class PostgresServer:
    """initdb + postgres on a free port; `url` is a DATABASE_URL for the `vimbiso` database.

    `fsync=False` (tests, and benchmarks of our own CPU) leaves commits unflushed; True is PostgreSQL's
    default and production's: every commit waits for its WAL to reach the disk."""

    def __init__(self, workdir: Path, port: int, *, fsync: bool = False):
        self.bin = postgres_bin_dir()
        if self.bin is None:
            raise RuntimeError("no PostgreSQL server binaries on this machine")
        self.workdir, self.port, self.fsync = workdir, port, fsync
        self.data = workdir / "pgdata"
        self.process: subprocess.Popen | None = None
        self.prefix, self.user = _as_user_prefix()

    @property
    def url(self) -> str:
        return f"postgres://{self.user or 'postgres'}@127.0.0.1:{self.port}/vimbiso"

    def start(self) -> PostgresServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.user:
            shutil.chown(self.workdir, user=self.user)
        self._run(["initdb", "-D", str(self.data), "-A", "trust", "-U", self.user or "postgres", "--no-sync"])
        fsync = "on" if self.fsync else "off"
        self.process = subprocess.Popen(
            [*self.prefix, str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
             "-h", "127.0.0.1", "-k", str(self.workdir), "-c", f"fsync={fsync}", "-c", "max_connections=200"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._wait_ready()
        owner = self.user or "postgres"
        self._run(["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", owner, "vimbiso"])
        return self

    def _run(self, command: list[str]) -> None:
        tool = str(self.bin / command[0])
        subprocess.run([*self.prefix, tool, *command[1:]], check=True, capture_output=True, timeout=120)

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            probe = subprocess.run(
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True
            )
            if probe.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not become ready")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
