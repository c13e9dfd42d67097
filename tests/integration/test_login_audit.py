"""Operator logins and lockouts leave audit rows (product spec §5), on the admin and the token endpoint;
a lockout leaves one row, however many attempts hit it afterwards."""

from __future__ import annotations

import pytest
from django.test import Client

from security.models import AuditEvent
from tests.support.admin import Operator, logged_in, login
from tests.support.operators import PASSWORD, device_of, make_user, obtain

pytestmark = pytest.mark.django_db


def rows(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_token_login_and_an_admin_login_are_audited_with_their_address():
    user = make_user()
    assert obtain(Client(), REMOTE_ADDR="198.51.100.7").status_code == 200
    device = device_of()
    device.last_t = -1  # a later 30-second step
    device.save()
    assert logged_in(login(Client(), Operator(user, device), password=PASSWORD, REMOTE_ADDR="198.51.100.8"))
    api, admin = rows("operator.login")
    assert (api.actor, api.new_values, api.client_ip) == ("staff:operator", {"via": "api"}, "198.51.100.7")
    assert (admin.actor, admin.new_values, admin.client_ip) == (
        "staff:operator",
        {"via": "admin"},
        "198.51.100.8",
    )


def test_failed_attempts_are_not_audited_and_a_lockout_is_audited_once(settings):
    settings.LOGIN_RATE_PER_MINUTE = 1000
    make_user()
    for _ in range(9):
        obtain(Client(), password="wrong-password-for-sure", REMOTE_ADDR="198.51.100.7")
    assert not AuditEvent.objects.exists()
    for _ in range(6):  # the 10th failure locks; five more attempts while locked
        obtain(Client(), password="wrong-password-for-sure", REMOTE_ADDR="198.51.100.7")
    (locked,) = rows("operator.locked_out")
    assert locked.actor == "staff:operator" and locked.new_values == {"path": "/api/token/"}
    assert not rows("operator.login")
