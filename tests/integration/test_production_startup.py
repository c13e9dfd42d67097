"""Production settings at startup: `check --deploy` is clean with safe values, and each unsafe value refuses.

Runs `manage.py` in a subprocess with a clean environment, exactly as a deploy would start it. The rows of
public, short and host-pattern values are in tests/security/test_config_attacks.py.
"""

import subprocess

import pytest

from tests.support.startup import MANAGE, PRODUCTION, ROOT, environment

# Safe production values (random for the session; see tests/support/startup.py).
SAFE_ENV = {**PRODUCTION, "DATABASE_URL": "sqlite:////tmp/vp-prod-check.sqlite3"}


def run_manage(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = environment({**SAFE_ENV, **env_overrides})
    return subprocess.run([*MANAGE, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


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
