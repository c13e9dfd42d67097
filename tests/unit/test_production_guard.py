"""The production guard refuses each unsafe configuration (pure checks; a subprocess test covers startup)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from security.production import assert_production_safe, production_problems

SAFE = {
    "debug": False,
    "secret_key": "k" * 20 + "abcdefghijklmnopqrstuvwxyz0123456789",
    "allowed_hosts": ["bot.example.org"],
    "mock_testing_enabled": False,
    "whatsapp_app_secret": "s",
    "whatsapp_verify_token": "v",
    "whatsapp_access_token": "a",
    "whatsapp_phone_number_id": "123456789",
    "redis_cache_url": "redis://cache:6379/0",
    "redis_state_url": "redis://state:6379/0",
    "client_api_key": "c",
    "notify_api_key": "n",
    "operator_jwt_signing_key": "o",
}


def test_safe_configuration_passes():
    assert production_problems(**SAFE) == []
    assert_production_safe(**SAFE)


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"debug": True}, "DEBUG must be off"),
        ({"secret_key": ""}, "DJANGO_SECRET is missing"),
        ({"secret_key": "short"}, "DJANGO_SECRET is weak"),
        ({"secret_key": "a" * 60}, "DJANGO_SECRET is weak"),
        ({"secret_key": "django-insecure-" + "abcdefghij" * 5}, "development value"),
        ({"allowed_hosts": ["*"]}, "ALLOWED_HOSTS"),
        ({"mock_testing_enabled": True}, "MOCK_TESTING_ENABLED must be off"),
        ({"whatsapp_app_secret": ""}, "WHATSAPP_APP_SECRET is missing"),
        ({"whatsapp_verify_token": ""}, "WHATSAPP_VERIFY_TOKEN is missing"),
        ({"whatsapp_access_token": ""}, "WHATSAPP_ACCESS_TOKEN is missing"),
        ({"whatsapp_phone_number_id": ""}, "WHATSAPP_PHONE_NUMBER_ID is missing"),
        ({"redis_cache_url": ""}, "REDIS_CACHE_URL is missing"),
        ({"redis_state_url": ""}, "REDIS_STATE_URL is missing"),
        ({"redis_state_url": "redis://cache:6379/0"}, "must be different instances"),
    ],
)
def test_each_unsafe_setting_is_refused(override, reason):
    with pytest.raises(ImproperlyConfigured, match=reason):
        assert_production_safe(**{**SAFE, **override})
