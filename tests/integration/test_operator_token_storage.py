"""Refresh tokens are not stored (issue 18, hole 9): the blacklist's rows keep the jti, and rotation still
works once per token. The raw database is read, not the ORM, so a copy in any column would be found."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from tests.support.migrations import migrated_back_to
from tests.support.operators import make_user, refresh, tokens

pytestmark = pytest.mark.django_db

BEFORE = ("bot", "0005_operator_permissions")
AFTER = ("bot", "0006_outstanding_tokens_without_token")


def table_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {OutstandingToken._meta.db_table}")  # noqa: S608 - a model's table
        return repr(cursor.fetchall())


def test_issued_and_rotated_refresh_tokens_are_not_in_the_database(client):
    make_user()
    first = tokens(client)
    second = refresh(client, first["refresh"]).json()
    text = table_text()
    for issued in (first["refresh"], second["refresh"]):
        assert issued not in text
        assert issued.split(".")[2] not in text  # not even the signature
        assert OutstandingToken.objects.filter(jti=RefreshToken(issued, verify=False)["jti"]).exists()
    assert refresh(client, first["refresh"]).status_code == 401  # the blacklist works on the jti alone
    assert refresh(client, second["refresh"]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_migration_blanks_tokens_stored_before_it():
    user = make_user()
    with migrated_back_to(BEFORE):  # the blacklist's own table is as it was: only bot's 0006 is undone
        issued = RefreshToken.for_user(user)  # outstanding already, blanked by today's receiver ...
        OutstandingToken.objects.filter(jti=issued["jti"]).update(token=str(issued))  # ... so as before
        assert str(issued) in table_text()
        MigrationExecutor(connection).migrate([AFTER])
    assert str(issued) not in table_text()
    assert OutstandingToken.objects.get(jti=issued["jti"]).user_id == user.pk
