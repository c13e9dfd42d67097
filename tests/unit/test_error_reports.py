"""Django error reports (DEBUG page, error e-mails) through security.error_reports: our secret settings,
secret-looking local variables, the query string and phone numbers never appear in them (LG-3)."""

from __future__ import annotations

import sys

import pytest
from django.test import RequestFactory
from django.views.debug import get_default_exception_reporter_filter, get_exception_reporter_class

from security.error_reports import ExceptionReporter, ReporterFilter

CANARIES = {
    "WHATSAPP_APP_SECRET": "canary-app-secret-a1",
    "WHATSAPP_ACCESS_TOKEN": "canary-access-token-b2",
    "WHATSAPP_VERIFY_TOKEN": "canary-verify-token-c3",
    "CLIENT_API_KEY": "canary-client-key-d4",
    "NOTIFY_API_KEY": "canary-notify-key-e5",
    "SECRET_KEY": "canary-django-secret-f6-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DATABASE_URL": "postgres://vimbiso:canary-db-password-g7@db:5432/vimbiso",
    "REDIS_CACHE_URL": "redis://:canary-redis-password-h8@cache:6379/0",
    "ALERT_TELEGRAM_BOT_TOKEN": "canary-telegram-token-i9",
}
PHONE = "263771234567"


@pytest.fixture
def canary_settings(settings):
    for name, value in CANARIES.items():
        setattr(settings, name, value)
    return settings


def report(debug: bool, settings) -> tuple[str, str]:
    settings.DEBUG = debug
    request = RequestFactory().get(
        f"/bot/webhook?hub.verify_token={CANARIES['WHATSAPP_VERIFY_TOKEN']}&from={PHONE}",
        HTTP_X_NOTIFY_KEY=CANARIES["NOTIFY_API_KEY"],
        HTTP_AUTHORIZATION=f"Bearer {CANARIES['WHATSAPP_ACCESS_TOKEN']}",
    )
    app_secret = CANARIES["WHATSAPP_APP_SECRET"]  # locals of the failing frame are shown in reports  # noqa: F841
    signing_key = CANARIES["CLIENT_API_KEY"]  # noqa: F841
    try:
        raise ValueError(f"could not reach member {PHONE}")
    except ValueError:
        reporter = ExceptionReporter(request, *sys.exc_info())
    return reporter.get_traceback_html(), reporter.get_traceback_text()


@pytest.mark.parametrize("debug", [True, False])
def test_no_canary_in_the_html_or_text_report(canary_settings, debug):
    html, text = report(debug, canary_settings)
    for name, value in CANARIES.items():
        assert value not in html, name
        assert value not in text, name
    assert PHONE not in html and PHONE not in text
    assert "ValueError" in text and "could not reach member" in text  # still a useful report
    assert "********************" in text


def test_the_settings_select_our_filter_and_reporter():
    assert isinstance(get_default_exception_reporter_filter(), ReporterFilter)
    assert get_exception_reporter_class(RequestFactory().get("/")) is ExceptionReporter


@pytest.mark.parametrize(
    "name",
    [*CANARIES, "DJANGO_SECRET", "ALERT_WEBHOOK_SECRET", "REDIS_STATE_URL", "OPERATOR_JWT_SIGNING_KEY"],
)
def test_secret_setting_names_are_hidden(name):
    assert ReporterFilter.hidden_settings.search(name)


@pytest.mark.parametrize("name", ["DEBUG", "TIME_ZONE", "PROCESSING_MODE", "MAX_AMOUNT"])
def test_harmless_setting_names_stay_visible(name):
    assert not ReporterFilter.hidden_settings.search(name)
