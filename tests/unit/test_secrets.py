"""security.secrets.Secret: the value never shows through repr/str/format/logging/pickle; the key bytes
handed out by `bytes_view` are zeroed when the block ends; HMAC verification with Secrets still works."""

import copy
import hashlib
import hmac
import logging
import pickle

import pytest

from security.secrets import SHOWN, Secret
from security.signatures import accepted_keys, sign_body, verify_meta_signature

VALUE = "canary-secret-value-7f3a9c"


def test_repr_str_format_and_fstring_never_show_the_value():
    secret = Secret(VALUE)
    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>40}",
        "{}".format(secret),  # noqa: UP032 - every way of formatting, on purpose
        "%s %r" % (secret, secret),  # noqa: UP031
        repr([secret, {"key": secret}]),
    ]
    assert all(VALUE not in text for text in shown)
    assert shown[0] == shown[1] == shown[2] == SHOWN == "Secret('****')"


def test_logging_a_secret_shows_the_mask(caplog):
    secret = Secret(VALUE)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("tests.secrets").warning("key %s / %r", secret, secret, extra={"held": secret})
    assert VALUE not in caplog.text
    assert SHOWN in caplog.text
    assert all(VALUE not in repr(vars(record)) for record in caplog.records)


def test_reveal_gives_the_value_and_equality_is_by_value():
    assert Secret(VALUE).reveal() == VALUE
    assert Secret(VALUE) == Secret(VALUE.encode())
    assert Secret(VALUE) != Secret("another")
    assert bool(Secret("")) is False and len(Secret("abc")) == 3


def test_bytes_view_is_zeroed_after_the_with_block():
    secret = Secret(VALUE)
    with secret.bytes_view() as view:
        assert isinstance(view, bytearray)
        assert bytes(view) == VALUE.encode()
        kept = view  # the very buffer the block saw
    assert len(kept) == len(VALUE)
    assert kept == bytearray(len(VALUE))  # all zeros
    assert secret.reveal() == VALUE  # the wrapper's own copy is untouched


def test_bytes_view_is_zeroed_even_when_the_block_raises():
    secret = Secret(VALUE)
    with pytest.raises(RuntimeError), secret.bytes_view() as view:
        raise RuntimeError("boom")
    assert view == bytearray(len(VALUE))


def test_wipe_zeroes_and_empties_the_wrapper():
    secret = Secret(VALUE)
    buffer = secret._buffer
    secret.wipe()
    assert secret.reveal() == "" and not secret
    assert buffer == bytearray()  # emptied in place, after being overwritten


def test_a_secret_refuses_pickling_copying_and_hashing():
    secret = Secret(VALUE)
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    with pytest.raises(TypeError):
        copy.copy(secret)
    with pytest.raises(TypeError):
        copy.deepcopy(secret)
    with pytest.raises(TypeError):
        hash(secret)
    with pytest.raises(TypeError):
        Secret(12345)


def test_signature_verification_with_secret_keys_matches_bytes_keys():
    body = b'{"object":"whatsapp_business_account"}'
    keys = accepted_keys("current-secret", "previous-secret")
    assert all(isinstance(key, Secret) for key in keys)
    verify_meta_signature(body=body, header=sign_body(body, b"current-secret"), secrets=keys)
    verify_meta_signature(body=body, header=sign_body(body, b"previous-secret"), secrets=keys)
    forged = "sha256=" + hmac.new(b"wrong", body, hashlib.sha256).hexdigest()
    with pytest.raises(Exception, match="mismatch"):
        verify_meta_signature(body=body, header=forged, secrets=keys)
    assert accepted_keys("", "") == ()
    assert len(accepted_keys("current-secret", "")) == 1  # an unset previous secret is no empty key
