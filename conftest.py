"""Root pytest configuration: shared fixtures for every test layer."""

import pytest
from django.core.cache import caches

from bot import stream_pusher

# Fixtures every test package may use: the fake Graph API and the MyCredex sandbox subprocess.
pytest_plugins = ["tests.support.fake_graph", "tests.support.sandbox_server"]


@pytest.fixture(autouse=True)
def _fresh_redis():
    """Each test starts with both real Redis instances empty (after any push an earlier test left queued)."""
    stream_pusher.flush(5)
    for alias in ("default", "state"):
        caches[alias].client.get_client(write=True).flushdb()
    yield
