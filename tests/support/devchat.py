"""The development chat from a browser's side, shared by its tests (tests/integration/test_devchat*.py).

`dev_on` switches the page on (DEBUG and mock testing); `browser` is a requests session holding the CSRF
cookie after loading the page (import the `*_fixture` functions to register them); `send` posts one turn
to the page's send endpoint over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests


@pytest.fixture(name="dev_on")
def dev_on_fixture(settings):
    settings.DEBUG = True
    settings.MOCK_TESTING_ENABLED = True
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
