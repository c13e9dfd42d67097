"""Schemathesis against the operator API in-process: the schema is loaded from the app itself (WSGI, with an
operator's token: the schema needs one), then every operation gets generated cases, valid and invalid, each
sent twice: with the token and without. Figures: 0 server errors, and 0 answers in 2xx without the token
from anything but health and the token endpoints. Bounded (MAX_EXAMPLES per operation and mode) so the
whole run stays well under a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable

from config.wsgi import application
from tests.support.operators import make_user, tokens

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # real WSGI: it closes connections

MAX_EXAMPLES = 25
PUBLIC = {"/api/health/", "/api/token/", "/api/token/refresh/"}


@pytest.fixture
def api(client, settings, sandbox):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"operator_anon": "100000/day", "operator_user": "100000/day"},
    }
    settings.MYCREDEX_APP_URL = sandbox.url + "/"  # every dependency up: any 5xx, health's included, is a bug
    make_user()
    auth = {"Authorization": f"Bearer {tokens(client)['access']}"}
    return schemathesis.openapi.from_wsgi("/api/schema/", application, headers=auth), auth


def exercise(operation, mode, auth: dict, seen: dict) -> None:
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        with_token = case.call(headers=auth)
        without = case.call()
        seen["cases"] += 1
        for label, response in (("token", with_token), ("anonymous", without)):
            if response.status_code >= 500:
                seen["server_errors"].append(
                    (operation.label, label, response.status_code, case.as_curl_command())
                )
        if 200 <= without.status_code < 300 and operation.path not in PUBLIC:
            seen["open_without_auth"].append((operation.label, without.status_code))
        if 200 <= with_token.status_code < 300:
            seen["ok_with_token"].add(operation.label)

    try:
        run()
    except Unsatisfiable:
        # Negative mode needs something to make invalid: an operation with no parameters has nothing.
        assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label


def test_generated_cases_find_no_server_error_and_no_open_endpoint(api):
    schema, auth = api
    seen = {"cases": 0, "server_errors": [], "open_without_auth": [], "ok_with_token": set()}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.path for operation in operations} >= PUBLIC | {"/api/breaker/", "/api/audit/"}
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            exercise(operation, mode, auth, seen)
    assert seen["server_errors"] == []
    assert seen["open_without_auth"] == []
    # The token reached the views: the protected reads answered 2xx with it.
    assert {"GET /api/breaker/", "GET /api/audit/"} <= seen["ok_with_token"]
    assert seen["cases"] >= len(operations) * 10
