"""The operator API's authentication through the real views: the JWT attack matrix, staff only, 401 without
a token on every protected endpoint, atomic refresh rotation (20 concurrent refreshes → exactly 1 success).

Every refused token differs from an accepted one in exactly one thing (tests/support/operators.py forges
them with the real key and claims), and a control test shows that the forger's honest token is accepted.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from tests.support.concurrency import run_together
from tests.support.operators import bearer, forge, make_user, obtain, refresh, tokens, unsigned

pytestmark = pytest.mark.django_db

PROTECTED = [
    ("get", "/api/breaker/"),
    ("get", "/api/audit/"),
    ("get", "/api/schema/"),
    ("get", "/api/members/263771234567/export/"),
    ("post", "/api/members/263771234567/erase/"),
]


def call(client: Client, method: str, path: str, token: str | None = None):
    headers = bearer(token) if token else {}
    return getattr(client, method)(path, content_type="application/json", **headers)


def test_simplejwt_is_configured_as_required(settings):
    jwt = settings.SIMPLE_JWT
    assert "rest_framework_simplejwt.token_blacklist" in settings.INSTALLED_APPS
    assert jwt["ACCESS_TOKEN_LIFETIME"].total_seconds() <= 300
    assert jwt["REFRESH_TOKEN_LIFETIME"].total_seconds() == 86400
    assert jwt["ROTATE_REFRESH_TOKENS"] and jwt["BLACKLIST_AFTER_ROTATION"]
    assert (jwt["ALGORITHM"], jwt["AUDIENCE"], jwt["ISSUER"]) == ("HS256", "vimbisopay-ops", "vimbisopay")
    assert jwt["SIGNING_KEY"] != settings.SECRET_KEY and len(jwt["SIGNING_KEY"]) >= 32


def test_a_staff_user_gets_tokens_that_open_the_api(client):
    make_user()
    pair = tokens(client)
    assert set(pair) == {"access", "refresh"}
    response = call(client, "get", "/api/breaker/", pair["access"])
    assert response.status_code == 200
    assert response.json()["state"] == "closed"
    assert response["Cache-Control"] == "no-store"


def test_the_forgers_honest_token_is_accepted(client):
    # The control for the matrix below: same key, same claims → accepted.
    assert call(client, "get", "/api/breaker/", forge(make_user())).status_code == 200


@pytest.mark.parametrize(
    ("attack", "token_for"),
    [
        ("alg none", unsigned),
        ("wrong key", lambda user: forge(user, key="another-signing-key-0123456789-abcdefghijkl")),
        pytest.param(
            "HS512 instead of HS256",
            lambda user: forge(user, algorithm="HS512"),
            # PyJWT warns while forging it: the key is short for HS512 (the API accepts HS256 only).
            marks=pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
        ),
        ("expired", lambda user: forge(user, exp=1_700_000_000, iat=1_699_999_700)),
        ("wrong audience", lambda user: forge(user, aud="someone-else")),
        ("no audience", lambda user: forge(user, aud=None)),
        ("wrong issuer", lambda user: forge(user, iss="evil")),
        ("no issuer", lambda user: forge(user, iss=None)),
        ("refresh type", lambda user: forge(user, token_type="refresh")),
        ("unknown user", lambda user: forge(user, user_id="999999")),
        ("issued before a password change", lambda user: forge(user, hash_password="0" * 32)),
    ],
)
def test_forged_and_stale_access_tokens_are_refused(client, attack, token_for):
    token = token_for(make_user())
    for method, path in PROTECTED:
        response = call(client, method, path, token)
        assert response.status_code == 401, (attack, path)
        assert response["Cache-Control"] == "no-store"


def test_a_real_refresh_token_is_not_an_access_token(client):
    make_user()
    assert call(client, "get", "/api/breaker/", tokens(client)["refresh"]).status_code == 401


def test_a_disabled_user_is_refused_everywhere(client):
    user = make_user()
    pair = tokens(client)
    user.is_active = False
    user.save()
    assert call(client, "get", "/api/breaker/", pair["access"]).status_code == 401
    assert refresh(client, pair["refresh"]).status_code == 401
    assert obtain(client).status_code == 401


def test_a_password_change_ends_the_tokens_issued_before_it(client):
    user = make_user()
    pair = tokens(client)
    user.set_password("a-new-long-password-for-the-operator")
    user.save()
    assert call(client, "get", "/api/breaker/", pair["access"]).status_code == 401
    assert refresh(client, pair["refresh"]).status_code == 401


def test_non_staff_users_get_no_token_and_their_tokens_open_nothing(client):
    clerk = make_user("clerk", staff=False)
    wrong_password = obtain(client, "operator-nobody", "wrong").json()
    refused = obtain(client, "clerk")
    assert refused.status_code == 401
    assert refused.json() == wrong_password  # no hint that the account exists
    assert OutstandingToken.objects.count() == 0
    token = forge(clerk)
    assert all(call(client, m, p, token).status_code == 403 for m, p in PROTECTED)
    assert refresh(client, str(RefreshToken.for_user(clerk))).status_code == 401


def test_a_demoted_operator_loses_access_at_once(client):
    user = make_user()
    pair = tokens(client)
    user.is_staff = False
    user.save()
    assert call(client, "get", "/api/breaker/", pair["access"]).status_code == 403
    assert refresh(client, pair["refresh"]).status_code == 401


def test_every_endpoint_but_health_and_tokens_answers_401_without_a_token(client):
    for method, path in PROTECTED:
        response = call(client, method, path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response["Cache-Control"] == "no-store"
    assert call(client, "get", "/api/breaker/", "not-a-jwt").status_code == 401


def test_refresh_rotates_and_the_old_token_is_refused_after_use(client):
    make_user()
    first = tokens(client)
    rotated = refresh(client, first["refresh"])
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh"] != first["refresh"]
    assert call(client, "get", "/api/breaker/", second["access"]).status_code == 200
    replay = refresh(client, first["refresh"])
    assert replay.status_code == 401
    assert replay["Cache-Control"] == "no-store"
    assert refresh(client, second["refresh"]).status_code == 200  # the rotated one works once too
    assert refresh(client, "garbage").status_code == 401
    assert refresh(client, first["access"]).status_code == 401  # an access token is not a refresh token


@pytest.mark.db_both
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_refreshes_of_one_token_give_exactly_one_new_pair():
    make_user()
    old = tokens(Client())["refresh"]
    answers = []

    def use_it():
        response = refresh(Client(), old)
        answers.append((response.status_code, response.json()))

    errors = run_together(use_it, [()] * 20)
    assert errors == []
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [401] * 19
    (winner,) = [body for status, body in answers if status == 200]
    assert (
        BlacklistedToken.objects.filter(
            token__jti=RefreshToken(winner["refresh"], verify=False)["jti"]
        ).count()
        == 0
    )
    assert BlacklistedToken.objects.count() == 1
    assert refresh(Client(), winner["refresh"]).status_code == 200
