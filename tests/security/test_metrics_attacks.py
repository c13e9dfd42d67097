"""The metrics attack matrix (issue 24, point 9): who may read GET /metrics.

The scrape shows queue depths, ledger routes and error rates: an outsider must not read it. Each row is a
request to the real view (configured token or none, the Authorization header sent, the method) and the
status expected; a refusal carries no metric text. The last rows are the controls: the right token reads.
A weak or public METRICS_TOKEN in production is refused at start (tests/unit/test_production_guard.py rows).
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
TOKEN = "metrics-attack-token-0123456789abcdefghij"


class Attack(NamedTuple):
    name: str
    configured: str  # METRICS_TOKEN on the server ("" = unset)
    authorization: str | None  # the Authorization header sent (None = absent)
    method: str
    status: int


ATTACKS = [
    Attack("token_unset_no_header", "", None, "get", 404),
    Attack("token_unset_any_bearer", "", "Bearer anything", "get", 404),
    Attack("token_unset_empty_bearer", "", "Bearer ", "get", 404),
    Attack("no_header", TOKEN, None, "get", 401),
    Attack("empty_header", TOKEN, "", "get", 401),
    Attack("bearer_empty", TOKEN, "Bearer ", "get", 401),
    Attack("wrong_token", TOKEN, "Bearer " + "x" * len(TOKEN), "get", 401),
    Attack("token_prefix", TOKEN, "Bearer " + TOKEN[:-1], "get", 401),
    Attack("token_extended", TOKEN, "Bearer " + TOKEN + "x", "get", 401),
    Attack("token_case_changed", TOKEN, "Bearer " + TOKEN.upper(), "get", 401),
    Attack("basic_scheme", TOKEN, "Basic " + TOKEN, "get", 401),
    Attack("bare_token_no_scheme", TOKEN, TOKEN, "get", 401),
    Attack("post_with_token", TOKEN, "Bearer " + TOKEN, "post", 405),
    Attack("control_right_token", TOKEN, "Bearer " + TOKEN, "get", 200),
    Attack("control_lowercase_scheme", TOKEN, "bearer " + TOKEN, "get", 200),
]


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_metrics_attack(attack: Attack, settings) -> None:
    settings.METRICS_TOKEN = attack.configured
    headers = {} if attack.authorization is None else {"Authorization": attack.authorization}
    response = getattr(Client(), attack.method)("/metrics", headers=headers)

    assert response.status_code == attack.status
    assert response["Cache-Control"] == "no-store"
    if attack.status == 200:
        assert b"vimbiso_webhook_deliveries_total" in response.content
        assert b"vimbiso_inbox_pending" in response.content
    else:
        assert b"vimbiso_" not in response.content
    if attack.status == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")
