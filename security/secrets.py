"""`Secret`: a wrapper for a secret value that never shows it by accident.

    key = Secret(settings.WHATSAPP_APP_SECRET)
    repr(key), str(key), f"{key}", "%s" % key   # all "Secret('****')", also in logs and tracebacks
    with key.bytes_view() as raw:               # a bytearray copy, zeroed when the block ends
        hmac.new(raw, body, hashlib.sha256)
    key.reveal()                                # the value as str, only where it must be used

The value is held in a private `bytearray` (UTF-8), overwritten by `wipe()` and, at the latest, when the
Secret is garbage-collected. Pickling and copying refuse (a copy would escape the wipe), and `==` compares
in constant time.

What this does NOT achieve, honestly (CPython; pyca/cryptography's "Known security limitations"):
- `str` and `bytes` are immutable: the `str` a Secret was built from (and the one in `os.environ`, and the
  one python-decouple read from `.env`, and the settings attribute) stays in memory until the garbage
  collector frees it, and even then the freed memory is not overwritten. Every `reveal()` makes one more
  such copy. A Secret cannot clean those up; it only avoids adding long-lived copies of its own.
- Short strings may be interned or cached and live for the whole process.
- Zeroing a bytearray clears that one buffer only. Anything that copied from it (OpenSSL's HMAC context,
  `bytes(raw)`, a slice, an exception message) is outside its reach; a bytearray that grew may have left
  its old buffer behind, unzeroed. `hmac.new` copies the key into OpenSSL, which clears it on free.
- Memory can still reach swap or a core dump: deploy with swap off and `RLIMIT_CORE=0` where it matters.
The promise is therefore narrow: no accidental disclosure through repr/str/format/logging/pickle, and the
key bytes this code hands to HMAC live in a buffer that is overwritten right after use.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager

SHOWN = "Secret('****')"


class Secret:
    """A secret string: shown as `Secret('****')`, revealed only on purpose."""

    __slots__ = ("__weakref__", "_buffer")

    def __init__(self, value: str | bytes | bytearray | Secret) -> None:
        if isinstance(value, Secret):
            value = value._buffer
        if isinstance(value, str):
            value = value.encode("utf-8", "surrogatepass")
        if not isinstance(value, bytes | bytearray):
            raise TypeError("a Secret holds str or bytes")
        self._buffer = bytearray(value)

    def reveal(self) -> str:
        """The value as a new `str` (an immutable copy the wrapper cannot wipe: use it briefly)."""
        return self._buffer.decode("utf-8", "surrogatepass")

    @contextmanager
    def bytes_view(self) -> Iterator[bytearray]:
        """A bytearray copy of the value, overwritten with zeros when the `with` block ends."""
        view = bytearray(self._buffer)
        try:
            yield view
        finally:
            zero(view)

    def wipe(self) -> None:
        """Overwrite the wrapper's own buffer with zeros and empty it (the Secret is then "")."""
        zero(self._buffer)
        self._buffer.clear()

    def __del__(self) -> None:
        # CPython finalises at the last reference: the wrapper's own copy is zeroed before it is freed.
        buffer = getattr(self, "_buffer", None)
        if buffer is not None:
            zero(buffer)

    def __bool__(self) -> bool:
        return bool(self._buffer)

    def __len__(self) -> int:
        return len(self._buffer)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._buffer, other._buffer)

    __hash__ = None  # type: ignore[assignment]  # mutable (wipe) and secret: never a dict key

    def __repr__(self) -> str:
        return SHOWN

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return SHOWN

    def __reduce__(self) -> tuple:
        raise TypeError("a Secret cannot be pickled")

    def __copy__(self) -> Secret:
        raise TypeError("a Secret cannot be copied")

    def __deepcopy__(self, memo: dict) -> Secret:
        raise TypeError("a Secret cannot be copied")


def zero(buffer: bytearray) -> None:
    """Overwrite every byte of `buffer` with 0, in place (its length is kept)."""
    buffer[:] = bytes(len(buffer))
