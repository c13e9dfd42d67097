"""Benchmark: the CPU one Gunicorn access line costs, ours (redacted, plain or JSON) against Gunicorn's own.

Gunicorn logs one access record per request, so its price is paid by every request of every server. The
record is built as Gunicorn's `Logger.access` builds it for a webhook delivery (`SafeAtoms` over the
request line's atoms, five request headers, five response headers and twenty WSGI environ entries) and sent
through a handler writing to /dev/null:
- the baseline: Gunicorn's own handler (`%(message)s`, no filter), what `deploy/gunicorn.conf.py` had
  before `deploy/gunicorn_logging.py`;
- ours: `gunicorn_logging()`'s access handler (AccessRecordFilter, RedactingFilter, then the plain or the
  JSON formatter), in each format.
Arms alternate trial by trial; reported: the median CPU per record (`thread_time`) over the trials and the
ratio to the baseline. No target: a figure for the closing notes and for choosing what a line carries.
Needs Django's settings (the secret values the redaction looks for): the project's development settings
when nothing configured them yet.

`python -m bench.log_lines [--records N] [--trials T]`
"""

from __future__ import annotations

import argparse
import logging
import logging.config
import os
import statistics
import sys
import time

import django
from django.conf import settings
from gunicorn.glogging import SafeAtoms

from bench.common import format_table
from deploy.gunicorn_logging import ACCESS_LOG_FORMAT, gunicorn_logging

REQUEST_HEADERS = ("host", "content-type", "content-length", "x-hub-signature-256", "user-agent")
RESPONSE_HEADERS = ("content-type", "x-correlation-id", "cache-control", "content-security-policy", "vary")
ENVIRON = (
    "REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_PROTOCOL", "RAW_URI", "SCRIPT_NAME", "SERVER_NAME",
    "SERVER_PORT", "REMOTE_ADDR", "REMOTE_PORT", "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_HOST",
    "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_X_HUB_SIGNATURE_256", "HTTP_USER_AGENT",
    "wsgi.url_scheme", "wsgi.multithread", "wsgi.multiprocess",
)  # fmt: skip


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.log_lines", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000, help="records per arm per trial")
    parser.add_argument("--trials", type=int, default=7, help="alternating trials per arm")
    return parser.parse_args(argv)


def delivery_atoms() -> dict[str, object]:
    """The atoms Gunicorn gathers for one webhook delivery (values of realistic length)."""
    atoms: dict[str, object] = {
        "h": "127.0.0.1", "l": "-", "u": "-", "t": "[01/Dec/2026:17:00:00 +0000]", "m": "POST",
        "r": "POST /bot/webhook HTTP/1.1", "U": "/bot/webhook", "q": "", "H": "HTTP/1.1", "s": "200",
        "b": "31", "B": 31, "f": "-", "a": "-", "T": 0, "D": 1234, "M": 1, "L": "0.001234", "p": "<4242>",
    }  # fmt: skip
    atoms |= {f"{{{name}}}i": "v" * 24 for name in REQUEST_HEADERS}
    atoms |= {f"{{{name}}}o": "0123456789abcdef" for name in RESPONSE_HEADERS}
    atoms |= {f"{{{name.lower()}}}e": "v" * 24 for name in ENVIRON}
    return atoms


def _ensure_settings() -> None:
    if not settings.configured:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()


def _loggers(sink: object) -> dict[str, logging.Logger]:
    """The arms: name → a logger whose one handler writes to `sink`."""
    arms = {}
    baseline = logging.getLogger("bench.log_lines.gunicorn")
    handler = logging.StreamHandler(sink)
    handler.setFormatter(logging.Formatter("%(message)s"))
    baseline.handlers, baseline.propagate, baseline.level = [handler], False, logging.INFO
    arms["Gunicorn's own (baseline)"] = baseline
    for chosen in ("plain", "json"):
        config = gunicorn_logging(chosen, "info")
        spec = {**config["handlers"]["access_console"], "stream": sink}
        config["handlers"] = {"access": spec}
        config["loggers"] = {f"bench.log_lines.{chosen}": {"handlers": ["access"], "propagate": False}}
        config.pop("root")
        logging.config.dictConfig(config)
        logger = logging.getLogger(f"bench.log_lines.{chosen}")
        logger.setLevel(logging.INFO)
        arms[f"ours, {chosen}"] = logger
    return arms


def measure(options: argparse.Namespace) -> str:
    atoms = delivery_atoms()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        arms = _loggers(sink)
        samples: dict[str, list[float]] = {name: [] for name in arms}
        for _ in range(options.trials):
            for name, logger in arms.items():
                started = time.thread_time()
                for _ in range(options.records):
                    logger.info(ACCESS_LOG_FORMAT, SafeAtoms(atoms))
                samples[name].append((time.thread_time() - started) / options.records * 1e6)
    base = statistics.median(samples["Gunicorn's own (baseline)"])
    rows = []
    for name, values in samples.items():
        median = statistics.median(values)
        rows.append([name, f"{median:.1f}", f"{min(values):.1f}", f"{median / base:.2f}×"])
    table = format_table(["access line", "µs/record (median)", "min", "vs baseline"], rows)
    header = f"CPU per access record, {options.trials} alternating trials × {options.records} records per arm"
    return f"{header} (SafeAtoms built in each arm, as Gunicorn does):\n{table}"


def run(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    _ensure_settings()
    print(measure(options))


if __name__ == "__main__":
    run(sys.argv[1:])
