"""Benchmark: the CPU one Gunicorn access line costs, ours (redacted, plain or JSON) against Gunicorn's own.

Gunicorn logs one access record per request, so its price is paid by every request of every server. Each
arm does what Gunicorn's `Logger.access` does for a webhook delivery (a response with five headers, a
request with five, twenty-six WSGI environ entries): gather the atoms, wrap them in `SafeAtoms`, log the
record through a handler writing to /dev/null:
- the baseline: Gunicorn's own logger and handler (`%(message)s`, no filter), what `deploy/gunicorn.conf.py`
  had before `deploy/gunicorn_logging.py`;
- ours: `AccessLogger`'s atoms and `gunicorn_logging()`'s access handler (AccessRecordFilter,
  RedactingFilter, then the plain or the JSON formatter), in each format.
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
from datetime import timedelta
from types import SimpleNamespace

import django
from django.conf import settings
from gunicorn.config import Config
from gunicorn.glogging import Logger, SafeAtoms

from bench.common import format_table
from deploy.gunicorn_logging import ACCESS_LOG_FORMAT, AccessLogger, gunicorn_logging

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


def delivery_exchange() -> tuple[object, object, dict[str, object], timedelta]:
    """A webhook delivery as Gunicorn hands it to `Logger.access`: response, request, environ, duration."""
    response_headers = [(name.title(), "0123456789abcdef") for name in RESPONSE_HEADERS]
    response = SimpleNamespace(status="200 OK", sent=31, headers=response_headers)
    request = SimpleNamespace(headers=[(name.upper(), "v" * 24) for name in REQUEST_HEADERS])
    environ: dict[str, object] = {name: "v" * 24 for name in ENVIRON}
    environ |= {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "POST", "PATH_INFO": "/bot/webhook",
                "RAW_URI": "/bot/webhook", "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1"}  # fmt: skip
    return response, request, environ, timedelta(microseconds=1234)


def _ensure_settings() -> None:
    if not settings.configured:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()


Arm = tuple[Logger, logging.Logger]  # what gathers the atoms, and the logger writing the record


def _arms(sink: object) -> dict[str, Arm]:
    """The arms: name → (Gunicorn's or our atom gatherer, a logger whose one handler writes to `sink`)."""
    gunicorn_config = Config()
    gunicorn_config.set("access_log_format", ACCESS_LOG_FORMAT)
    arms = {}
    baseline = logging.getLogger("bench.log_lines.gunicorn")
    handler = logging.StreamHandler(sink)
    handler.setFormatter(logging.Formatter("%(message)s"))
    baseline.handlers, baseline.propagate, baseline.level = [handler], False, logging.INFO
    arms["Gunicorn's own (baseline)"] = (Logger(gunicorn_config), baseline)
    for chosen in ("plain", "json"):
        config = gunicorn_logging(chosen, "info")
        spec = {**config["handlers"]["access_console"], "stream": sink}
        config["handlers"] = {"access": spec}
        config["loggers"] = {f"bench.log_lines.{chosen}": {"handlers": ["access"], "propagate": False}}
        config.pop("root")
        logging.config.dictConfig(config)
        logger = logging.getLogger(f"bench.log_lines.{chosen}")
        logger.setLevel(logging.INFO)
        arms[f"ours, {chosen}"] = (AccessLogger(gunicorn_config), logger)
    return arms


def measure(options: argparse.Namespace) -> str:
    exchange = delivery_exchange()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        arms = _arms(sink)
        samples: dict[str, list[float]] = {name: [] for name in arms}
        for _ in range(options.trials):
            for name, (gatherer, logger) in arms.items():
                started = time.thread_time()
                for _ in range(options.records):
                    logger.info(ACCESS_LOG_FORMAT, SafeAtoms(gatherer.atoms(*exchange)))
                samples[name].append((time.thread_time() - started) / options.records * 1e6)
    base = statistics.median(samples["Gunicorn's own (baseline)"])
    rows = []
    for name, values in samples.items():
        median = statistics.median(values)
        rows.append([name, f"{median:.1f}", f"{min(values):.1f}", f"{median / base:.2f}×"])
    table = format_table(["access line", "µs/record (median)", "min", "vs baseline"], rows)
    header = f"CPU per access record, {options.trials} alternating trials × {options.records} records per arm"
    return f"{header} (atoms gathered and SafeAtoms built in each arm, as Gunicorn does):\n{table}"


def run(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    _ensure_settings()
    print(measure(options))


if __name__ == "__main__":
    run(sys.argv[1:])
