"""Rate limits on inbound WhatsApp messages, per verified `wa_id` (defaults: 100 a day for numbers that are
not members, 1000 for members), and never a 429 to Meta: the webhook always acknowledges.

`inbound_decision(wa_id)` is asked once per stored message, before its turn: ALLOW (process it), NOTICE
(over a limit: answer once with `SLOW_DOWN` and skip the turn) or SILENT (still over the limit after the
notice: store it as processed, answer nothing, until the window ends). Both windows (a minute and a day),
the member flag (set by `flows.ledger` when the ledger logs the number in) and the once-per-window notice are
decided in ONE Lua script on the cache Redis: one round trip per message, atomic across processes. Key
names carry an HMAC of the number, never the number (`security.ratelimit.counter_key`). If the cache Redis is
down, plain chat fails OPEN (logged): money steps have their own fail-closed limit.
"""

from __future__ import annotations

import logging
from enum import Enum

import redis
from django.conf import settings
from django.core.cache import caches

from security.ratelimit import counter_key
from security.redaction import mask_phone

logger = logging.getLogger(__name__)
KEY_NAMES = ("inbound_minute", "inbound_day", "member", "inbound_notice")
SLOW_DOWN = (
    "You are sending messages faster than I can safely handle, so I will pause for a little while. "
    "Please wait a minute and try again."
)

# KEYS: minute counter, day counter, member flag, notice flag.
# ARGV: per-minute limit, per-day limit for members, per-day limit for others.  → 'allow'|'notice'|'silent'
_DECIDE = """
local function count(key, window_ms)
  local n = redis.call('INCR', key)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, window_ms) end
  return n
end
local minute = count(KEYS[1], 60000)
local day = count(KEYS[2], 86400000)
local per_day = tonumber(ARGV[3])
if redis.call('EXISTS', KEYS[3]) == 1 then per_day = tonumber(ARGV[2]) end
if minute <= tonumber(ARGV[1]) and day <= per_day then return 'allow' end
local window = redis.call('PTTL', KEYS[1])
if day > per_day then window = redis.call('PTTL', KEYS[2]) end
if redis.call('SET', KEYS[4], '1', 'NX', 'PX', math.max(window, 1000)) then return 'notice' end
return 'silent'
"""


class Decision(Enum):
    ALLOW = "allow"
    NOTICE = "notice"
    SILENT = "silent"


def inbound_decision(wa_id: str) -> Decision:
    """Count this message for `wa_id` and say whether to process it."""
    keys = [counter_key(name, wa_id) for name in KEY_NAMES]
    args = [settings.INBOUND_PER_MINUTE, settings.INBOUND_PER_DAY_MEMBER, settings.INBOUND_PER_DAY_GUEST]
    try:
        client = caches["default"].client.get_client(write=True)
        decision = Decision(_text(client.register_script(_DECIDE)(keys=keys, args=args)))
    except redis.RedisError as exc:
        reason = type(exc).__name__
        logger.warning("inbound rate limit unavailable (%s); serving %s", reason, mask_phone(wa_id))
        return Decision.ALLOW
    if decision is not Decision.ALLOW:
        logger.warning("inbound rate limit reached for %s (%s)", mask_phone(wa_id), decision.value)
    return decision


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
