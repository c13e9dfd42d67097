"""The one logging set-up of every process: Django's `settings.LOGGING` and Gunicorn's `logconfig_dict`.

Both are built here from the same formatters and the same redaction filter (`security/logfilter.py`), so the
web server's own lines (worker boots and exits, one access line per request) look like the app's: one JSON
object per line with `LOG_FORMAT=json` (the production default), one readable line with `plain` (the
default elsewhere), and redacted either way. Importable before Django is configured (Gunicorn's master
reads it from `deploy/gunicorn.conf.py`); the environment comes through `config.env` (python-decouple).
"""

from __future__ import annotations

import copy
from typing import Any

from config.env import IS_PRODUCTION, env_str

LOG_FORMATS = ("json", "plain")
DJANGO_LOGGERS = ("django", "django.server")  # the loggers Django's DEFAULT_LOGGING gives handlers of its own
REDACT = {"()": "security.logfilter.RedactingFilter"}
FORMATTERS = {
    "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(levelname)s %(name)s %(message)s %(correlation_id)s",
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": "time",
    },
}


def shared_parts() -> dict[str, Any]:
    """Fresh copies of the formatters and the redaction filter (dictConfig may consume what it is given)."""
    return {"filters": {"redact": copy.deepcopy(REDACT)}, "formatters": copy.deepcopy(FORMATTERS)}


def log_level() -> str:
    """LOG_LEVEL: the level of the bot's own logs (INFO by default)."""
    return env_str("LOG_LEVEL", "INFO").strip().upper()


def log_format() -> str:
    """LOG_FORMAT: json in production by default, plain elsewhere; anything else is refused."""
    chosen = env_str("LOG_FORMAT", "json" if IS_PRODUCTION else "plain").strip().lower()
    if chosen not in LOG_FORMATS:
        raise ValueError("LOG_FORMAT must be json or plain")
    return chosen


def console_handler(chosen_format: str, filters: list[str], stream: str | None = None) -> dict[str, Any]:
    """A handler writing `chosen_format` lines through `filters` to `stream` (stderr when None)."""
    handler = {"class": "logging.StreamHandler", "formatter": chosen_format, "filters": filters}
    return handler if stream is None else {**handler, "stream": stream}


def django_logging(chosen_format: str, level: str) -> dict[str, Any]:
    """`settings.LOGGING`: every record through the root logger's one redacted handler on stderr.

    Django applies its own defaults first (`django.utils.log.DEFAULT_LOGGING`): a "console" handler on the
    "django" logger that writes every record a second time, unredacted, whenever DEBUG is on, a
    "mail_admins" handler there, and `runserver`'s own handler on "django.server". Naming those two loggers
    here with no handlers removes all three; their records go to the root's handler like everyone's.
    Whatever handler remains or comes later gets the filter from `security.logfilter.redact_every_handler`.
    """
    django_loggers = {name: {"handlers": [], "level": "INFO", "propagate": True} for name in DJANGO_LOGGERS}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        **shared_parts(),
        "handlers": {"console": console_handler(chosen_format, ["redact"])},
        "root": {"handlers": ["console"], "level": level},
        "loggers": django_loggers,
    }
