"""The development chat from a browser's side, shared by its tests (tests/integration/test_devchat*.py).

`dev_on` switches the page on as a development setup has it: DEBUG and mock testing on, so the `devtools`
app installed and routed (every change of INSTALLED_APPS in a test builds config/urls.py again, as a process
started with those settings would); `browser` is a requests session holding the CSRF
cookie after loading the page (import the `*_fixture` functions to register them); `send` posts one turn
to the page's send endpoint over real HTTP."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
import requests
from django.dispatch import receiver
from django.test.signals import setting_changed
from django.urls import clear_url_caches

import config.urls


def rebuild_urlconf() -> None:
    """config/urls.py again, as a process started with the settings now in force would build it."""
    importlib.reload(config.urls)
    clear_url_caches()


@receiver(setting_changed, dispatch_uid="tests.support.devchat.rebuild_urlconf")
def _installed_apps_changed(*, setting: str, **kwargs: object) -> None:
    if setting == "INSTALLED_APPS":
        rebuild_urlconf()


@pytest.fixture(name="dev_on")
def dev_on_fixture(settings):
    """The dev tools as `make run` has them: DEBUG and mock testing on, so `devtools` installed."""
    settings.DEBUG = True
    settings.MOCK_TESTING_ENABLED = True
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "devtools"]
    return settings


@pytest.fixture(name="browser")
def browser_fixture(live_server, dev_on) -> Iterator[requests.Session]:
    """A requests session that has loaded the page, so it holds the CSRF cookie like a browser."""
    session = requests.Session()
    page = session.get(live_server.url + "/dev/chat", timeout=10)
    assert page.status_code == 200
    yield session
    session.close()


def send(session: requests.Session, live_server, body: dict, *, token: bool = True) -> requests.Response:
    """POST `body` to /dev/chat/send, with the CSRF header unless `token` is False."""
    headers = {"X-CSRFToken": session.cookies.get("csrftoken", "")} if token else {}
    return session.post(live_server.url + "/dev/chat/send", json=body, headers=headers, timeout=30)
