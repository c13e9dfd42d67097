"""Fixtures of the sandbox tests: the real sandbox subprocess and raw HTTP helpers."""

import pytest

from tests.sandbox.ledger_api import LedgerApi
from tests.support.sandbox_server import sandbox, sandbox_server  # noqa: F401  (registers the fixtures)


@pytest.fixture
def api(sandbox) -> LedgerApi:  # noqa: F811 - the imported fixture, requested by name
    """Raw POST helpers against a freshly reset sandbox."""
    return LedgerApi(sandbox)
