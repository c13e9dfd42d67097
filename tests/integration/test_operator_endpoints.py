"""Operator API endpoints through the real views: health against the real sandbox ledger and dead Redis,
breaker status, the audit log's filters and pages, the daily quotas, the schema, `Cache-Control: no-store`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from deploy.localredis import free_port
from operator_api.views import audit_model
from tests.support.operators import bearer, make_user, tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def access(client) -> str:
    make_user()
    return tokens(client)["access"]


def dead(settings, alias: str) -> None:
    settings.CACHES = {
        **settings.CACHES,
        alias: {**settings.CACHES[alias], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"},
    }


def test_health_is_ok_when_database_both_redis_and_the_ledger_answer(client, sandbox, settings):
    settings.MYCREDEX_APP_URL = sandbox.url + "/"
    response = client.get("/api/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "state": "ok", "ledger": "ok"},
    }
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("down", ["cache", "state", "ledger"])
def test_health_says_which_dependency_is_down_and_nothing_else(client, sandbox, settings, down):
    settings.MYCREDEX_APP_URL = sandbox.url + "/"
    if down == "ledger":
        settings.MYCREDEX_APP_URL = f"http://127.0.0.1:{free_port()}/"
    else:
        dead(settings, "default" if down == "cache" else "state")
    response = client.get("/api/health/")
    assert response.status_code == 503
    checks = {"database": "ok", "cache": "ok", "state": "ok", "ledger": "ok", down: "error"}
    assert response.json() == {"status": "degraded", "checks": checks}
    body = response.content.decode()
    for secret in ("127.0.0.1", "redis://", "http", settings.CLIENT_API_KEY, settings.SECRET_KEY, "Error"):
        assert secret not in body


def test_health_gives_up_on_a_hanging_ledger_within_its_timeout(client, sandbox, settings):
    import socket
    import time

    listener = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    settings.MYCREDEX_APP_URL = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    started = time.monotonic()
    try:
        response = client.get("/api/health/")
    finally:
        listener.close()
    assert response.status_code == 503
    assert response.json()["checks"]["ledger"] == "error"
    assert time.monotonic() - started < 4  # 2 s read timeout, plus slack


def test_breaker_status_and_a_dead_cache_redis(client, access, settings):
    response = client.get("/api/breaker/", **bearer(access))
    assert response.status_code == 200
    assert response.json()["state"] == "closed"
    assert {"consecutive_failures", "failures_in_window", "seconds_until_trial"} <= set(response.json())
    dead(settings, "default")
    unavailable = client.get("/api/breaker/", **bearer(access))
    assert unavailable.status_code == 503
    assert unavailable.json() == {"error": "breaker state unavailable"}


def test_audit_log_filters_and_pages_of_fifty(client, access):
    model = audit_model()
    if model is None:
        pytest.skip("security.models.AuditEvent is absent: the audit log is not built yet")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert list(model.objects.values_list("action", flat=True)) == ["operator.login"]  # the fixture's token
    for number in range(119):
        action = "member.erased" if number % 2 else "instruction.confirmed"
        model.objects.create(
            at=start + timedelta(minutes=number), actor=f"staff:op{number % 3}", action=action
        )
    first = client.get("/api/audit/", **bearer(access)).json()
    assert (first["count"], len(first["results"])) == (120, 50)  # 119 and the login
    assert first["results"][0]["at"] > first["results"][-1]["at"]  # newest first
    last = client.get("/api/audit/?page=3", **bearer(access)).json()
    assert (len(last["results"]), last["next"]) == (20, None)
    erased = client.get("/api/audit/?action=member.erased&actor=staff:op1", **bearer(access)).json()
    assert erased["count"] == 20  # numbers 1, 7, 13, ... 115 of 0–118
    assert {(row["action"], row["actor"]) for row in erased["results"]} == {("member.erased", "staff:op1")}
    since, until = (start + timedelta(minutes=10)).isoformat(), (start + timedelta(minutes=20)).isoformat()
    window = client.get("/api/audit/", {"since": since, "until": until}, **bearer(access)).json()
    assert window["count"] == 10
    for bad in (
        {"since": "yesterday"},
        {"page": "0"},
        {"since": until, "until": since},
        {"action": "x" * 65},
    ):
        response = client.get("/api/audit/", bad, **bearer(access))
        assert response.status_code == 400, bad
        assert response["Cache-Control"] == "no-store"


def test_anonymous_quota_counts_per_trusted_address_not_per_forged_header(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"operator_anon": "3/day", "operator_user": "1000/day"},
    }
    statuses = [client.get("/api/health/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(4)]
    assert statuses[:3] == [503, 503, 503]  # degraded (no ledger here), but answered
    assert statuses[3] == 429
    other_address = Client(REMOTE_ADDR="192.0.2.7").get("/api/health/")
    assert other_address.status_code == 503


def test_user_quota_counts_per_operator(client, access, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"operator_anon": "100/day", "operator_user": "2/day"},
    }
    statuses = [client.get("/api/breaker/", **bearer(access)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    throttled = client.get("/api/breaker/", **bearer(access))
    assert throttled["Cache-Control"] == "no-store"
    assert int(throttled["Retry-After"]) > 0


def test_quotas_fail_open_without_the_cache_redis_so_health_can_say_so(client, settings):
    dead(settings, "default")
    response = client.get("/api/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error"


def test_the_schema_is_for_operators_and_describes_the_api(client, access):
    assert client.get("/api/schema/").status_code == 401
    response = client.get("/api/schema/", **bearer(access))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    schema = response.json()
    assert set(schema["paths"]) == {
        "/api/token/",
        "/api/token/refresh/",
        "/api/health/",
        "/api/breaker/",
        "/api/audit/",
        "/api/members/{member}/export/",
        "/api/members/{member}/erase/",
    }
    assert "jwtAuth" in schema["components"]["securitySchemes"]


def test_an_unusable_signing_key_refuses_every_token(client, access, settings, monkeypatch):
    # simplejwt builds its signing backend once at import: this is the key a production process without
    # OPERATOR_JWT_SIGNING_KEY (or with a weak one) would hold.
    from rest_framework_simplejwt.state import token_backend

    for key in ("", "short", settings.SECRET_KEY):
        monkeypatch.setattr(token_backend, "signing_key", key)
        assert client.get("/api/breaker/", **bearer(access)).status_code == 503
        response = client.post(
            "/api/token/", {"username": "operator", "password": "x"}, content_type="application/json"
        )
        assert response.status_code == 503
        assert "access" not in response.json()
