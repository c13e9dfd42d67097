"""Security headers, CSP nonces, `no-store` and CORS on every kind of response.

The header matrix runs with the production settings themselves: a subprocess with `DJANGO_ENV=production`
and test-only secrets (on this run's Redis pair and a throwaway SQLite) makes one request of each kind
(admin HTML, admin login, API JSON, webhook, 404, 500) with the test client over "https" and reports the
headers, the admin cookies and the password hasher. In-process tests cover the nonces against the admin's
script tags, `no-store`, CORS and the dev chat page's own policy. This module is also the URLconf of the
500 case: the project's URLs plus a view that raises.
"""

import base64
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as project_urls
from tests.support.admin import logged_in, login, make_operator
from tests.support.devchat import dev_on_fixture  # noqa: F401 (fixture)


def boom(request):
    raise RuntimeError("a deliberate failure")


urlpatterns = [path("boom/", boom), *project_urls]

ROOT = Path(__file__).resolve().parents[2]
HOST = "bot.example.org"
PRODUCTION_SCRIPT = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.core.management import call_command
    from django.contrib.auth.hashers import make_password
    from django.test import Client, override_settings
    from tests.support.admin import login, make_operator
    call_command("migrate", verbosity=0)
    client, out = Client(raise_request_exception=False), {"hasher": make_password("x").split("$")[0]}
    https = {"secure": True, "HTTP_HOST": "bot.example.org"}
    flags = ("secure", "httponly", "samesite", "path", "domain")
    def keep(name, response):
        cookies = {key: {flag: str(value[flag]) for flag in flags} for key, value in response.cookies.items()}
        out[name] = {"status": response.status_code, "headers": dict(response.items()), "cookies": cookies}
    keep("admin login", client.get("/admin/login/", **https))
    keep("login POST", login(client, make_operator(), **https))
    keep("admin HTML", client.get("/admin/bot/inboxmessage/", **https))
    keep("API JSON", client.get("/api/breaker/", **https))
    keep("notify JSON", client.post("/bot/notify", b"{}", content_type="application/json", **https))
    keep("webhook", client.post("/bot/webhook", b"{}", content_type="application/json", **https))
    keep("404", client.get("/no-such-page", **https))
    with override_settings(ROOT_URLCONF="tests.integration.test_headers"):
        keep("500", client.get("/boom/", **https))
    print(json.dumps(out))
    """
)
KINDS = ["admin HTML", "admin login", "API JSON", "notify JSON", "webhook", "404", "500"]
EXPECTED_STATUS = {"admin HTML": 200, "admin login": 200, "API JSON": 401, "notify JSON": 401, "404": 404}
STRICT_DIRECTIVES = ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """What the production settings answer, one response of each kind (see the module docstring)."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET": "test-only-production-secret-" + "x7Kq2" * 10,
        "ALLOWED_HOSTS": HOST,
        "WHATSAPP_APP_SECRET": "test-only-app-secret" + "-Hq7w" * 4,
        "WHATSAPP_VERIFY_TOKEN": "test-only-verify-token" + "-Hq7w" * 4,
        "WHATSAPP_ACCESS_TOKEN": "test-only-access-token" + "-Hq7w" * 4,
        "WHATSAPP_PHONE_NUMBER_ID": "123456789012345",
        "NOTIFY_API_KEY": "test-only-notify-key" + "-Hq7w" * 4,
        "CLIENT_API_KEY": "test-only-client-api-key" + "-Hq7w" * 4,
        "OPERATOR_JWT_SIGNING_KEY": "test-only-operator-jwt-signing-key-" + "Zp4" * 12,
        "REDIS_CACHE_URL": os.environ["REDIS_CACHE_URL"],
        "REDIS_STATE_URL": os.environ["REDIS_STATE_URL"],
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('prod') / 'db.sqlite3'}",
    }
    run = subprocess.run(
        [sys.executable, "-c", PRODUCTION_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_response_carries_the_security_headers_in_production(production, kind):
    answer = production[kind]
    headers = answer["headers"]
    assert answer["status"] == EXPECTED_STATUS.get(kind, answer["status"])
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = headers["Content-Security-Policy"]
    assert all(directive in policy for directive in STRICT_DIRECTIVES), policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    if kind in ("API JSON", "notify JSON", "webhook"):
        assert headers["Cache-Control"] == "no-store"


@pytest.mark.slow
def test_production_answers_the_webhook_with_a_refusal_and_a_500_with_no_detail(production):
    assert production["webhook"]["status"] in (401, 403)
    assert production["500"]["status"] == 500


@pytest.mark.slow
def test_production_admin_cookies_are_host_prefixed_secure_httponly_and_strict(production):
    assert production["login POST"]["status"] == 302  # password + TOTP accepted
    cookies = {**production["admin login"]["cookies"], **production["login POST"]["cookies"]}
    assert set(cookies) == {"__Host-csrftoken", "__Host-sessionid"}
    for flags in cookies.values():
        assert flags == {
            "secure": "True",
            "httponly": "True",
            "samesite": "Strict",
            "path": "/",
            "domain": "",
        }


@pytest.mark.slow
def test_production_hashes_passwords_with_argon2(production):
    assert production["hasher"] == "argon2"


# --- nonces, no-store, CORS (in-process, test settings = the same policy) --------------------------------


def nonces(policy: str) -> set[str]:
    return set(re.findall(r"'nonce-([A-Za-z0-9+/=]+)'", policy))


def assert_scripts_obey(html: str, nonce: str) -> None:
    """Every <script> is a same-origin file or carries the nonce; no inline style or event handler."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert re.search(r'\bsrc="/static/', tag) or f'nonce="{nonce}"' in tag, tag
    for tag in re.findall(r"<style\b[^>]*>", html):
        assert f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"<[^>]+\s(style|on[a-z]+)=", html)


@pytest.mark.django_db
def test_two_admin_pages_carry_different_128_bit_nonces_that_their_scripts_obey():
    client = Client()
    first = client.get("/admin/login/")
    assert logged_in(login(client, make_operator()))
    second = client.get("/admin/bot/inboxmessage/")
    seen = []
    for response in (first, second):
        policy = response["Content-Security-Policy"]
        (nonce,) = nonces(policy)
        assert re.search(rf"script-src 'self' 'nonce-{re.escape(nonce)}'", policy)
        assert re.search(rf"style-src 'self' 'nonce-{re.escape(nonce)}'", policy)
        assert len(base64.b64decode(nonce)) * 8 >= 128
        html = response.content.decode()
        assert "<script" in html  # the check below is not vacuous
        assert_scripts_obey(html, nonce)
        seen.append(nonce)
    assert seen[0] != seen[1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/bot/webhook"),
        ("post", "/bot/notify"),
        ("get", "/bot/no-such-thing"),
        ("get", "/api/breaker/"),
    ],
)
def test_webhook_notify_and_api_answers_are_never_cached(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code >= 400
    assert response["Cache-Control"] == "no-store"


def test_the_liveness_probe_keeps_its_own_caching(client):
    assert not client.get("/healthz").has_header("Cache-Control")


ALLOWED = "https://ops.example.org"


def preflight(client, url, origin):
    return client.options(url, HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")


@pytest.mark.django_db
def test_cors_answers_only_allowlisted_origins_and_only_on_the_api(client, settings):
    assert settings.CORS_ALLOWED_ORIGINS == []  # the default allows nobody
    assert "Access-Control-Allow-Origin" not in preflight(client, "/api/health/", ALLOWED)
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]
    allowed = preflight(client, "/api/health/", ALLOWED)
    assert allowed["Access-Control-Allow-Origin"] == ALLOWED
    assert "Access-Control-Allow-Credentials" not in allowed
    assert client.get("/api/health/", HTTP_ORIGIN=ALLOWED)["Access-Control-Allow-Origin"] == ALLOWED
    for origin in (
        "https://evil.example.org",
        "https://ops.example.org.evil.net",
        "null",
        "http://ops.example.org",
    ):
        assert "Access-Control-Allow-Origin" not in preflight(client, "/api/health/", origin)
        assert "Access-Control-Allow-Origin" not in client.get("/api/health/", HTTP_ORIGIN=origin)
    outside = client.post("/bot/notify", HTTP_ORIGIN=ALLOWED)
    assert "Access-Control-Allow-Origin" not in outside


def test_the_dev_chat_page_keeps_its_own_strict_policy(client, dev_on):
    from devtools.views import CSP

    response = client.get("/dev/chat")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CSP
