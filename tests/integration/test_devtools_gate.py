"""The development tools (`devtools`: the chat page under /dev/, `manage.py chat`) exist only in a development
setup: installed and routed when DEBUG and MOCK_TESTING_ENABLED are both on, absent otherwise, so that no
code of theirs is loaded in production, whatever a request asks."""

import io
import json
import subprocess

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from tests.support.devchat import browser_fixture, dev_on_fixture  # noqa: F401 (fixtures)
from tests.support.startup import MANAGE, PRODUCTION, ROOT, environment

PROBE = """
import django
django.setup()
from django.apps import apps
from django.conf import settings
from django.test import Client
answer = Client().get("/dev/chat", HTTP_HOST=settings.ALLOWED_HOSTS[0], secure=True)
print(__import__("json").dumps([apps.is_installed("devtools"), answer.status_code]))
"""


def started_with(overrides: dict[str, str]) -> list:
    """[devtools installed, status of GET /dev/chat] in a fresh process started with `overrides`."""
    env = environment({"DJANGO_SETTINGS_MODULE": "config.settings", **overrides})
    done = subprocess.run(
        [MANAGE[0], "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("overrides", "present"),
    [
        ({"DJANGO_ENV": "development"}, True),  # `make run`: DEBUG and mock testing on by default
        ({"DJANGO_ENV": "development", "DEBUG": "false"}, False),
        ({"DJANGO_ENV": "development", "MOCK_TESTING_ENABLED": "false"}, False),
        (PRODUCTION, False),
    ],
    ids=["development", "debug-off", "mock-testing-off", "production"],
)
def test_the_dev_tools_are_installed_and_routed_only_with_debug_and_mock_testing(overrides, present):
    installed, status = started_with(overrides)
    assert installed is present
    assert (status == 200) is present and (status == 404) is not present


def test_with_debug_off_the_chat_page_is_404_and_the_chat_command_unknown(client):
    assert not apps.is_installed("devtools")  # the test settings: DEBUG off
    assert client.get("/dev/chat").status_code == 404
    assert client.get("/dev/chat/assets/devchat.js").status_code == 404
    with pytest.raises(CommandError, match="Unknown command"):
        call_command("chat", stdin=io.StringIO("/quit\n"), stdout=io.StringIO())


def test_in_development_the_page_and_the_command_are_there(client, dev_on):
    assert apps.is_installed("devtools")
    assert client.get("/dev/chat").status_code == 200
    with pytest.raises(CommandError, match="2-15 digits"):
        call_command("chat", "--as", "0", stdin=io.StringIO("/quit\n"), stdout=io.StringIO())
