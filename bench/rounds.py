"""Interleaved measurement rounds: each server's figures across rounds, and its share of a baseline's.

On a small shared machine the CPU's speed drifts by a quarter within seconds, so a floor measured once and a
server measured a minute later are not comparable. Benchmarks that compare against a floor therefore run in
rounds (floor, then each server, then again), and a server's share of the floor is taken round by round
against the floor run just before it; the summary is the median over rounds.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from bench.common import LoadResult, format_table


@dataclass
class Series:
    """One server's load runs, one per round."""

    label: str
    runs: list[LoadResult] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(run.answered for run in self.runs)

    @property
    def failures(self) -> int:
        """Non-2xx answers plus connection errors, over every round."""
        return sum(run.non_2xx + run.errors for run in self.runs)

    def median_per_second(self) -> float:
        return statistics.median(run.per_second for run in self.runs)

    def median_ms(self, fraction: float) -> float:
        """The median over rounds of each round's percentile (`fraction`, e.g. 0.99)."""
        return statistics.median(run.percentile_ms(fraction) for run in self.runs)

    def shares_of(self, baseline: Series) -> list[float]:
        """This server's throughput as a fraction of the baseline's, round by round."""
        return [
            run.per_second / base.per_second if base.per_second else 0.0
            for run, base in zip(self.runs, baseline.runs, strict=True)
        ]

    def median_share_of(self, baseline: Series) -> float:
        return statistics.median(self.shares_of(baseline))


def summary_table(series: list[Series]) -> str:
    """Median figures per server, with every round's requests/s and p99 for the spread."""
    headers = ["server", "answered", "req/s", "p50 ms", "p99 ms", "non-2xx+err", "rounds: req/s (p99 ms)"]
    rows = [
        [
            item.label,
            item.answered,
            f"{item.median_per_second():.0f}",
            f"{item.median_ms(0.5):.1f}",
            f"{item.median_ms(0.99):.1f}",
            item.failures,
            " ".join(f"{run.per_second:.0f} ({run.percentile_ms(0.99):.0f})" for run in item.runs),
        ]
        for item in series
    ]
    return format_table(headers, rows)
