"""The turn benchmark's printed report: the figures per scenario and ledger latency, the ratio of the delayed
ledger's figures to the instant ones, and the targets beside them, met or missed (a benchmark never
fails on a missed target)."""

from __future__ import annotations

import argparse
import os

from bench.common import format_table, percentile
from bench.turn_figures import UNANSWERED, TurnFigures
from bench.turn_stack import INBOUND_PER_MINUTE, worker_shape

Results = dict[str, dict[int, TurnFigures]]  # row label → ledger latency (ms) → figures

TARGET_CLOSED_PER_SECOND = 100.0
TARGET_CLOSED_P99_S = 0.4
TARGET_DELAYED_SHARE = 0.8
TARGET_OPEN_P99_S = 1.0
TARGET_OPEN_RATE = 60.0
TARGET_FLOOD_FACTOR = 2.0


def _ledger(latency: int) -> str:
    return f"+{latency} ms" if latency else "instant"


def _figures_row(label: str, latency: int, f: TurnFigures) -> list[object]:
    push_p99 = percentile(f.push_lags, 0.99) * 1000
    return [label, _ledger(latency), f.turns, f"{f.per_second:.1f}", f.shown_ms(0.5), f.shown_ms(0.99),
            f.shown_ms(1.0), f.unanswered, f"{f.ledger_per_turn:.2f}", f"{push_p99:.0f}"]  # fmt: skip


def figures_table(results: Results) -> str:
    headers = ["scenario", "ledger", "turns", "turns/s", "p50 ms", "p99 ms", "max ms", "unanswered",
               "ledger req/turn", "stream push p99 ms"]  # fmt: skip
    rows = [
        _figures_row(label, latency, figures)
        for label, by_latency in results.items()
        for latency, figures in sorted(by_latency.items())
    ]
    return format_table(headers, rows)


def _ratio(delayed: float, instant: float) -> str:
    if UNANSWERED in (delayed, instant):
        return "n/a (unanswered)"
    return f"{delayed / instant:.2f}×" if instant > 0 else "n/a"


def ratio_table(results: Results) -> str:
    """Each scenario's delayed-ledger figures ÷ its instant ones."""
    rows = []
    for label, by_latency in results.items():
        instant, delayed = by_latency.get(0), next((f for ms, f in by_latency.items() if ms), None)
        if instant is None or delayed is None:
            continue
        rows.append([label, _ratio(delayed.per_second, instant.per_second),
                     _ratio(delayed.seconds(0.5), instant.seconds(0.5)),
                     _ratio(delayed.seconds(0.99), instant.seconds(0.99))])  # fmt: skip
    return format_table(["delayed ÷ instant", "turns/s", "p50", "p99"], rows)


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _row(results: Results, prefix: str) -> dict[int, TurnFigures]:
    return next((by_latency for label, by_latency in results.items() if label.startswith(prefix)), {})


def _judged(text: str, met: bool) -> str:
    return f"{text}: {_verdict(met)})"


def closed_targets(results: Results) -> list[str]:
    closed, lines = _row(results, "closed loop"), []
    instant = closed.get(0)
    if instant is not None:
        rate, p99 = instant.per_second, instant.seconds(0.99)
        lines.append(
            f"closed loop, instant ledger: {rate:.1f} turns/s "
            + _judged(f"(target ≥ {TARGET_CLOSED_PER_SECOND:.0f}", rate >= TARGET_CLOSED_PER_SECOND)
            + f", p99 {instant.shown_ms(0.99)} ms "
            + _judged(f"(target ≤ {TARGET_CLOSED_P99_S * 1000:.0f}", p99 <= TARGET_CLOSED_P99_S)
        )
    for latency, delayed in sorted(closed.items()):
        if latency and instant is not None and instant.per_second:
            share = delayed.per_second / instant.per_second
            lines.append(
                f"closed loop, ledger {_ledger(latency)}: {delayed.per_second:.1f} turns/s = {share:.0%} of "
                + _judged(f"instant (target ≥ {TARGET_DELAYED_SHARE:.0%}", share >= TARGET_DELAYED_SHARE)
            )
    return lines


def open_targets(results: Results, rate: float) -> list[str]:
    lines = []
    note = (
        f" [run at {rate:g}/s; the target is for {TARGET_OPEN_RATE:g}/s]" if rate != TARGET_OPEN_RATE else ""
    )
    for latency, figures in sorted(_row(results, "open loop").items()):
        if latency:
            lines.append(
                f"open loop, ledger {_ledger(latency)}: p99 {figures.shown_ms(0.99)} ms "
                + _judged(
                    f"(target ≤ {TARGET_OPEN_P99_S * 1000:.0f}", figures.seconds(0.99) <= TARGET_OPEN_P99_S
                )
                + f", {figures.unanswered} unanswered "
                + _judged("(target 0", figures.unanswered == 0)
                + note
            )
    return lines


def flood_targets(results: Results) -> list[str]:
    alone: dict[int, TurnFigures] = {}
    beside: dict[int, TurnFigures] = {}
    for label, by_latency in results.items():
        if label.startswith("flood: "):
            beside, alone = (by_latency, alone) if "beside" in label else (beside, by_latency)
    lines = []
    for latency, figures in sorted(beside.items()):
        if (base := alone.get(latency)) is None:
            continue
        with_flood, without = figures.seconds(0.99), base.seconds(0.99)
        lines.append(
            f"flood, ledger {_ledger(latency)}: the singles' p99 {figures.shown_ms(0.99)} ms with the flood, "
            f"{base.shown_ms(0.99)} ms without = {_ratio(with_flood, without)} "
            + _judged(f"(target ≤ {TARGET_FLOOD_FACTOR:g}×", with_flood <= TARGET_FLOOD_FACTOR * without)
        )
    return lines


def report(database: str, results: Results, options: argparse.Namespace) -> str:
    lines = [
        f"Turns end to end on {database}: Gunicorn (deploy/gunicorn.conf.py as deployed) and "
        f"{options.worker_processes} × manage.py run_worker ({worker_shape()}), PROCESSING_MODE=queue, "
        "signed webhooks without the mock header, replies to a local fake Graph API, the sandbox ledger over "
        "HTTP (its rate limit off).",
        f"Raised for simulated members: INBOUND_PER_MINUTE={INBOUND_PER_MINUTE} (default 20); the ledger "
        "client's throttle off (MYCREDEX_THROTTLE_PER_MINUTE=0). A turn = webhook POST → its interactive "
        f"reply at the fake Graph API; unanswered = no reply within {options.timeout:g} s. "
        f"{os.cpu_count()} CPUs, shared with the load generator.",
        "",
        figures_table(results),
        "",
        ratio_table(results),
        "",
        "Targets:",
        *(f"  {line}" for line in closed_targets(results) + open_targets(results, options.open_rate)
          + flood_targets(results)),
    ]  # fmt: skip
    return "\n".join(lines + notes(results))


def notes(results: Results) -> list[str]:
    """Deliveries the webhook did not acknowledge, and entries the worker's sweeper had to re-queue."""
    lines = []
    for label, by_latency in results.items():
        for latency, figures in sorted(by_latency.items()):
            where = f"{label}, ledger {_ledger(latency)}"
            if figures.refused:
                reasons = ", ".join(
                    f"{reason} × {count}" for reason, count in sorted(figures.refused.items())
                )
                lines.append(f"Deliveries the webhook did not acknowledge in {where}: {reasons}")
            if figures.swept:
                lines.append(f"Stream entries re-queued by the worker's sweeper (rows pending ≥ 60 s, not "
                             f"counted as pushes) in {where}: {figures.swept}")  # fmt: skip
    return lines
