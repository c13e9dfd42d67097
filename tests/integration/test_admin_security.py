"""The admin's gate through the real login view: TOTP on every page, tokens single-use, short sessions.

What an operator (or an attacker with a stolen password) would notice: a password alone reaches no admin
page; the current TOTP token opens them; the same token, a stale one or another user's device is refused,
also under concurrency; 15 idle minutes end the session; weak passwords are refused; passwords are hashed
with Argon2 (outside the test settings, which keep MD5 for speed); a POST without its CSRF token is refused.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from config.settings import base
from tests.support.admin import PASSWORD, logged_in, login, make_operator, token
from tests.support.concurrency import run_together

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/bot/inboxmessage/"


@pytest.fixture
def operator():
    return make_operator()


def every_admin_page() -> list[str]:
    """The index, every registered model's list, the extra pages and the password change page."""
    lists = [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry
    ]
    extras = [
        reverse(name) for name in ("admin:bot_members", "admin:credex_api_breaker", "admin:password_change")
    ]
    return [reverse("admin:index"), *lists, *extras]


# --- TOTP on every page ---------------------------------------------------------------------------------


def test_a_password_only_session_reaches_no_admin_page_and_a_verified_one_reaches_all(client, operator):
    pages = every_admin_page()
    assert len(pages) >= 10  # bot's four, the instruction list, django-otp's, axes', auth's, the extras
    client.force_login(operator.user)  # the password was right; no device has verified this session
    refused = [page for page in pages if client.get(page).status_code == 302]
    assert refused == pages
    assert client.get(CHANGELIST)["Location"].startswith("/admin/login/")

    verified = Client()
    assert logged_in(login(verified, operator))
    assert [page for page in pages if verified.get(page).status_code == 200] == pages


def test_password_without_a_token_is_refused_and_opens_nothing(client, operator):
    response = login(client, operator, token_value=None)
    assert response.status_code == 200
    assert "Please enter your OTP token." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(CHANGELIST).status_code == 302


def test_the_current_token_opens_the_admin(client, operator):
    assert logged_in(login(client, operator))
    assert client.get(CHANGELIST).status_code == 200


def test_a_wrong_password_with_a_valid_token_is_refused(client, operator):
    response = login(client, operator, password=PASSWORD + "x")
    assert response.status_code == 200
    assert client.get(CHANGELIST).status_code == 302


def test_a_token_replayed_in_the_same_time_step_is_refused(client, operator):
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, 5, tzinfo=UTC), tick=False):
        used = token(operator.device)
        assert logged_in(login(client, operator, token_value=used))
        second = Client()
        replay = login(second, operator, token_value=used)
        assert replay.status_code == 200
        assert "Invalid token." in replay.content.decode()
        assert second.get(CHANGELIST).status_code == 302


def test_a_stale_token_is_refused(client, operator):
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, 5, tzinfo=UTC), tick=False):
        old = token(operator.device, at=datetime(2026, 6, 1, 8, 59, 0, tzinfo=UTC).timestamp())  # 2 steps ago
        assert not logged_in(login(client, operator, token_value=old))
        assert client.get(CHANGELIST).status_code == 302


def test_a_token_of_another_users_device_is_refused(client, operator):
    other = make_operator("other-operator")
    data = {
        "username": operator.user.username,
        "password": PASSWORD,
        "otp_device": other.device.persistent_id,  # forged: a device that is not this user's
        "otp_token": token(other.device),
    }
    response = client.post("/admin/login/?next=/admin/", data)
    assert not logged_in(response)
    assert client.get(CHANGELIST).status_code == 302


def test_a_malformed_token_is_refused(client, operator):
    for bad in ("12345", "abcdef", "1234567", "１２３４５６", " " * 6):
        assert not logged_in(login(Client(), operator, token_value=bad))


@pytest.mark.db_both
@pytest.mark.django_db(transaction=True)
def test_one_token_used_by_ten_concurrent_logins_opens_exactly_one_session(settings):
    settings.LOGIN_RATE_PER_MINUTE = 100
    operator = make_operator()
    used = token(operator.device)
    outcomes = []

    def attempt():
        outcomes.append(logged_in(login(Client(), operator, token_value=used)))

    errors = run_together(attempt, [()] * 10)
    assert errors == []
    assert sorted(outcomes) == [False] * 9 + [True]


# --- sessions ---------------------------------------------------------------------------------------------


def test_an_admin_session_ends_after_15_idle_minutes_and_each_request_restarts_the_count(client, operator):
    assert settings.SESSION_COOKIE_AGE == 900 and settings.SESSION_SAVE_EVERY_REQUEST
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=UTC), tick=False) as clock:
        assert logged_in(login(client, operator))
        clock.shift(timedelta(minutes=14))
        assert client.get(CHANGELIST).status_code == 200
        clock.shift(timedelta(minutes=14))  # 28 minutes after login, 14 after the last request
        assert client.get(CHANGELIST).status_code == 200
        clock.shift(timedelta(minutes=15, seconds=1))
        response = client.get(CHANGELIST)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


# --- passwords --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Short-pw-41", "too short. It must contain at least 12 characters"),
        ("password1234", "too common"),
        ("804192736551", "entirely numeric"),
        ("operator-rudo1", "too similar to the username"),
    ],
)
def test_weak_admin_passwords_are_refused(password, reason):
    user = make_operator("operator-rudo").user
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert reason in " ".join(refused.value.messages)


def test_a_long_uncommon_password_is_accepted(operator):
    validate_password(PASSWORD, operator.user)  # no exception


def test_argon2_is_the_password_hasher_outside_the_test_settings():
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests: speed only
    argon2 = Argon2PasswordHasher()
    hashed = make_password(PASSWORD, hasher=argon2)  # argon2-cffi is installed and works
    assert hashed.startswith("argon2$argon2id$")
    assert argon2.verify(PASSWORD, hashed) and not argon2.verify(PASSWORD + "x", hashed)


# --- CSRF -------------------------------------------------------------------------------------------------


def test_an_admin_post_without_its_csrf_token_is_refused(operator):
    browser = Client(enforce_csrf_checks=True)
    response = login(browser, operator)
    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session
