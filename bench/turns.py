"""Benchmark: whole conversation turns under many concurrent members, production-like, end to end.

A turn = a signed webhook POST ("hi" from an onboarded member, no mock header) → that turn's interactive
reply (the dashboard) arriving at a local fake Graph API (`bench.turn_graph`), which records each message's
arrival time and recipient; replies are matched per member in order (`bench.turn_figures`). The bot runs as
deployed in queue mode (`bench.turn_stack`): Gunicorn with `deploy/gunicorn.conf.py`, `WORKER_PROCESSES`
(default 1) × `manage.py run_worker` as `make run` starts it, a Redis pair, PostgreSQL (when its binaries
exist, else SQLite; `--database`), the sandbox ledger over HTTP as its own process. Only
`INBOUND_PER_MINUTE` is raised and the client throttle is off: simulated members write faster than people.

Scenarios (`bench.turn_load`), each with the ledger answering at once and with every ledger request delayed
150 ms (the sandbox's `latency` fault):
1. closed loop: 20 members each send "hi" and wait for the dashboard before the next, for 20 s;
2. open loop: 60 messages/s spread over 300 members for 60 s;
3. flood: one member sends 100 messages at once, then 20 others one each; before it, in the same run, 20
   other members send one each without the flood (the baseline).
Printed per scenario and ledger: turns/s (answered turns ÷ first send → last reply), p50/p99/max latency,
unanswered turns (no reply within `--timeout`), ledger requests per answered turn (the sandbox's counters),
the ratio of the 150 ms figures to the instant ones, and the targets, met or missed. A scenario that
leaves unanswered turns (a backlog) gets a fresh bot (Redis flushed, fresh database) before the next.

`python -m bench.turns [--quick] [--database auto|sqlite|postgres|both] [--timeout S] ...` (`--help`)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.turn_figures import TurnFigures, match_turns
from bench.turn_load import Sent, Target, burst, closed_loop, open_loop
from bench.turn_report import Results, report
from bench.turn_stack import PHONE_NUMBER_ID, Instance, Stack, bot_instance, chosen_databases, start_stack
from bench.turn_stream import StreamWatch, push_lags

LATENCIES_MS = (0, 150)
QUICK = {"closed_seconds": 5.0, "open_rate": 20.0, "open_members": 60, "open_seconds": 8.0, "timeout": 8.0}


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.turns", description=__doc__.splitlines()[0])
    add = parser.add_argument
    add(
        "--quick",
        action="store_true",
        help=f"short runs: {', '.join(f'{k}={v:g}' for k, v in QUICK.items())}",
    )
    add("--database", choices=["auto", "sqlite", "postgres", "both"], default="auto",
        help="auto: PostgreSQL when its server binaries exist, else SQLite")  # fmt: skip
    add("--worker-processes", type=int, default=int(os.environ.get("WORKER_PROCESSES") or 1),
        help="run_worker processes (default: $WORKER_PROCESSES, else 1)")  # fmt: skip
    add("--closed-members", type=int, default=20)
    add("--closed-seconds", type=float, default=20.0)
    add("--open-rate", type=float, default=60.0, help="messages per second")
    add("--open-members", type=int, default=300)
    add("--open-seconds", type=float, default=60.0)
    add("--flood", type=int, default=100, help="messages from the flooding member")
    add("--flood-others", type=int, default=20, help="members sending one message each beside the flood")
    add("--timeout", type=float, default=30.0, help="seconds a reply may take before its turn is unanswered")
    add("--scenarios", default="closed,open,flood", help="comma-separated subset of closed,open,flood")
    add("--keep-logs", action="store_true", help="keep the servers' logs (always kept after a failure)")
    options = parser.parse_args(argv)
    if options.quick:
        for name, value in QUICK.items():
            setattr(options, name, value)
    return options


@dataclass
class Runner:
    """Measures scenarios on one stack; starts a fresh bot when the last scenario left a backlog."""

    stack: Stack
    timeout: float
    parts: ExitStack = field(default_factory=ExitStack)
    target: Target | None = None
    instance: Instance | None = None
    watch: StreamWatch | None = None

    def ready(self) -> Target:
        if self.target is None:
            self.parts.close()
            self.instance = self.parts.enter_context(bot_instance(self.stack))
            self.watch = StreamWatch(self.stack.state.url).start()
            self.parts.callback(self.watch.stop)
            recorder = self.stack.recorder
            self.target = Target(
                self.instance.port, self.stack.secret, PHONE_NUMBER_ID, recorder, self.timeout
            )
            self._warm_up()
        return self.target

    def _warm_up(self) -> None:
        """A few turns through every worker before anything is measured (imports, connections)."""
        members = self.stack.onboard(2 * self.stack.worker_processes + 2)
        sent = burst(self.target, members)
        expected = {member: len(times) for member, times in sent.times.items()}
        if sent.refused or not self.stack.recorder.wait_all(expected, time.monotonic() + 60):
            raise RuntimeError(f"the bot did not answer its warm-up turns (logs in {self.stack.workdir})")

    def measure(
        self, label: str, drive: Callable[[Target], Sent], only: set[str] | None = None
    ) -> TurnFigures:
        """Run `drive`, wait for the replies (up to the timeout after the last send), and figure the turns
        of the members in `only` (default: all)."""
        target, recorder = self.ready(), self.stack.recorder
        before, _ = self.stack.ledger_requests(), self.watch.take()
        sent = drive(target)
        times = {member: sent.times[member] for member in (only or sent.times)}
        recorder.wait_all({member: len(sends) for member, sends in times.items()}, sent.last + self.timeout)
        ledger = self.stack.ledger_requests() - before
        replies = {member: recorder.replies_to(member) for member in sent.times}
        processed = sum(min(len(replies[member]), len(t)) for member, t in sent.times.items())  # late too
        lags, swept = push_lags(self.watch.take(), self.instance.database_url)
        turns = match_turns(times, replies, self.timeout)
        figures = TurnFigures.of(label, turns, ledger / max(processed, 1), self.timeout,
                                 refused=dict(sent.refused), push_lags=lags, swept=swept)  # fmt: skip
        if sent.refused or any(len(replies[member]) < len(t) for member, t in sent.times.items()):
            self.target = None  # a backlog or a refusal: the next scenario gets a fresh bot
        return figures

    def close(self) -> None:
        self.parts.close()


def closed_scenario(runner: Runner, options: argparse.Namespace) -> list[TurnFigures]:
    members = runner.stack.onboard(options.closed_members)
    label = f"closed loop, {options.closed_members} members"
    return [runner.measure(label, lambda target: closed_loop(target, members, options.closed_seconds))]


def open_scenario(runner: Runner, options: argparse.Namespace) -> list[TurnFigures]:
    members = runner.stack.onboard(options.open_members)
    rate, seconds = options.open_rate, options.open_seconds
    label = f"open loop, {rate:g}/s over {len(members)} members"
    return [runner.measure(label, lambda target: open_loop(target, members, rate, seconds))]


def flood_scenario(runner: Runner, options: argparse.Namespace) -> list[TurnFigures]:
    """The baseline (singles alone), then the flood and the singles beside it."""
    alone, others = runner.stack.onboard(options.flood_others), runner.stack.onboard(options.flood_others)
    flooder = runner.stack.onboard(1)[0]
    baseline = runner.measure(f"flood: {len(alone)} singles alone (baseline)", lambda t: burst(t, alone))
    if runner.target is None:
        runner.ready()  # the baseline left a backlog: the flood starts on a fresh bot

    def flood(target: Target) -> Sent:
        return burst(target, others, burst(target, [flooder] * options.flood))

    beside = runner.measure(f"flood: {len(others)} singles beside {options.flood} msgs", flood, set(others))
    return [baseline, beside]


SCENARIOS = {"closed": closed_scenario, "open": open_scenario, "flood": flood_scenario}


def measure_database(stack: Stack, options: argparse.Namespace) -> Results:
    """Every chosen scenario with the ledger instant, then delayed; figures by row label and latency."""
    results: Results = {}
    runner = Runner(stack, options.timeout)
    try:
        for name in options.scenarios.split(","):
            for latency in LATENCIES_MS:
                stack.sandbox.admin("clearFaults")
                if latency:
                    stack.sandbox.fault("latency", ms=latency)
                for figures in SCENARIOS[name.strip()](runner, options):
                    results.setdefault(figures.label, {})[latency] = figures
                    print(f"  measured {figures.label}, ledger +{latency} ms", file=sys.stderr, flush=True)
    finally:
        runner.close()
        stack.sandbox.admin("clearFaults")
    return results


def run(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures; every process it started is stopped, whatever happens."""
    options = parse_options(argv)
    workdir = Path(tempfile.mkdtemp(prefix="vp-bench-turns-"))
    workdir.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    succeeded = False
    try:
        with ExitStack() as cleanup:
            for database in chosen_databases(options.database, workdir, cleanup):
                with ExitStack() as parts:
                    stack = start_stack(workdir, database, options.worker_processes, parts)
                    print(report(database.name, measure_database(stack, options), options), flush=True)
            succeeded = True
    finally:
        if succeeded and not options.keep_logs:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"turns: logs kept in {workdir}", file=sys.stderr)


if __name__ == "__main__":
    run(sys.argv[1:])
