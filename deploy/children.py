"""`make run`'s child processes (deploy/devrun.py): start one with its output prefixed, stop a group of them
(SIGTERM, then SIGKILL after the grace), and restart a dead one with backoff (`Restarts`), up to a limit.

Each child runs in its own process group so that stopping it reaches what it started (Gunicorn's workers).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from config.env import BASE_DIR

STOP_GRACE_SECONDS = 15.0
_print_lock = threading.Lock()


class ChildFailedError(Exception):
    """A child exited (or never became ready) while it should be running, and is not restarted."""


def say(name: str, text: str) -> None:
    """One line of output, prefixed with who says it."""
    with _print_lock:
        sys.stdout.write(f"{name:>7} | {text.rstrip()}\n")
        sys.stdout.flush()


@dataclass
class Child:
    """A supervised child process in its own process group (so its own children stop with it), and how it
    was started (so it can be started again)."""

    name: str
    process: subprocess.Popen
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict, repr=False)

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)


def _pump_output(child: Child) -> None:
    for line in child.process.stdout:
        say(child.name, line)


def start_child(name: str, argv: list[str], env: dict[str, str]) -> Child:
    """Start `argv` in BASE_DIR with its output prefixed by `name`."""
    process = subprocess.Popen(
        argv,
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        process_group=0,
    )
    child = Child(name, process, list(argv), dict(env))
    threading.Thread(target=_pump_output, args=(child,), daemon=True, name=f"out-{name}").start()
    return child


def stop_children(children: list[Child], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM every child's process group, wait up to `grace` seconds in total, then SIGKILL the rest."""
    for child in children:
        if child.process.poll() is None:
            child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say("devrun", f"{child.name} did not stop within {grace:.0f} s: killing it")
            child.signal_group(signal.SIGKILL)  # the child and anything it started
            child.process.kill()
            child.process.wait()


def check_alive(processes: dict[str, subprocess.Popen]) -> None:
    """Raise ChildFailedError naming the first process that has exited."""
    for name, process in processes.items():
        code = process.poll()
        if code is not None:
            raise ChildFailedError(f"{name} exited with status {code}")


@dataclass
class Restarts:
    """Restart a dead child after a backoff (`first_delay`, doubling, at most `max_delay`); more than
    `limit` restarts of one child within `window` seconds is a failure that stops everything."""

    limit: int = 5
    window: float = 60.0
    first_delay: float = 0.5
    max_delay: float = 10.0
    _times: dict[str, deque] = field(default_factory=dict)
    _due: dict[str, float] = field(default_factory=dict)

    def tend(self, children: list[Child], now: float | None = None) -> None:
        """Schedule the restart of each newly dead child, restart those whose backoff is over (in place in
        `children`); raise ChildFailedError when a child died more than `limit` times within `window`."""
        now = time.monotonic() if now is None else now
        for index, child in enumerate(children):
            code = child.process.poll()
            if code is None:
                continue
            if child.name not in self._due:
                self._due[child.name] = now + self._backoff(child.name, code, now)
            elif now >= self._due[child.name]:
                del self._due[child.name]
                children[index] = start_child(child.name, child.argv, child.env)
                say("devrun", f"{child.name} restarted")

    def _backoff(self, name: str, code: int, now: float) -> float:
        recent = self._times.setdefault(name, deque())
        while recent and now - recent[0] > self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            raise ChildFailedError(
                f"{name} exited with status {code} after {len(recent)} restarts within {self.window:.0f} s; "
                "giving up"
            )
        recent.append(now)
        delay = min(self.max_delay, self.first_delay * 2 ** (len(recent) - 1))
        limit = f"restart {len(recent)} of at most {self.limit} within {self.window:.0f} s"
        say("devrun", f"{name} exited with status {code}; restarting in {delay:.1f} s ({limit})")
        return delay
