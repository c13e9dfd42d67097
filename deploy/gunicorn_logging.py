"""Gunicorn's own logs through the project's logging: `gunicorn_logging()` is `deploy/gunicorn.conf.py`'s
`logconfig_dict`.

Without it Gunicorn writes its error log (worker boots, exits, timeouts) and its access log in formats of its
own, past the redaction filter, so production's logs would be JSON except the web server's. With it both go
through `config/logconfig.py`'s formatters (JSON under `LOG_FORMAT=json`) and `security/logfilter.py`:
- `gunicorn.error` → stderr, at `GUNICORN_LOG_LEVEL`, redacted like the app's lines;
- `gunicorn.access` → stdout, one record per request, made by `AccessRecordFilter`: the line is formatted
  from the atoms `access_log_format` names, each a client could have written (the path; a header, were one
  added to the format) passed through `redact_text` (a phone number in an operator API path is masked), and
  a few kept as fields (`remote`, `method`, `path`, `status`, `bytes`, `duration_ms`), plus the response's
  `X-Correlation-Id` as `correlation_id`, so a delivery's access line joins its app lines. Every other atom
  Gunicorn hands the record (each request and response header, each WSGI environ entry: the signature
  header among them) is dropped there, before any filter or formatter could show it. The record is then
  marked redacted, so the generic filter does not pass again over fields Gunicorn has already validated (an
  IP, a method token, a protocol, numbers). `python -m bench log_lines` measures a line as it is now.

`AccessLogger` (`deploy/gunicorn.conf.py`'s `logger_class`) is Gunicorn's logger gathering only the atoms
the line uses. Gunicorn's own `atoms()` copies every request header, response header and WSGI environ entry
into each record (about 60 atoms) for a line that names seven; with a
format naming only atoms it knows (`OWN_ATOMS`), it takes those and the correlation header and nothing else.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import timedelta
from functools import lru_cache
from typing import Any

from gunicorn import glogging

from config.logconfig import console_handler, shared_parts
from security import correlation
from security.logfilter import mark_redacted, redact_text

# `deploy/gunicorn.conf.py`'s `access_log_format`. %(U)s is the path without the query string (the webhook
# handshake carries `hub.verify_token` there); no %(r)s, %(q)s, %(f)s, %(a)s or header atoms.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
ACCESS_FIELDS = {"remote": "h", "method": "m", "path": "U", "status": "s", "bytes": "B", "duration_ms": "M"}
# Atoms Gunicorn derives itself or validates while parsing: the peer address, the method token, the
# protocol, the status, sizes, times and the pid. Any other string atom is a client's text.
GUNICORN_ATOMS = frozenset("hmHsbBMDTLptl")
_CORRELATION_HEADER = correlation.HEADER.lower()
CORRELATION_ATOM = f"{{{_CORRELATION_HEADER}}}o"  # Gunicorn's atom for that response header
NO_VALUE = "-"  # what Gunicorn's atoms give for a value they do not have
_ATOM = re.compile(r"%\(([^)]*)\)")
# Ours are 16 hex digits; anything else is not one of ours.
_CORRELATION_ID = re.compile(rf"[0-9A-Za-z\-]{{1,{correlation.MAX_LENGTH}}}")
# The atoms AccessLogger takes itself, as Gunicorn's Logger.atoms defines them.
OWN_ATOMS = frozenset("hmUHsBM")


class AccessLogger(glogging.Logger):
    """Gunicorn's logger, gathering only the atoms `access_log_format` names (see the module docstring)."""

    def atoms(self, resp: Any, req: Any, environ: Mapping[str, Any],
              request_time: timedelta) -> dict[str, Any]:  # fmt: skip
        if not OWN_ATOMS.issuperset(atom_names(self.cfg.access_log_format)):
            return super().atoms(resp, req, environ, request_time)  # other atoms named: Gunicorn's full set
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        atoms = {
            "h": environ.get("REMOTE_ADDR", NO_VALUE),
            "m": environ.get("REQUEST_METHOD"),
            "U": environ.get("PATH_INFO"),
            "H": environ.get("SERVER_PROTOCOL"),
            "s": status,
            "B": getattr(resp, "sent", None),
            "M": request_time.seconds * 1000 + request_time.microseconds // 1000,
        }
        for name, value in resp.headers:  # the last one wins, as in Gunicorn's atoms
            if name.lower() == _CORRELATION_HEADER:
                atoms[CORRELATION_ATOM] = value
        return atoms


class AccessRecordFilter(logging.Filter):
    """Turns Gunicorn's access record (its format and every atom) into its redacted line and a few fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        if not isinstance(atoms, Mapping):
            return True  # not an access record: left to RedactingFilter
        shown = {name: _shown(name, atoms.get(name, NO_VALUE)) for name in atom_names(str(record.msg))}
        try:
            record.msg = str(record.msg) % shown
        except (TypeError, ValueError):
            record.msg = "[access line could not be formatted]"
        record.args = None
        for field, atom in ACCESS_FIELDS.items():
            value = shown[atom] if atom in shown else _shown(atom, atoms.get(atom, NO_VALUE))
            setattr(record, field, _field_value(value))
        correlation_id = str(atoms.get(CORRELATION_ATOM, NO_VALUE))
        record.correlation_id = correlation_id if _CORRELATION_ID.fullmatch(correlation_id) else NO_VALUE
        mark_redacted(record)
        return True


@lru_cache(maxsize=8)
def atom_names(access_format: str) -> tuple[str, ...]:
    """The atoms an access log format uses: '%(h)s %({x-forwarded-for}i)s' → ('h', '{x-forwarded-for}i')."""
    return tuple(dict.fromkeys(_ATOM.findall(access_format)))


def _shown(name: str, value: Any) -> Any:
    return redact_text(value) if isinstance(value, str) and name not in GUNICORN_ATOMS else value


def _field_value(value: Any) -> Any:
    """An atom as a JSON field: numbers as numbers ("200" → 200), no value as null."""
    if value is None or value == NO_VALUE:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return value


def gunicorn_logging(chosen_format: str, error_level: str) -> dict[str, Any]:
    """The `logconfig_dict`: Gunicorn's two loggers on redacted handlers in `chosen_format` (json, plain)."""
    level = error_level.upper()
    shared = shared_parts()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {**shared["filters"], "access": {"()": AccessRecordFilter}},
        "formatters": shared["formatters"],
        "handlers": {
            "error_console": console_handler(chosen_format, ["redact"], "ext://sys.stderr"),
            "access_console": console_handler(chosen_format, ["access", "redact"], "ext://sys.stdout"),
        },
        "root": {"level": level, "handlers": ["error_console"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access_console"], "propagate": False},
        },
    }
