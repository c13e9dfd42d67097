"""Log capture for the logging tests: every record as production emits it, and as the code logged it.

`with emitted_logs() as logs:` adds two handlers to the root logger (level DEBUG meanwhile):
- `logs.lines()`: the JSON lines a handler configured like settings.LOGGING's console handler (the
  "redact" filter and the JSON formatter) writes, parsed; `logs.text` is the raw text of those lines;
- `logs.raw`: each record's message and extra fields *before* any redaction (this handler is put first,
  ahead of the configured one whose filter redacts records in place), to show what the code itself logs.

`with counted_lines() as counted:` counts the records of WARNING and above that reach the root logger
(`counted.total`) and keeps the first `keep` of them as redacted messages (`counted.kept`): cheap enough for
a delivery that could log a million lines, where `emitted_logs` would hold them all.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from pythonjsonlogger.json import JsonFormatter

from security.logfilter import RedactingFilter

_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)))


class _Raw(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.entries: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        extras = {key: value for key, value in vars(record).items() if key not in _STANDARD}
        exc = "".join(logging.Formatter().formatException(record.exc_info)) if record.exc_info else ""
        self.entries.append(f"{record.getMessage()} {extras!r} {exc}")


class EmittedLogs(logging.Handler):
    """The JSON lines production would write (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        spec = {k: v for k, v in settings.LOGGING["formatters"]["json"].items() if k != "()"}
        self.setFormatter(JsonFormatter(**spec))
        self.addFilter(RedactingFilter())
        self.stream = io.StringIO()
        self.raw_handler = _Raw()

    def emit(self, record: logging.LogRecord) -> None:
        self.stream.write(self.format(record) + "\n")

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def raw(self) -> str:
        return "\n".join(self.raw_handler.entries)

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines()]


@contextmanager
def emitted_logs() -> Iterator[EmittedLogs]:
    root = logging.getLogger()
    logs = EmittedLogs()
    level = root.level
    root.handlers.insert(0, logs.raw_handler)
    root.addHandler(logs)
    root.setLevel(logging.DEBUG)
    try:
        yield logs
    finally:
        root.removeHandler(logs)
        root.removeHandler(logs.raw_handler)
        root.setLevel(level)


class CountedLines(logging.Handler):
    """Counts WARNING+ records and keeps the first `keep` redacted messages (see the module docstring)."""

    def __init__(self, keep: int = 20) -> None:
        super().__init__(logging.WARNING)
        self.addFilter(RedactingFilter())
        self.keep = keep
        self.total = 0
        self.kept: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.total += 1
        if len(self.kept) < self.keep:
            self.kept.append(f"{record.name}: {record.getMessage()}")


@contextmanager
def counted_lines(keep: int = 20) -> Iterator[CountedLines]:
    root = logging.getLogger()
    counted = CountedLines(keep)
    root.addHandler(counted)
    try:
        yield counted
    finally:
        root.removeHandler(counted)
