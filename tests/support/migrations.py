"""`migrated_back_to(target)`: a test block on an earlier migration's schema, then the latest one again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@contextmanager
def migrated_back_to(target: tuple[str, str]) -> Iterator[Apps]:
    """Migrate the test database back to `target` (app, migration) and give its historical models; on leaving,
    whatever happened, migrate forward to the latest state, which the tests after this one expect."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    MigrationExecutor(connection).migrate([target])
    try:
        yield MigrationExecutor(connection).loader.project_state([target]).apps
    finally:
        MigrationExecutor(connection).migrate(latest)
