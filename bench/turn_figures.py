"""The turn benchmark's arithmetic: which reply answers which message, and the figures of a set of turns.

A turn starts when its webhook POST is sent and ends when its interactive reply (the dashboard or menu)
reaches the fake Graph API. Replies are matched per member in order: the k-th message a member sent is
answered by the k-th interactive reply to that member. A turn whose reply did not arrive within the reply
timeout is unanswered: its latency counts as infinite, so a percentile that lands on it prints as
"> timeout" instead of hiding the turns that never came back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bench.common import percentile

UNANSWERED = math.inf


@dataclass(frozen=True)
class Turn:
    """One message's turn: when it was sent (monotonic seconds) and how long its reply took."""

    began: float
    latency: float  # UNANSWERED when no reply came within the timeout

    @property
    def answered(self) -> bool:
        return self.latency != UNANSWERED


def match_turns(sent: Mapping[str, Sequence[float]], replies: Mapping[str, Sequence[float]],
                timeout: float) -> list[Turn]:  # fmt: skip
    """Every turn in `sent` (member → send times), answered by the member's reply of the same rank in
    `replies` (member → interactive reply arrival times); unanswered when that reply is missing or came
    later than `timeout` after the send."""
    turns = []
    for member, times in sent.items():
        arrived = sorted(replies.get(member, ()))
        for index, began in enumerate(sorted(times)):
            latency = arrived[index] - began if index < len(arrived) else UNANSWERED
            turns.append(Turn(began, latency if latency <= timeout else UNANSWERED))
    return turns


def answered_window(turns: Sequence[Turn]) -> float:
    """Seconds from the first send to the last reply of an answered turn (0.0 when none was answered)."""
    ends = [turn.began + turn.latency for turn in turns if turn.answered]
    return max(ends) - min(turn.began for turn in turns) if ends else 0.0


@dataclass
class TurnFigures:
    """What one scenario measured: each turn's latency, over how long, and the ledger requests it made."""

    label: str
    latencies: list[float]
    elapsed: float  # first send → last answered reply
    ledger_per_turn: float  # ledger requests per turn replied to (late ones too) in the whole scenario
    timeout: float
    refused: dict[str, int] = field(default_factory=dict)  # unacknowledged deliveries (not turns), by reason
    push_lags: list[float] = field(default_factory=list)  # stored row → its stream entry, seconds
    swept: int = 0  # stream entries the worker's sweeper added (rows left pending too long)

    @property
    def turns(self) -> int:
        return len(self.latencies)

    @property
    def unanswered(self) -> int:
        return sum(1 for latency in self.latencies if latency == UNANSWERED)

    @property
    def answered(self) -> int:
        return self.turns - self.unanswered

    @property
    def per_second(self) -> float:
        """Answered turns per second, from the first send to the last answered reply."""
        return self.answered / self.elapsed if self.elapsed > 0 else 0.0

    @classmethod
    def of(cls, label: str, turns: Sequence[Turn], ledger_per_turn: float, timeout: float, *,
           refused: dict[str, int] | None = None, push_lags: list[float] | None = None,
           swept: int = 0) -> TurnFigures:  # fmt: skip
        latencies = [turn.latency for turn in turns]
        window = answered_window(turns)
        return cls(label, latencies, window, ledger_per_turn, timeout, refused or {}, push_lags or [], swept)

    def seconds(self, fraction: float) -> float:
        """The latency percentile (`fraction` in 0..1; 1.0 is the maximum), `UNANSWERED` when it is one."""
        return percentile(self.latencies, fraction) if fraction < 1 else max(self.latencies, default=0.0)

    def shown_ms(self, fraction: float) -> str:
        value = self.seconds(fraction)
        return f"> {self.timeout * 1000:.0f}" if value == UNANSWERED else f"{value * 1000:.0f}"
