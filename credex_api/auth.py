"""Member tokens for the ledger: the newest one per member in the cache Redis, and single-flight login.

- The ledger issues a JWT at login/onboarding (in the body) and re-signs it on every authenticated answer
  (in the `Authorization` response header); it expires after 5 idle minutes. We keep the newest token per
  member for `ttl` seconds (240 < 300), so an expired token is rarely ever sent.
- The key is a keyed hash of the phone number (`security.keyed_hash`, purpose "credex.token", under the
  secret the store is given: Django's SECRET_KEY), never the number itself: the cache Redis holds no phone
  numbers, and a dump of it cannot be reversed by enumerating numbers without the secret.
- `obtain(phone, stale=..., login=...)`: a usable token. If the cached token is missing or is the `stale`
  one a call was just refused with, exactly one caller (across threads and processes: `SET NX PX` lock)
  runs `login()`; the others wait for its token and use it. If the lock holder fails, each waiter tries
  once itself, so a failed login never leaves anyone waiting forever (wait bounded by `wait_seconds`, and
  by the turn's ledger deadline, `credex_api.deadline`).
- A refreshed token is written only once the token it replaces has been idle a minute (`put_refreshed`).
- A member's token and login lock are registered in `security.member_redis` (GDPR export and erasure).
- If the cache Redis fails, tokens are simply not cached (each call logs in first, logged at most once a
  minute): slower, but members are still served (the cache holds nothing that cannot be rebuilt).
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable

import jwt
import redis
from django.conf import settings

from credex_api.deadline import remaining
from credex_api.errors import CredexTimeout
from security import member_redis
from security.keyed_hash import keyed_hash

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.01
REFRESH_STORE_AFTER_SECONDS = 60.0
MILLISECONDS_THRESHOLD = 1e11  # a Unix time above this is in milliseconds
REDIS_WARNING_EVERY_SECONDS = 60.0
KEY_PURPOSE = "credex.token"  # the keyed hash naming a member's token key (not a secret)

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def token_key(key_prefix: str, secret: str, phone: str) -> str:
    """The Redis key of a member's token (a keyed hash of the phone, never the phone)."""
    return f"{key_prefix}:credex:token:{keyed_hash(phone, purpose=KEY_PURPOSE, secret=secret)}"


def login_lock_key(token_key: str) -> str:
    """The single-flight login lock beside a member's token key."""
    return token_key + ":login"


class TokenStore:
    """Tokens per member (keyed by an HMAC of the phone) with single-flight re-login."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        secret: str,
        ttl_seconds: int,
        lock_seconds: float,
        wait_seconds: float,
        key_prefix: str = "vp",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._redis = client
        self._secret = secret
        self._ttl = ttl_seconds
        self._lock_ms = int(lock_seconds * 1000)
        self._wait = wait_seconds
        self._prefix = key_prefix
        self._sleep = sleep
        self._release = client.register_script(_RELEASE)
        self._warned_at = float("-inf")

    def member_key(self, phone: str) -> str:
        """The Redis key of a member's token (a keyed hash of the phone, never the phone)."""
        return token_key(self._prefix, self._secret, phone)

    def get(self, phone: str) -> str | None:
        try:
            value = self._redis.get(self.member_key(phone))
        except redis.RedisError:
            self._redis_failed()
            return None
        return value.decode() if value else None

    def put(self, phone: str, token: str) -> None:
        """Keep `token` as the member's newest, for `ttl` seconds from now."""
        try:
            self._redis.set(self.member_key(phone), token, ex=self._ttl)
        except redis.RedisError:
            self._redis_failed()

    def put_refreshed(self, phone: str, token: str, *, sent: str | None, now: float) -> None:
        """Keep a token the ledger refreshed, unless the token just `sent` was itself refreshed less than
        `REFRESH_STORE_AFTER_SECONDS` ago: its idle window is then still nearly whole, and its cache TTL
        (inside that window) retires it in time. Saves a Redis write on most calls of a conversation."""
        if sent is not None and now - last_activity(sent) < REFRESH_STORE_AFTER_SECONDS:
            return
        self.put(phone, token)

    def forget(self, phone: str) -> None:
        self._redis.delete(self.member_key(phone))

    def obtain(self, phone: str, *, stale: str | None, login: Callable[[], str]) -> str:
        """A token other than `stale`: the cached one, or one login shared by all concurrent callers."""
        current = self.get(phone)
        if current and current != stale:
            return current
        lock_key = login_lock_key(self.member_key(phone))
        turn_left = remaining()  # the turn's ledger deadline bounds this wait too
        deadline = time.monotonic() + (self._wait if turn_left is None else min(self._wait, turn_left))
        while True:
            owner = uuid.uuid4().hex
            try:
                locked = self._redis.set(lock_key, owner, nx=True, px=self._lock_ms)
            except redis.RedisError:
                self._redis_failed()
                return login()  # no shared lock without Redis: this caller logs in on its own
            if locked:
                return self._login_holding_lock(phone, lock_key, owner, stale, login)
            fresh = self._wait_for_other(phone, lock_key, stale, deadline)
            if fresh:
                return fresh
            # The holder let go without a token (its login failed): take the lock and try ourselves.

    def _login_holding_lock(
        self, phone: str, lock_key: str, owner: str, stale: str | None, login: Callable[[], str]
    ) -> str:
        try:
            current = self.get(phone)
            if current and current != stale:
                return current  # another caller finished its login just before we took the lock
            token = login()
            self.put(phone, token)
            return token
        finally:
            with contextlib.suppress(redis.RedisError):
                self._release(keys=[lock_key], args=[owner])

    def _wait_for_other(self, phone: str, lock_key: str, stale: str | None, deadline: float) -> str | None:
        """The token another caller's login produces; None when its lock went away without one."""
        while True:
            current = self.get(phone)
            if current and current != stale:
                return current
            if not self._lock_held(lock_key):
                current = self.get(phone)
                return current if current and current != stale else None
            if time.monotonic() > deadline:
                raise CredexTimeout("timed out waiting for another login to the ledger")
            self._sleep(POLL_SECONDS)

    def _lock_held(self, lock_key: str) -> bool:
        try:
            return bool(self._redis.exists(lock_key))
        except redis.RedisError:
            self._redis_failed()
            return False

    def _redis_failed(self) -> None:
        now = time.monotonic()
        if now - self._warned_at >= REDIS_WARNING_EVERY_SECONDS:
            self._warned_at = now
            logger.warning("credex tokens: cache Redis failed; logging members in without the cache")


def last_activity(token: str) -> float:
    """The `lastActivity` claim of a ledger token in Unix seconds (unverified: we only read our own
    token's age; the ledger verifies it); 0.0 when it cannot be read, so the refreshed token is kept."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        value = float(claims["lastActivity"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return 0.0
    return value / 1000 if value > MILLISECONDS_THRESHOLD else value


def _member_keys(_conn: redis.Redis, phone: str) -> list[str]:
    key = token_key(settings.REDIS_KEY_PREFIX, settings.SECRET_KEY, phone)  # as `credex_api.client` builds it
    return [key, login_lock_key(key)]


member_redis.register(
    member_redis.MemberData(
        "ledger_token", member_redis.CACHE, "the member's ledger session token and its login lock", __name__,
        find=_member_keys, export=lambda conn, phone: bool(conn.exists(_member_keys(conn, phone)[0])),
    )
)  # fmt: skip
