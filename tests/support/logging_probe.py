"""A real process's logging after Django's setup, for the logging tests (issue 18, hole 7).

`python -m tests.support.logging_probe <phone>`, under the settings the test chose (DEBUG on or off):
- before `django.setup()` a plain `StreamHandler` on stderr is put on the logger "probe.library", as a
  library may do when it is imported;
- after it, one JSON line on stdout: every handler on every logger (root included), as
  `{"logger", "handler", "redacts"}` (`redacts`: a `RedactingFilter` among its filters);
- then `<phone>` is logged through "django.request" (the shape of Django's 4xx line), "django.server"
  (`runserver`'s request line) and "probe.library": whatever any handler writes lands on stderr.
"""

from __future__ import annotations

import json
import logging
import sys

import django

LIBRARY_LOGGER = "probe.library"


def handlers_after_setup() -> list[dict]:
    from security.logfilter import RedactingFilter

    loggers = {"root": logging.getLogger()}
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            loggers[name] = logger
    return [
        {
            "logger": name,
            "handler": type(handler).__name__,
            "redacts": any(isinstance(item, RedactingFilter) for item in handler.filters),
        }
        for name, logger in sorted(loggers.items())
        for handler in logger.handlers
    ]


def main(phone: str) -> None:
    logging.getLogger(LIBRARY_LOGGER).addHandler(logging.StreamHandler(sys.stderr))
    django.setup()
    sys.stdout.write(json.dumps(handlers_after_setup()) + "\n")
    sys.stdout.flush()
    logging.getLogger("django.request").warning("Unauthorized: %s", f"/api/members/{phone}/export/")
    logging.getLogger("django.server").info('"GET /api/members/%s/export/ HTTP/1.1" 401 58', phone)
    logging.getLogger(LIBRARY_LOGGER).warning("library line about %s", phone)


if __name__ == "__main__":
    main(sys.argv[1])
