"""Chaos fixtures: the end-to-end ones (a reset sandbox ledger, fresh members) reused from `tests.e2e`."""

from tests.e2e.conftest import ledger, new_member  # noqa: F401  (fixtures)
