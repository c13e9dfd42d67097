"""TLS failures through the client's real transport (issue 20, defect 3), against a local HTTPS fake ledger.

A TLS error after the request was written (the ledger has the body) must never lead to a second send of a
mutation: the call ends `CredexOutcomeUnknown`. A TLS failure during the handshake happens before anything
is written, so it is still retried (a read here; the same rule lets a mutation be retried).
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from credex_api import services
from credex_api.errors import CredexConnectionFailed, CredexOutcomeUnknown
from tests.credex_api.conftest import new_phone
from tests.credex_api.fake_ledger import TLS_BREAK, FakeLedger
from tests.credex_api.scripted import created_ok, credex_ok, get_credex, login_ok, offer
from tests.support.tls import self_signed_certificate


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_ledger(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    fake = FakeLedger(tls=context).start()
    fake.script("login", login_ok())
    yield fake
    fake.stop()


def test_a_tls_error_after_the_body_was_sent_is_unknown_and_never_resent(
    tls_ledger, make_client, sleeps, certificate
):
    client = make_client(tls_ledger.url, sleep=sleeps)
    client.session.verify = str(certificate[0])  # trust the test certificate: the handshake succeeds
    tls_ledger.script("createCredex", TLS_BREAK, created_ok())

    with pytest.raises(CredexOutcomeUnknown) as caught:
        offer(client, new_phone())

    assert caught.value.cause == "TLS error after sending"
    assert tls_ledger.count("createCredex") == 1  # the ledger received it once, and only once
    assert sleeps.calls == []


def test_a_tls_error_after_sending_a_read_is_retried(tls_ledger, make_client, sleeps, certificate):
    client = make_client(tls_ledger.url, sleep=sleeps)
    client.session.verify = str(certificate[0])
    tls_ledger.script("getCredex", TLS_BREAK, credex_ok())

    assert get_credex(client, new_phone()).credex_id
    assert tls_ledger.count("getCredex") == 2


def test_a_handshake_failure_is_retried_because_nothing_was_written(tls_ledger, make_client, sleeps):
    client = make_client(tls_ledger.url, sleep=sleeps)  # the system CAs do not trust the test certificate

    with pytest.raises(CredexConnectionFailed):
        get_credex(client, new_phone())

    assert len(sleeps.calls) == 2  # three attempts: the handshake failed each time
    assert tls_ledger.count() == 0  # not even the login reached the handler


def test_a_handshake_failure_is_retried_even_for_a_mutation(tls_ledger, make_client, sleeps):
    client = make_client(tls_ledger.url, sleep=sleeps)

    with pytest.raises(CredexConnectionFailed):
        services.member_onboard(phone=new_phone(), first_name="Tendai", last_name="Moyo", client=client)

    assert len(sleeps.calls) == 2
    assert tls_ledger.count("onboardMember") == 0
