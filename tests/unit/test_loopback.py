"""Development defaults stay on loopback (security/loopback.py): which listening addresses are refused while
any default is in effect, and the development middleware's answer to a peer beyond loopback. Real servers
(Gunicorn, runserver) refusing: tests/security/test_config_attacks.py."""

import pytest
from django.test import Client, override_settings

from security.loopback import REMEDY, listen_problem

IN_EFFECT = ["MOCK_TESTING_ENABLED", "WHATSAPP_APP_SECRET"]
EVERY_IPV4 = "0.0.0.0"  # noqa: S104 - the address under test, never bound here


@pytest.mark.parametrize(
    ("address", "shown"),
    [((EVERY_IPV4, 8000), "0.0.0.0:8000"), (("::", 8000), "[::]:8000"), (("10.1.2.3", 80), "10.1.2.3:80"),
     (("203.0.113.9", 8000), "203.0.113.9:8000"), (("::ffff:127.0.0.1", 8000), "[::ffff:127.0.0.1]:8000"),
     (("example.com", 8000), "example.com:8000"), (("", 8000), ":8000"), (3, "fd://3")],
)  # fmt: skip
def test_a_non_loopback_address_is_refused_while_defaults_are_in_effect(address, shown):
    problem = listen_problem([("127.0.0.1", 8000), address], IN_EFFECT)
    assert problem is not None
    assert f"Refusing to listen on {shown}:" in problem
    assert "MOCK_TESTING_ENABLED, WHATSAPP_APP_SECRET" in problem and REMEDY in problem


@pytest.mark.parametrize(
    "address", [("127.0.0.1", 8000), ("127.0.0.2", 8000), ("::1", 8000), ("[::1]", 8000), ("localhost", 8000),
                ("LOCALHOST", 8000), "/run/vimbiso.sock", ("127.0.0.1", 8000, 0, 0)],
)  # fmt: skip
def test_loopback_and_unix_sockets_are_allowed(address):
    assert listen_problem([address], IN_EFFECT) is None


def test_any_address_is_allowed_with_no_default_in_effect():
    assert listen_problem([(EVERY_IPV4, 8000), ("::", 8000)], []) is None


@override_settings(MIDDLEWARE=["security.loopback.LoopbackOnlyMiddleware"])
@pytest.mark.parametrize(("peer", "status"), [("127.0.0.1", 200), ("::1", 200), ("192.168.1.7", 403),
                                              ("203.0.113.9", 403), ("", 200)])  # fmt: skip
def test_the_development_middleware_answers_loopback_peers_only(peer, status):
    response = Client(REMOTE_ADDR=peer).get("/healthz")
    assert response.status_code == status
    if status == 403:
        assert b"answers loopback only" in response.content
