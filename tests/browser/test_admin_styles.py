"""The admin is styled when a real Gunicorn serves it (issue 24, point 6): WhiteNoise answers /static/ from
the app itself, so the login page, opened in headless Chromium, draws with the admin's own base.css under
its strict Content-Security-Policy (the stylesheets are same-origin).

Skipped when Chromium or chromedriver is not installed (`.ci/run` installs both when it runs as root).
"""

import http.client

import pytest

from tests.browser.test_devchat_page import chromium  # noqa: F401 (fixture; skips without Chromium)
from tests.support.gunicorn import serve

By = pytest.importorskip("selenium.webdriver.common.by", reason="selenium is not installed").By

# `#header { background: var(--header-bg) }` in django/contrib/admin/static/admin/css/base.css (#417690);
# an unstyled page leaves it transparent.
ADMIN_HEADER_BACKGROUND = "rgba(65, 118, 144, 1)"


@pytest.fixture
def gunicorn(tmp_path):
    with serve(tmp_path) as served:
        yield served


def head(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Content-Type", "")
    finally:
        connection.close()


def test_gunicorn_serves_the_admins_stylesheet(gunicorn):
    status, content_type = head(gunicorn.port, "/static/admin/css/base.css")
    assert status == 200
    assert content_type.startswith("text/css")


def test_the_admin_login_page_is_styled_in_chromium(gunicorn, chromium):  # noqa: F811
    chromium.get(f"http://127.0.0.1:{gunicorn.port}/admin/login/")
    header = chromium.find_element(By.ID, "header")
    assert header.value_of_css_property("background-color") == ADMIN_HEADER_BACKGROUND
    assert chromium.find_element(By.ID, "id_username").is_displayed()
