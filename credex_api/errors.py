"""The one error type of the ledger client, `CredexError`, and its subclasses (what callers catch).

Every failure a caller can meet is a `CredexError(status, code, reason, field, message)`:
- `CredexRejected`: the ledger answered and refused (business 4xx, schema 400, or our local validation,
  which applies the ledger's own rules before sending). Code-mapped subclasses (`code_error_class`) let
  callers catch the cases members can act on: `InsufficientSecuredBalance`, `TierLimitExceeded`, ...
  `CredexNotFound` (404) is a rejection too: for `login` it means "not a member yet, onboard".
- `CredexUnauthorized`: 401 that a re-login could not cure (or a wrong client key).
- `CredexUnavailable` ⊃ `CircuitOpen`, `CredexTimeout`, `CredexConnectionFailed`: the ledger could not be
  reached or failed (5xx). For a mutation these mean "certainly not executed"; see `CredexOutcomeUnknown`.
- `CredexBusy`: rate limited (ours or the ledger's 429); `retry_after` says when to come back.
- `CredexBadResponse`: an answer we cannot read (a 200 with an unexpected shape, non-JSON, unknown route).
- `CredexOutcomeUnknown`: a mutation may or may not have been executed (read timeout, connection lost after
  sending, 5xx or unreadable answer after sending). It is never re-sent; the instruction is reconciled.

`reason` is member-readable when the ledger or our validation gave one. Messages never contain tokens,
keys or phone numbers (the ledger's texts echo amounts and names, not phones; local texts never echo input).
"""

from __future__ import annotations


class CredexError(Exception):
    """A ledger call failed. `status` is the HTTP status (None when no answer), `code` a stable code."""

    default_code = "CREDEX_ERROR"

    def __init__(
        self,
        reason: str = "",
        *,
        status: int | None = None,
        code: str | None = None,
        field: str | None = None,
        route: str | None = None,
    ) -> None:
        self.status = status
        self.code = code or self.default_code
        self.reason = reason
        self.field = field
        self.route = route
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One line for logs and developers: route, status, code and reason."""
        where = f"{self.route} " if self.route else ""
        status = f"HTTP {self.status} " if self.status is not None else ""
        return f"{where}{status}{self.code}: {self.reason}".strip()


class CredexRejected(CredexError):  # noqa: N818 - the names callers catch
    """The ledger (or local validation with its rules) refused the request; nothing was executed."""

    default_code = "REJECTED"


class CredexInvalid(CredexRejected):
    """Invalid input: local validation before sending, or the ledger's schema 400."""

    default_code = "VALIDATION"


class CredexNotFound(CredexRejected):
    """404: member, account or credex not found."""

    default_code = "NOT_FOUND"


class CredexForbidden(CredexRejected):
    """403: the member may not act on this account or credex."""

    default_code = "FORBIDDEN"


class InsufficientSecuredBalance(CredexRejected):
    default_code = "INSUFFICIENT_SECURED_BALANCE"


class TierLimitExceeded(CredexRejected):
    default_code = "TIER_LIMIT_EXCEEDED"


class AlreadyProcessed(CredexRejected):
    """The credex was already accepted, declined or cancelled."""

    default_code = "ALREADY_PROCESSED"


class DuplicateMember(CredexRejected):
    default_code = "DUPLICATE_PHONE"


class HandleTaken(CredexRejected):
    default_code = "HANDLE_EXISTS"


class ActiveSubscriptionExists(CredexRejected):
    default_code = "ACTIVE_EXISTS"


class CredexUnauthorized(CredexError):  # noqa: N818 - the names callers catch
    """401 after the one re-login (or on a keyhole: wrong client key)."""

    default_code = "UNAUTHORIZED"


class CredexUnavailable(CredexError):  # noqa: N818 - the names callers catch
    """The ledger could not be reached or failed (5xx); for a mutation: certainly not executed."""

    default_code = "UNAVAILABLE"


class CircuitOpen(CredexUnavailable):
    """The breaker is open: no request was sent. `retry_after` seconds until the next trial."""

    default_code = "CIRCUIT_OPEN"

    def __init__(self, reason: str = "ledger circuit open", *, retry_after: float = 0.0, **kwargs) -> None:
        self.retry_after = retry_after
        super().__init__(reason, **kwargs)


class CredexTimeout(CredexUnavailable):
    default_code = "TIMEOUT"


class CredexConnectionFailed(CredexUnavailable):
    default_code = "CONNECTION_FAILED"


class CredexBusy(CredexError):  # noqa: N818 - the names callers catch
    """Rate limited (our throttle or the ledger's 429); nothing was executed. Retry after `retry_after` s."""

    default_code = "BUSY"

    def __init__(self, reason: str = "ledger busy", *, retry_after: float = 0.0, **kwargs) -> None:
        self.retry_after = retry_after
        super().__init__(reason, **kwargs)


class CredexBadResponse(CredexError):  # noqa: N818 - the names callers catch
    """An answer we cannot read: unexpected shape, not JSON, unknown route, unexpected redirect."""

    default_code = "BAD_RESPONSE"


class CredexOutcomeUnknown(CredexError):  # noqa: N818 - the names callers catch
    """A mutation may have been executed; it is never re-sent. `cause` says why the outcome is unknown."""

    default_code = "OUTCOME_UNKNOWN"

    def __init__(self, reason: str = "outcome unknown", *, cause: str = "", **kwargs) -> None:
        self.cause = cause
        super().__init__(reason, **kwargs)


# Enveloped `details.code` → subclass (status-based fallback in `error_for`).
CODE_ERRORS: dict[str, type[CredexRejected]] = {
    "INSUFFICIENT_SECURED_BALANCE": InsufficientSecuredBalance,
    "TIER_LIMIT_EXCEEDED": TierLimitExceeded,
    "TIER_REQUIREMENT": TierLimitExceeded,
    "ALREADY_ACCEPTED": AlreadyProcessed,
    "ALREADY_PROCESSED": AlreadyProcessed,
    "DUPLICATE_PHONE": DuplicateMember,
    "DUPLICATE_HANDLE": HandleTaken,
    "HANDLE_EXISTS": HandleTaken,
    "ACTIVE_EXISTS": ActiveSubscriptionExists,
    "FORBIDDEN": CredexForbidden,
    "UNAUTHORIZED": CredexForbidden,
    "UNAUTHORIZED_ACCESS": CredexForbidden,
}
STATUS_ERRORS: dict[int, type[CredexRejected]] = {
    400: CredexInvalid,
    403: CredexForbidden,
    404: CredexNotFound,
}


def _is_validation_code(code: str) -> bool:
    return code == "VALIDATION" or code.startswith(("INVALID_", "MISSING_"))


def rejection_class(status: int, code: str | None) -> type[CredexRejected]:
    """The subclass for a 4xx rejection: by code first, then by status, else plain `CredexRejected`."""
    if code in CODE_ERRORS:
        return CODE_ERRORS[code]
    if status == 400 and code and not _is_validation_code(code):
        return CredexRejected  # a business refusal reported as 400 (e.g. CREATE_FAILED, LIMIT_EXCEEDED)
    return STATUS_ERRORS.get(status, CredexRejected)
