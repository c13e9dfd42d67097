"""The ledger's unauthenticated `GET /health`, probed for ops (the operator API's health view)."""

from __future__ import annotations

import requests

from credex_api.client import get_client
from credex_api.conf import ClientConfig


def ledger_healthy(*, timeout: float) -> bool:
    """`GET /health` on the ledger (no auth, retry or breaker): True when it answers 200.

    For ops health checks: it rides on the process's session but reads the URL from settings each time."""
    url = ClientConfig.from_settings().url("health")
    try:
        response = get_client().session.get(url, timeout=(timeout, timeout), allow_redirects=False)
    except requests.RequestException:
        return False
    with response:
        return response.status_code == 200
