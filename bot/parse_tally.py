"""The bookkeeping of one delivery's parse (`bot.parsing`), pure like it: the events found, the items read
against the item cap (`take` raises `CapReached` at the first item over it), the items skipped by reason
(`skip`), and `log_summary`: ONE warning line on "bot.parsing" for the whole delivery, with the count and the
first position of each reason, and where the read stopped if it did. Reasons are short fixed texts and
positions are indexes ("e0.c1.messages[3]"): nothing of an item's content is ever logged. Counts are
written with thousands separators, so the redaction never takes a count of a million for a phone number.
"""

from __future__ import annotations

import logging

from bot.events import ParsedBatch

logger = logging.getLogger("bot.parsing")


class CapReached(Exception):  # noqa: N818 (a signal to stop reading, not an error)
    """The delivery holds more than `max_items` items: stop reading."""


class Tally:
    """The events, the items read and the items skipped of one delivery (see the module docstring)."""

    def __init__(self, max_items: int) -> None:
        self.found: dict[str, list] = {"messages": [], "statuses": [], "errors": []}
        self.skipped = 0
        self.reasons: dict[str, list] = {}  # reason → [count, first position]
        self.max_items, self.read, self.cut_at = max_items, 0, ""

    def take(self, where: str) -> None:
        """Count one item read at `where`; `CapReached` (and `cut_at` = where) once the cap is used up."""
        if self.read >= self.max_items:
            self.cut_at = where
            raise CapReached
        self.read += 1

    def skip(self, where: str, reason: str, count: int = 1) -> None:
        self.skipped += count
        self.reasons.setdefault(reason, [0, where])[0] += count

    def log_summary(self, entries: int) -> None:
        """One warning for the whole delivery (nothing when every item was used and read)."""
        if not self.skipped and not self.cut_at:
            return
        parts = [f"{self.skipped:,} item{'' if self.skipped == 1 else 's'} skipped"]
        parts += [
            f"{reason} ×{count:,} (first at {where})" for reason, (count, where) in self.reasons.items()
        ]
        if self.cut_at:
            parts.append(
                f"read stopped at the item cap ({self.max_items:,}) at {self.cut_at}, of {entries:,} entries"
            )
        logger.warning("webhook delivery: %s", "; ".join(parts), extra={"cut_at": self.cut_at})

    def batch(self) -> ParsedBatch:
        lists = {key: tuple(items) for key, items in self.found.items()}
        return ParsedBatch(**lists, skipped=self.skipped, cut_at=self.cut_at)
