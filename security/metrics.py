"""Prometheus metric objects, in the lowest layer so the webhook, processing, outbox, ledger client and
breaker can all count into them (the scrape view and its scrape-time figures live in `bot.metrics_view`).

Multiprocess: with `PROMETHEUS_MULTIPROC_DIR` set (settings; `.env.example`), prometheus-client's documented
multiprocess mode writes every process's values to files there — Gunicorn workers and `run_worker` alike —
and the scrape adds them up. The variable must reach `os.environ` before `prometheus_client` is imported,
so this module copies the setting there first. Without it (development, tests) each process counts alone.

Labels are bounded: results and outcomes are small fixed words or error class names, routes the ledger
client's endpoint names, error codes Meta's numeric codes. Never a phone number, id or message text.
"""

import os
from pathlib import Path

from django.conf import settings

_directory = getattr(settings, "PROMETHEUS_MULTIPROC_DIR", "")
if _directory:
    Path(_directory).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", _directory)

from prometheus_client import Counter, Histogram  # noqa: E402 - after the multiprocess directory is set

PREFIX = "vimbiso"
TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LEDGER_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Webhook answer status → the delivery's result label.
DELIVERY_RESULTS = {200: "accepted", 400: "malformed", 401: "refused", 403: "refused", 413: "too_large"}

WEBHOOK_DELIVERIES = Counter(f"{PREFIX}_webhook_deliveries", "Webhook POST deliveries by result.", ["result"])
SIGNATURE_REFUSALS = Counter(
    f"{PREFIX}_webhook_signature_refusals", "Webhook deliveries refused by the signature check.", ["reason"]
)
TURN_SECONDS = Histogram(
    f"{PREFIX}_turn_seconds", "Time to process one inbound message (turn, replies sent).", ["result"],
    buckets=TURN_BUCKETS,
)  # fmt: skip
LEDGER_CALLS = Counter(f"{PREFIX}_ledger_calls", "Ledger calls by route and outcome.", ["route", "outcome"])
LEDGER_SECONDS = Histogram(
    f"{PREFIX}_ledger_call_seconds", "Ledger call latency (all attempts).", ["route"], buckets=LEDGER_BUCKETS
)
BREAKER_TRANSITIONS = Counter(
    f"{PREFIX}_ledger_breaker_transitions", "Ledger circuit breaker transitions.", ["transition"]
)
OUTBOX_SENDS = Counter(
    f"{PREFIX}_outbox_sends",
    "Outbox sends to the Graph API by result and error code.",
    ["result", "error_code"],
)


def delivery_result(status: int) -> str:
    """The result label for a webhook answer's status code."""
    return DELIVERY_RESULTS.get(status, "error" if status >= 500 else "refused")


def ledger_call(route: str, outcome: str, seconds: float) -> None:
    """Count one ledger call (`outcome`: "ok" or the error's class name) and its latency."""
    LEDGER_CALLS.labels(route=route, outcome=outcome).inc()
    LEDGER_SECONDS.labels(route=route).observe(seconds)
