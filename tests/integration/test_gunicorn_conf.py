"""deploy/gunicorn.conf.py: where it binds, and an access log that never shows query strings (the webhook
handshake carries `hub.verify_token` there), checked on a real Gunicorn serving the real app."""

from __future__ import annotations

import os
import runpy
import time

import pytest
from django.conf import settings

from tests.support.gunicorn import CONF, get, serve


def _load_conf(monkeypatch, **env: str) -> dict:
    for name in ("GUNICORN_BIND", "PORT", "GUNICORN_WORKERS", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_binds_to_loopback_on_port_by_default(monkeypatch):
    assert _load_conf(monkeypatch)["bind"] == ["127.0.0.1:8000"]
    assert _load_conf(monkeypatch, PORT="8080")["bind"] == ["127.0.0.1:8080"]


def test_an_explicit_bind_wins_over_port(monkeypatch):
    conf = _load_conf(monkeypatch, PORT="8080", GUNICORN_BIND="0.0.0.0:8000")
    assert conf["bind"] == ["0.0.0.0:8000"]


def test_workers_default_to_one_per_allowed_cpu_with_two_threads_each(monkeypatch):
    conf = _load_conf(monkeypatch)
    assert conf["workers"] == min(len(os.sched_getaffinity(0)), 8)
    assert conf["threads"] == 2
    assert _load_conf(monkeypatch, GUNICORN_WORKERS="3")["workers"] == 3
    assert _load_conf(monkeypatch, GUNICORN_THREADS="1")["threads"] == 1
    assert conf["worker_class"] == "gthread"


@pytest.fixture
def gunicorn(tmp_path):
    """The project served by Gunicorn with the deploy config (test settings); yields (port, log path)."""
    with serve(tmp_path, workers=1) as served:
        yield served.port, served.log_path


def test_access_log_shows_the_path_but_never_the_query_string(gunicorn):
    port, log_path = gunicorn
    token = settings.WHATSAPP_VERIFY_TOKEN
    good = f"/bot/webhook?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=challenge-8731"
    bad = "/bot/webhook?hub.mode=subscribe&hub.verify_token=wrong-token-5521&hub.challenge=challenge-8732"

    assert get(port, good) == (200, b"challenge-8731")
    assert get(port, bad)[0] == 403

    time.sleep(0.3)  # let the access log reach the file
    log = log_path.read_text()
    assert '"GET /bot/webhook HTTP/1.1" 200' in log
    assert '"GET /bot/webhook HTTP/1.1" 403' in log
    for secret_or_query in (token, "wrong-token-5521", "challenge-873", "hub."):
        assert secret_or_query not in log
