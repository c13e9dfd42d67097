"""Production settings at startup: `check --deploy` is clean with safe values, and each unsafe value refuses.

Runs `manage.py` in a subprocess with a clean environment, exactly as a deploy would start it.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SAFE_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "bot.example.org",
    "WHATSAPP_APP_SECRET": "test-only-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "test-only-verify-token",
    "WHATSAPP_ACCESS_TOKEN": "test-only-access-token",
    "WHATSAPP_PHONE_NUMBER_ID": "123456789012345",
    "REDIS_CACHE_URL": "redis://redis-cache:6379/0",
    "REDIS_STATE_URL": "redis://redis-state:6379/0",
    "CLIENT_API_KEY": "test-only-client-api-key",
    "NOTIFY_API_KEY": "test-only-notify-key",
    "OPERATOR_JWT_SIGNING_KEY": "test-only-operator-jwt-signing-key-" + "Zp4" * 12,
    "DATABASE_URL": "sqlite:////tmp/vp-prod-check.sqlite3",
}


def run_manage(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    env.update({k: v for k, v in {**SAFE_ENV, **env_overrides}.items() if v is not None})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings():
    result = run_manage({}, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"DEBUG": "True"}, "DEBUG must be off"),
        ({"DJANGO_SECRET": None}, "DJANGO_SECRET is missing"),
        ({"DJANGO_SECRET": "too-short"}, "DJANGO_SECRET is weak"),
        ({"MOCK_TESTING_ENABLED": "True"}, "MOCK_TESTING_ENABLED must be off"),
        ({"WHATSAPP_APP_SECRET": None}, "WHATSAPP_APP_SECRET is missing"),
        ({"WHATSAPP_VERIFY_TOKEN": None}, "WHATSAPP_VERIFY_TOKEN is missing"),
        ({"WHATSAPP_ACCESS_TOKEN": None}, "WHATSAPP_ACCESS_TOKEN is missing"),
        ({"WHATSAPP_PHONE_NUMBER_ID": None}, "WHATSAPP_PHONE_NUMBER_ID is missing"),
        ({"REDIS_CACHE_URL": None}, "REDIS_CACHE_URL is missing"),
        ({"REDIS_STATE_URL": None}, "REDIS_STATE_URL is missing"),
        ({"CLIENT_API_KEY": None}, "CLIENT_API_KEY is missing"),
        ({"NOTIFY_API_KEY": None}, "NOTIFY_API_KEY is missing"),
        ({"OPERATOR_JWT_SIGNING_KEY": None}, "OPERATOR_JWT_SIGNING_KEY is missing"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
    ],
)
def test_startup_refuses_each_unsafe_configuration(overrides, reason):
    result = run_manage(overrides, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert reason in result.stderr
    # The refusal names the problem, never a secret's value.
    assert SAFE_ENV["WHATSAPP_APP_SECRET"] not in result.stderr
    assert SAFE_ENV["DJANGO_SECRET"] not in result.stderr
