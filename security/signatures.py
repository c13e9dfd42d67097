"""Meta webhook authenticity: the `X-Hub-Signature-256` check and the handshake's verify-token check.

Pure: bytes in, a verdict out; no Django, no settings, no logging (the view logs the rejection reason).

- `verify_meta_signature` recomputes HMAC-SHA256 of the exact raw body with each accepted app secret (current
  and, during a rotation, previous) and compares *bytes* with `hmac.compare_digest`. Comparing `str` would
  raise `TypeError` on a non-ASCII header and turn a 403 into a 500, so the header is ASCII-encoded first and
  a header that is not ASCII is simply malformed.
- `token_matches` compares the GET handshake's `hub.verify_token` in constant time, also as bytes.
- `sign_body` produces the header value; used by `manage.py sign_payload` and the tests.
- `accepted_keys` gives the same secrets as `security.secrets.Secret` objects: the key bytes then exist only
  in a bytearray that is zeroed right after each HMAC (see that module for what this does not achieve).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

from security.secrets import Secret

HEADER_PREFIX = b"sha256="
REASON_MISSING = "missing"  # no header at all → 401
REASON_MALFORMED = "malformed"  # not `sha256=` + 64 hex digits, or not ASCII → 403
REASON_MISMATCH = "mismatch"  # well-formed but no accepted secret produces it → 403

_HEX_DIGEST = re.compile(rb"[0-9a-fA-F]{64}")


class SignatureRejected(Exception):  # noqa: N818 (a verdict, like Django's BadSignature)
    """The request is not signed by Meta; `reason` is one of the REASON_* constants (safe to log)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sign_body(body: bytes, secret: bytes) -> str:
    """The `X-Hub-Signature-256` value Meta would send for these exact bytes: `sha256=<lowercase hex>`."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_meta_signature(*, body: bytes, header: str | None, secrets: Sequence[bytes | Secret]) -> None:
    """Return if `header` is a valid signature of `body` under any non-empty secret; else SignatureRejected.

    Empty secrets are ignored (an unset previous secret must never make an empty-key HMAC acceptable); with
    no usable secret every request is rejected as a mismatch.
    """
    if not header:
        raise SignatureRejected(REASON_MISSING)
    given = _digest_from_header(header)
    matched = False
    for secret in secrets:
        if secret:
            # No early exit: the time taken does not depend on which secret matched.
            matched |= hmac.compare_digest(_expected_digest(secret, body), given)
    if not matched:
        raise SignatureRejected(REASON_MISMATCH)


def _expected_digest(secret: bytes | Secret, body: bytes) -> bytes:
    """The lowercase hex digest of `body` under `secret` (a Secret's key bytes are zeroed after use)."""
    if not isinstance(secret, Secret):
        return hmac.digest(secret, body, "sha256").hex().encode("ascii")
    with secret.bytes_view() as key:  # hmac.digest: OpenSSL's one-shot HMAC, no HMAC object
        return hmac.digest(key, body, "sha256").hex().encode("ascii")


def _digest_from_header(header: str) -> bytes:
    """The lowercase hex digest bytes of a well-formed header, else SignatureRejected(REASON_MALFORMED)."""
    try:
        raw = header.encode("ascii")
    except UnicodeEncodeError:
        raise SignatureRejected(REASON_MALFORMED) from None
    if not raw.startswith(HEADER_PREFIX):
        raise SignatureRejected(REASON_MALFORMED)
    digest = raw[len(HEADER_PREFIX) :]
    if not _HEX_DIGEST.fullmatch(digest):
        raise SignatureRejected(REASON_MALFORMED)
    return digest.lower()


def accepted_keys(current: str, previous: str = "") -> tuple[Secret, ...]:
    """The app secrets to accept: the current one and, during a rotation, the previous one (what the webhook
    view passes to `verify_meta_signature`)."""
    return tuple(Secret(secret) for secret in (current, previous) if secret)


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time equality of a handshake verify token (any characters); False when either is empty."""
    if not given or not expected:
        return False
    return hmac.compare_digest(_utf8(given), _utf8(expected))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")
