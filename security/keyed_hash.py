"""Keyed hashes: how a phone number, an API key or an address becomes a name that is safe to store.

`keyed_hash(value, purpose=...)` is HMAC-SHA256 of the value under a key derived from SECRET_KEY for that
purpose (Django's `salted_hmac`: the key is SHA-256 of "vimbisopay.<purpose>" + SECRET_KEY), in hex,
truncated. It is the project's one way of doing this (the ledger-token store in `credex_api.auth`, which is
handed its secret rather than reading settings, passes it in). One secret, one derived key per purpose (as
Django derives its own for sessions, signing and password resets): a hash seen in one place (an ops page, a
rate-limit counter) cannot be matched against names in another, and without SECRET_KEY no name can be tested
against a list of numbers.

`member_key_part(wa_id)` names a member inside the state Redis: conversation state, marker and lock
(`flows.store`) and inbox-stream entries (`bot.queue`). So no phone number is ever part of a key name
there, and once erasure deletes a member's keys and rewrites the append-only file, no file of that
instance holds the number (`operator_api.gdpr_redis`).

Rotating SECRET_KEY changes every keyed hash at once. For the state Redis that means: live conversations
are forgotten (a member mid-flow starts again from the menu, without the "your session timed out" notice,
since the markers are not found either); the old keys expire on their own (state after
CONVERSATION_IDLE_TTL_SECONDS, markers after a day, locks within MEMBER_LOCK_TTL_MS); during a rolling
restart an old and a new process take different locks for one member, so for those seconds that member's
messages may be handled by two processes at once (each row is still claimed once). Open confirmations
answer "not yours" (their member hash changed); rate-limit counters start again. SECRET_KEY_FALLBACKS is
deliberately not consulted: nothing here is worth keeping across a rotation. Erasure pseudonyms
(`erased-<hash>`) made after a rotation differ from those made before it.
"""

from __future__ import annotations

from django.utils.crypto import salted_hmac

HEX_DIGITS = 32  # 128 bits: no collisions among any realistic number of members
SALT_PREFIX = "vimbisopay."

MEMBER_KEY_PURPOSE = "state.member"


def keyed_hash(value: str, *, purpose: str, digits: int = HEX_DIGITS, secret: str | None = None) -> str:
    """HMAC-SHA256 of `value` under the key for `purpose` derived from `secret` (SECRET_KEY by default),
    as `digits` hex digits."""
    if not isinstance(value, str):
        raise TypeError("keyed_hash takes a str")
    message = value.encode("utf-8", "surrogatepass")
    digest = salted_hmac(SALT_PREFIX + purpose, message, secret=secret, algorithm="sha256")
    return digest.hexdigest()[:digits]


def member_key_part(wa_id: str) -> str:
    """The member's part of a state-Redis key name: a keyed hash of the wa_id, never the number."""
    if not isinstance(wa_id, str) or not wa_id:
        raise ValueError("wa_id is required")
    return keyed_hash(wa_id, purpose=MEMBER_KEY_PURPOSE)
