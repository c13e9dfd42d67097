"""deploy/healthcheck.py: the Host header the container probe sends must be one Django accepts."""

import pytest

from deploy.healthcheck import main, probe_host


@pytest.mark.parametrize(
    ("allowed_hosts", "expected"),
    [
        ("bot.example.com,admin.example.com", "bot.example.com"),
        (".example.com", "example.com"),  # Django's subdomain wildcard: the bare domain matches it
        (" bot.example.com ", "bot.example.com"),
        ("*,bot.example.com", "bot.example.com"),
        ("", None),
    ],
)
def test_probe_host_is_the_first_usable_allowed_host(monkeypatch, allowed_hosts, expected):
    monkeypatch.setenv("ALLOWED_HOSTS", allowed_hosts)
    assert probe_host() == expected


def test_a_missing_redis_variable_is_unhealthy(monkeypatch, capsys):
    monkeypatch.delenv("NO_SUCH_REDIS_URL", raising=False)
    assert main(["redis", "NO_SUCH_REDIS_URL"]) == 1
    assert "NO_SUCH_REDIS_URL is not set" in capsys.readouterr().out


def test_the_state_redis_of_the_test_run_is_healthy():
    assert main(["redis", "REDIS_STATE_URL"]) == 0


def test_a_wrong_invocation_says_how_to_call_it(capsys):
    assert main(["ping"]) == 2
    assert "usage" in capsys.readouterr().err
