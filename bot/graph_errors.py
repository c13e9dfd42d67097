"""Graph API error codes → handling classes (pure: no Django, no HTTP).

Meta asks integrators to act on the numeric `code` (titles are being deprecated). Each class says what the
sender and its callers do about an error:

- retry classes (`RETRY_THROTTLED`, `RETRY_PAIR_LIMIT`, `RETRY_TRANSIENT`): the message was not accepted and
  may be sent again after a backoff (`bot.sender` does this, up to `WHATSAPP_SEND_MAX_ATTEMPTS`);
- `NEEDS_TEMPLATE`: outside the 24 h window (131047) — only an approved template can reach the member;
- `TERMINAL_RECIPIENT`: this recipient cannot get this message; do not retry;
- `AUTH`, `ACCOUNT`, `SPAM_LIMIT`: page operations (token, permissions, account state, quality);
- `BUG`: our request was wrong (parameters, template format) — fix the code;
- `SECURITY`: identity-key mismatch (137000) — treat the number as untrusted, re-verify out of band;
- `OUTCOME_UNKNOWN`: not a Graph code — the request left us and no answer came back (read timeout, reset
  after sending); Meta may have accepted it, so it is never retried blindly;
- `UNKNOWN`: anything else; not retried.

Sources: Meta's "Error codes" page (`support/error-codes`) and its throughput and pair rate limit pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ErrorClass(StrEnum):
    """How an error is handled. Values fit `OutboxMessage.error_class` (≤ 24 characters)."""

    RETRY_THROTTLED = "retry_throttled"
    RETRY_PAIR_LIMIT = "retry_pair_limit"
    RETRY_TRANSIENT = "retry_transient"
    NEEDS_TEMPLATE = "needs_template"
    TERMINAL_RECIPIENT = "terminal_recipient"
    AUTH = "auth"
    BUG = "bug"
    SPAM_LIMIT = "spam_limit"
    ACCOUNT = "account"
    SECURITY = "security"
    OUTCOME_UNKNOWN = "outcome_unknown"
    UNKNOWN = "unknown"


RETRYABLE = frozenset({ErrorClass.RETRY_THROTTLED, ErrorClass.RETRY_PAIR_LIMIT, ErrorClass.RETRY_TRANSIENT})

_BY_CODE: dict[int, ErrorClass] = {
    # Throughput: per-number (130429), app (4) and WABA (80007) call rate limits.
    130429: ErrorClass.RETRY_THROTTLED,
    4: ErrorClass.RETRY_THROTTLED,
    80007: ErrorClass.RETRY_THROTTLED,
    # (business, consumer) pair rate limit: Meta says retry after 4^X seconds.
    131056: ErrorClass.RETRY_PAIR_LIMIT,
    # Generic/service unavailable, number in maintenance, Graph "temporarily unavailable" (2).
    131000: ErrorClass.RETRY_TRANSIENT,
    131016: ErrorClass.RETRY_TRANSIENT,
    131057: ErrorClass.RETRY_TRANSIENT,
    2: ErrorClass.RETRY_TRANSIENT,
    131047: ErrorClass.NEEDS_TEMPLATE,
    131026: ErrorClass.TERMINAL_RECIPIENT,
    131049: ErrorClass.TERMINAL_RECIPIENT,
    131050: ErrorClass.TERMINAL_RECIPIENT,
    131051: ErrorClass.TERMINAL_RECIPIENT,
    131062: ErrorClass.TERMINAL_RECIPIENT,
    0: ErrorClass.AUTH,
    3: ErrorClass.AUTH,
    10: ErrorClass.AUTH,
    190: ErrorClass.AUTH,
    100: ErrorClass.BUG,
    131008: ErrorClass.BUG,
    131009: ErrorClass.BUG,
    131048: ErrorClass.SPAM_LIMIT,
    131064: ErrorClass.SPAM_LIMIT,
    368: ErrorClass.ACCOUNT,
    131031: ErrorClass.ACCOUNT,
    130497: ErrorClass.ACCOUNT,
    137000: ErrorClass.SECURITY,
}

_RANGES: tuple[tuple[int, int, ErrorClass], ...] = (
    (200, 299, ErrorClass.AUTH),  # permission errors
    (132000, 132016, ErrorClass.BUG),  # template parameter count/format/policy
)

_TITLE_MAX = 200


@dataclass(frozen=True, slots=True)
class GraphError:
    """One error answer from the Graph API (or a transport failure, with `code=None`)."""

    code: int | None
    title: str
    klass: ErrorClass
    http_status: int | None = None

    @property
    def retryable(self) -> bool:
        """Whether the message was certainly not accepted and may be sent again after a backoff."""
        return self.klass in RETRYABLE


def classify(code: int | None, http_status: int | None = None) -> ErrorClass:
    """The handling class of a Graph error code; an unlisted or missing code falls back on the HTTP status.

    A 5xx answer without a listed code is transient (the server failed; nothing was accepted); a bare 429 is
    throttling; anything else unlisted is `UNKNOWN` and not retried.
    """
    if code is not None:
        if code in _BY_CODE:
            return _BY_CODE[code]
        for low, high, klass in _RANGES:
            if low <= code <= high:
                return klass
    if http_status is not None and 500 <= http_status <= 599:
        return ErrorClass.RETRY_TRANSIENT
    if http_status == 429:
        return ErrorClass.RETRY_THROTTLED
    return ErrorClass.UNKNOWN


def from_response(http_status: int, body: Any) -> GraphError:
    """A `GraphError` from a non-200 answer: Graph error JSON `{"error": {"code", "message"|"title"}}` or not.

    Only the code and a short title are kept: `error_data.details` may quote recipient data, so it is dropped.
    """
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return GraphError(None, f"HTTP {http_status}", classify(None, http_status), http_status)
    raw_code = error.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    title = error.get("title") or error.get("message") or f"HTTP {http_status}"
    return GraphError(code, str(title)[:_TITLE_MAX], classify(code, http_status), http_status)
