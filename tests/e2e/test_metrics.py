"""GET /metrics after real traffic: signed webhook deliveries, turns against the sandbox ledger, replies sent
to the (fake) Graph API, a forged signature and a delivery left queued. Every family an operator's dashboard
reads must be there and must have moved by what this traffic did (deltas: counters are per process)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from devtools import payloads as p
from tests.e2e.conftest import onboard
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401  (fixture)
from tests.support.signing import post_signed

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "metrics-test-token-0123456789abcdefghij"
DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana-dashboard.json"


def scrape(client: Client) -> dict[tuple[str, tuple], float]:
    """Every sample of an authorised scrape: (sample name, sorted labels) → value."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.status_code
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def total(samples: dict, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(value for (sample, have), value in samples.items() if sample == name and wanted <= set(have))


def test_a_scrape_after_real_traffic_shows_every_family_moving(new_member, fake_graph, settings):
    settings.METRICS_TOKEN = TOKEN
    client = Client()
    before = scrape(client)

    onboard(new_member())  # mock mode: turns and ledger calls, an onboarding instruction
    sent = post_signed(client, p.text_payload("hi", sender="263770000901"))  # answered through Graph
    assert sent.status_code == 200
    forged = post_signed(client, p.text_payload("hi"), signature="sha256=" + "0" * 64)
    assert forged.status_code == 403
    settings.PROCESSING_MODE = "queue"  # no worker runs here: this one waits in the inbox
    assert post_signed(client, p.text_payload("menu", sender="263770000902")).status_code == 200

    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert grew("vimbiso_webhook_deliveries_total", result="accepted") >= 7
    assert grew("vimbiso_webhook_deliveries_total", result="refused") == 1
    assert grew("vimbiso_webhook_signature_refusals_total", reason="mismatch") == 1
    assert grew("vimbiso_turn_seconds_count", result="done") >= 6
    assert grew("vimbiso_turn_seconds_sum") > 0
    assert grew("vimbiso_ledger_calls_total", outcome="ok") >= 1  # the onboarding
    assert grew("vimbiso_ledger_calls_total", outcome="CredexNotFound") >= 2  # each newcomer's login
    assert grew("vimbiso_ledger_call_seconds_count") >= 3
    assert grew("vimbiso_outbox_sends_total", result="accepted", error_code="") >= 1
    assert len(fake_graph.requests) >= 1
    assert total(after, "vimbiso_inbox_pending") == 1
    assert total(after, "vimbiso_inbox_oldest_pending_age_seconds") >= 0
    assert ("vimbiso_inbox_oldest_pending_age_seconds", ()) in after
    assert total(after, "vimbiso_instructions") >= 1
    assert total(after, "vimbiso_ledger_breaker_state", state="closed") == 1
    assert total(after, "vimbiso_ledger_breaker_state", state="open") == 0

    # The sample dashboard charts only series this scrape has (a renamed metric would blank a panel).
    panels = json.loads(DASHBOARD.read_text())["panels"]
    exprs = [target["expr"] for panel in panels for target in panel["targets"]]
    charted = {name for expr in exprs for name in re.findall(r"vimbiso_\w+", expr)}
    no_transition_yet = {"vimbiso_ledger_breaker_transitions_total"}  # labelled: shown from its first use
    assert charted <= {name for name, _labels in after} | no_transition_yet
