"""GET /metrics: the Prometheus scrape, behind a bearer token, plus the figures computed at scrape time.

Access: with `METRICS_TOKEN` unset the endpoint does not exist (404, in every environment); set, the request
must carry `Authorization: Bearer <token>` (compared in constant time) or gets 401. Never public: the
production guard checks the token like every other secret.

The counters and histograms (`security.metrics`) come from this process, or, in multiprocess mode, from every
process's files in `PROMETHEUS_MULTIPROC_DIR` (prometheus-client's documented `MultiProcessCollector`). The
state figures are read from the database and the cache Redis at each scrape, so no process has to keep them:
inbox queue depth and oldest pending age, instructions by state, the ledger breaker's state.
"""

import logging
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from bot.models import InboxMessage
from credex_api.breaker import CLOSED, HALF_OPEN, OPEN, breaker_status
from credex_api.models import Instruction
from security import metrics
from security.signatures import token_matches

logger = logging.getLogger(__name__)
BREAKER_STATES = (CLOSED, HALF_OPEN, OPEN)


class StateCollector(Collector):
    """Gauges read at scrape time from the database and the cache Redis."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from _inbox_figures()
        yield _instruction_figures()
        yield _breaker_figure()


def _inbox_figures() -> Iterator[GaugeMetricFamily]:
    pending = InboxMessage.objects.filter(status=InboxMessage.Status.PENDING)
    figures = pending.aggregate(depth=Count("id"), oldest=Min("received_at"))
    age = (timezone.now() - figures["oldest"]).total_seconds() if figures["oldest"] else 0.0
    yield GaugeMetricFamily(
        f"{metrics.PREFIX}_inbox_pending", "Inbox rows waiting for a turn.", figures["depth"]
    )
    yield GaugeMetricFamily(
        f"{metrics.PREFIX}_inbox_oldest_pending_age_seconds",
        "Age of the oldest pending inbox row.",
        max(age, 0.0),
    )


def _instruction_figures() -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        f"{metrics.PREFIX}_instructions", "Ledger instructions by state.", labels=["state"]
    )
    rows = Instruction.objects.order_by().values("state").annotate(n=Count("pk"))
    counts = {row["state"]: row["n"] for row in rows}
    for state in Instruction.State.values:
        family.add_metric([state], counts.get(state, 0))
    return family


def _breaker_figure() -> GaugeMetricFamily:
    """1 for the breaker's current state, 0 for the others; all 0 when the cache Redis cannot be read."""
    family = GaugeMetricFamily(
        f"{metrics.PREFIX}_ledger_breaker_state",
        "The ledger circuit breaker's state (1 = current).",
        labels=["state"],
    )
    try:
        current = breaker_status()["state"]
    except Exception as exc:  # a scrape must still answer; the breaker itself lets calls through then
        logger.warning("metrics: breaker state unreadable (%s)", type(exc).__name__)
        current = None
    for state in BREAKER_STATES:
        family.add_metric([state], 1 if state == current else 0)
    return family


def _authorised(request: HttpRequest) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and token_matches(token.strip(), settings.METRICS_TOKEN)


def _process_metrics() -> bytes:
    """This process's counters, or every process's in multiprocess mode."""
    if not settings.PROMETHEUS_MULTIPROC_DIR:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    return generate_latest(registry)


def scrape(request: HttpRequest) -> HttpResponse:
    """The scrape: 404 with no token configured, 401 without the right bearer token, 405 for a method other
    than GET, else the metrics."""
    if not settings.METRICS_TOKEN:
        response = HttpResponse(status=404)
    elif not _authorised(request):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    elif request.method != "GET":
        response = HttpResponseNotAllowed(["GET"])
    else:
        state = CollectorRegistry()
        state.register(StateCollector())
        body = _process_metrics() + generate_latest(state)
        response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
