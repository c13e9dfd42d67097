"""The production guard (security/production.py), pure: a table of unsafe values, each with the refusal that
names it; safe values pass. The public values are the real ones (config.env.public_values: every default
in code and every example in .env.example). Subprocess rows in tests/security/test_config_attacks.py."""

import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import PUBLIC_DEFAULTS, documented_values, public_values
from security.production import (
    GUARDED,
    OPTIONAL_SECRETS,
    REQUIRED_SECRETS,
    assert_production_safe,
    defaults_in_effect,
    guarded_values,
    host_problem,
    production_problems,
)
from tests.support.startup import documented_example

PUBLIC = public_values()
SAFE = {
    "DEBUG": False,
    "MOCK_TESTING_ENABLED": False,
    "DJANGO_SECRET": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": ["bot.example.org", ".ops.example.co.zw", "203.0.113.7", "[2001:db8::1]"],
    "WHATSAPP_APP_SECRET": secrets.token_hex(16),  # Meta's: 32 hexadecimal characters
    "WHATSAPP_APP_SECRET_PREVIOUS": "",
    "WHATSAPP_VERIFY_TOKEN": secrets.token_urlsafe(32),
    "WHATSAPP_ACCESS_TOKEN": "EAAG" + secrets.token_urlsafe(150),
    "WHATSAPP_PHONE_NUMBER_ID": "123456789012345",
    "REDIS_CACHE_URL": "redis://cache:6379/0",
    "REDIS_STATE_URL": "redis://state:6379/0",
    "CLIENT_API_KEY": secrets.token_urlsafe(32),
    "NOTIFY_API_KEY": secrets.token_urlsafe(32),
    "OPERATOR_JWT_SIGNING_KEY": secrets.token_urlsafe(48),
    "ALERT_WEBHOOK_SECRET": "",
    "ALERT_TELEGRAM_BOT_TOKEN": "",
    "METRICS_TOKEN": "",
}
EXACTLY_32 = secrets.token_hex(16)

SECRET_ROWS = [
    row
    for name in REQUIRED_SECRETS
    for row in (
        ({name: ""}, f"{name} is missing"),
        ({name: "x"}, f"{name} is shorter than 32 characters"),
        ({name: EXACTLY_32[:31]}, f"{name} is shorter than 32 characters"),
        ({name: documented_example(name)}, f"{name} is a documented default"),
    )
] + [
    row
    for name in OPTIONAL_SECRETS
    for row in (
        ({name: "x"}, f"{name} is shorter than 32 characters"),
        ({name: documented_example("WHATSAPP_APP_SECRET")}, f"{name} is a documented default"),
    )
]
HOST_ROWS = [
    ({"ALLOWED_HOSTS": [pattern]}, f"ALLOWED_HOSTS entry {pattern!r}")
    for pattern in ("*", ".", ".com", "com", "com.", ".COM", ".co.zw", "co.zw", ".github.io", ".blogspot.com",
                    ".s3.amazonaws.com", ".ck", "foo.ck", "xn--p1ai", ".рф", "ac.zw")
] + [({"ALLOWED_HOSTS": []}, "ALLOWED_HOSTS must list the real host names")]  # fmt: skip
OTHER_ROWS = [
    ({"DEBUG": True}, "DEBUG must be off"),
    ({"MOCK_TESTING_ENABLED": True}, "MOCK_TESTING_ENABLED must be off"),
    ({"DJANGO_SECRET": ""}, "DJANGO_SECRET is missing"),
    ({"DJANGO_SECRET": "short"}, "DJANGO_SECRET is weak"),
    ({"DJANGO_SECRET": "a" * 60}, "DJANGO_SECRET is weak"),
    ({"DJANGO_SECRET": "django-insecure-" + "abcdefghij" * 5}, "development value"),
    ({"DJANGO_SECRET": documented_example("DJANGO_SECRET")}, "DJANGO_SECRET is a documented default"),
    ({"OPERATOR_JWT_SIGNING_KEY": SAFE["DJANGO_SECRET"]}, "OPERATOR_JWT_SIGNING_KEY must differ"),
    ({"WHATSAPP_PHONE_NUMBER_ID": ""}, "WHATSAPP_PHONE_NUMBER_ID is missing"),
    ({"REDIS_CACHE_URL": ""}, "REDIS_CACHE_URL is missing"),
    ({"REDIS_STATE_URL": ""}, "REDIS_STATE_URL is missing"),
    ({"REDIS_STATE_URL": "redis://cache:6379/0"}, "must be different instances"),
]  # fmt: skip
ROWS = SECRET_ROWS + HOST_ROWS + OTHER_ROWS


def test_safe_configuration_passes():
    assert production_problems(SAFE, PUBLIC) == []
    assert_production_safe(SAFE, PUBLIC)
    assert production_problems({**SAFE, "WHATSAPP_APP_SECRET_PREVIOUS": secrets.token_hex(16)}, PUBLIC) == []
    assert production_problems({**SAFE, "WHATSAPP_APP_SECRET": EXACTLY_32}, PUBLIC) == []


@pytest.mark.parametrize(("override", "reason"), ROWS, ids=[reason for _, reason in ROWS])
def test_each_unsafe_setting_is_refused_by_name_without_its_value(override, reason):
    with pytest.raises(ImproperlyConfigured, match=reason) as refused:
        assert_production_safe({**SAFE, **override}, PUBLIC)
    for value in override.values():
        if isinstance(value, str) and len(value) >= 8:
            assert value not in str(refused.value)


def test_every_public_value_is_refused_as_every_secret():
    """Each default in code and each example in .env.example, in each secret: refused."""
    assert set(PUBLIC_DEFAULTS.values()) <= PUBLIC and documented_values() <= PUBLIC
    for value in sorted(PUBLIC):
        for name in REQUIRED_SECRETS:
            assert production_problems({**SAFE, name: value}, PUBLIC), (name, value)


def test_the_code_defaults_are_the_documented_examples():
    """What .env.example shows for a secret is what the code uses: one value, documented where it is read."""
    assert {name: documented_example(name) for name in PUBLIC_DEFAULTS} == PUBLIC_DEFAULTS


@pytest.mark.parametrize("pattern", ["bot.example.org", ".example.co.zw", "a.github.io", "10.0.0.1", "[::1]"])
def test_own_names_and_addresses_are_accepted_hosts(pattern):
    assert host_problem(pattern) is None


def test_the_guard_reads_settings_by_their_environment_names():
    values = guarded_values({"SECRET_KEY": "k", "DEBUG": True})
    assert set(values) == set(GUARDED)
    assert (values["DJANGO_SECRET"], values["DEBUG"], values["CLIENT_API_KEY"]) == ("k", True, "")


def test_defaults_in_effect_name_what_production_would_refuse():
    assert defaults_in_effect(SAFE, PUBLIC) == []
    public_key = documented_example("NOTIFY_API_KEY")
    unsafe = {**SAFE, "DEBUG": True, "NOTIFY_API_KEY": public_key, "CLIENT_API_KEY": "x"}
    assert defaults_in_effect(unsafe, PUBLIC) == ["DEBUG", "CLIENT_API_KEY", "NOTIFY_API_KEY"]
    # An unset secret switches its feature off: nothing to expose.
    assert defaults_in_effect({**SAFE, "NOTIFY_API_KEY": ""}, PUBLIC) == []
