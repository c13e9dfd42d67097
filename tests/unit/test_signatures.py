"""security.signatures: Meta's X-Hub-Signature-256 over raw bytes, and the handshake token check (pure)."""

import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from security.signatures import (
    REASON_MALFORMED,
    REASON_MISMATCH,
    REASON_MISSING,
    SignatureRejected,
    sign_body,
    token_matches,
    verify_meta_signature,
)

SECRET = b"unit-app-secret"
PREVIOUS = b"unit-previous-secret"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'

# RFC 4231 test case 2 (HMAC-SHA256): an external vector, so the check is not only self-consistent.
RFC4231_KEY = b"Jefe"
RFC4231_DATA = b"what do ya want for nothing?"
RFC4231_HEX = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

# Project golden vector: Meta-style escaped unicode (ä ö å, an emoji as a surrogate pair, `@`, `/`).
GOLDEN_SECRET = b"golden-app-secret"
GOLDEN_BODY = (
    b'{"object":"whatsapp_business_account","entry":[{"id":"0","changes":[{"field":"messages","value":'
    b'{"messages":[{"text":{"body":"Tsitsi \\u00e4\\u00f6\\u00e5 \\ud83d\\ude00 a\\u0040b.c\\/d"}}]}}]}]}'
)
GOLDEN_SIGNATURE = "sha256=cd0f3e42d2295b05f433f324ab216c3d0b1d7ad54d70126320d0915d063f7723"


def reason_of(body: bytes, header: str | None, secrets=(SECRET,)) -> str | None:
    try:
        verify_meta_signature(body=body, header=header, secrets=secrets)
    except SignatureRejected as rejected:
        return rejected.reason
    return None


def test_rfc4231_vector():
    assert sign_body(RFC4231_DATA, RFC4231_KEY) == "sha256=" + RFC4231_HEX
    assert reason_of(RFC4231_DATA, "sha256=" + RFC4231_HEX, secrets=(RFC4231_KEY,)) is None


def test_golden_vector_is_over_the_raw_escaped_bytes():
    assert sign_body(GOLDEN_BODY, GOLDEN_SECRET) == GOLDEN_SIGNATURE
    assert reason_of(GOLDEN_BODY, GOLDEN_SIGNATURE, secrets=(GOLDEN_SECRET,)) is None
    # The same JSON re-serialised (as a framework would) is different bytes and must not verify.
    reserialised = json.dumps(json.loads(GOLDEN_BODY), ensure_ascii=False).encode("utf-8")
    assert reason_of(reserialised, GOLDEN_SIGNATURE, secrets=(GOLDEN_SECRET,)) == REASON_MISMATCH


def test_valid_signature_accepted_and_uppercase_hex_too():
    signature = sign_body(BODY, SECRET)
    assert reason_of(BODY, signature) is None
    assert reason_of(BODY, "sha256=" + signature.removeprefix("sha256=").upper()) is None


def test_previous_secret_accepted_during_rotation():
    signature = sign_body(BODY, PREVIOUS)
    assert reason_of(BODY, signature, secrets=(SECRET, PREVIOUS)) is None
    assert reason_of(BODY, signature, secrets=(SECRET,)) == REASON_MISMATCH


@pytest.mark.parametrize("header", [None, ""])
def test_missing_header(header):
    assert reason_of(BODY, header) == REASON_MISSING


@pytest.mark.parametrize(
    "header",
    [
        "sha1=" + hashlib.sha1(BODY).hexdigest(),  # noqa: S324 (the wrong algorithm on purpose)
        "SHA256=" + "a" * 64,
        "sha256:" + "a" * 64,
        "a" * 64,
        "sha256=",
        "sha256=" + "a" * 63,
        "sha256=" + "a" * 65,
        "sha256=" + "g" * 64,
        "sha256= " + "a" * 64,
        "sha256=" + "a" * 64 + "\n",
        "sha256=" + "é" * 64,
        "sha256=" + "٣" * 64,  # Arabic-Indic digits are not hex
        "sha256=" + "ａ" * 64,  # fullwidth a
        "sha256=\x00" + "a" * 63,
    ],
)
def test_malformed_header(header):
    assert reason_of(BODY, header) == REASON_MALFORMED


def test_tampered_body_one_bit_flip_rejected():
    signature = sign_body(BODY, SECRET)
    for position in range(len(BODY)):
        for bit in range(8):
            tampered = bytearray(BODY)
            tampered[position] ^= 1 << bit
            assert reason_of(bytes(tampered), signature) == REASON_MISMATCH


def test_wrong_secret_rejected():
    assert reason_of(BODY, sign_body(BODY, b"someone-else")) == REASON_MISMATCH


def test_empty_secrets_never_make_an_empty_key_hmac_valid():
    """An unset previous secret must not let an attacker sign with the empty key."""
    empty_key_signature = "sha256=" + hmac.new(b"", BODY, hashlib.sha256).hexdigest()
    assert reason_of(BODY, empty_key_signature, secrets=(SECRET, b"")) == REASON_MISMATCH
    assert reason_of(BODY, empty_key_signature, secrets=()) == REASON_MISMATCH


@given(header=st.text(max_size=120))
def test_any_text_header_gives_a_verdict_never_a_crash(header):
    assert reason_of(BODY, header) in {REASON_MISSING, REASON_MALFORMED, REASON_MISMATCH}


@given(body=st.binary(max_size=512), flip=st.integers(min_value=0))
def test_any_single_bit_flip_of_any_body_is_rejected(body, flip):
    if not body:
        body = b"{}"
    signature = sign_body(body, SECRET)
    tampered = bytearray(body)
    tampered[(flip // 8) % len(body)] ^= 1 << (flip % 8)
    assert reason_of(body, signature) is None
    assert reason_of(bytes(tampered), signature) == REASON_MISMATCH


def test_token_matches_constant_time_and_non_ascii_safe():
    assert token_matches("verify-me", "verify-me")
    assert not token_matches("verify-mE", "verify-me")
    assert not token_matches("verify-me ", "verify-me")
    assert not token_matches("vérify-me", "verify-me")  # non-ASCII: False, not TypeError
    assert token_matches("tökén", "tökén")
    assert not token_matches("\ud800", "verify-me")  # a lone surrogate is still just "wrong"
    assert not token_matches(None, "verify-me")
    assert not token_matches("", "")  # an unset token never verifies anything
