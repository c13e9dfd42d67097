"""The one table of ledger error answers that prove a mutation wrote nothing (pure).

credex-core commits and then answers errors in several places: `CreateCredexService` creates the credex and
then signs it, and a signing failure comes back as 400 `{credex:false}` / `SIGNATURE_ERROR`; the create and
accept controllers answer 404 "Failed to fetch dashboard data" after the commit; a bulk accept's 400 can
follow accepts whose signature failed. So an error answer to a mutation means "failed" only when it is
listed here: answers produced before anything is written (authentication, the rate limiter, schema
validation, and the controllers' and services' pre-checks). Every other error answer to a mutation — any
5xx, `CREATE_FAILED`, `SIGNATURE_ERROR`, an uncoded 4xx — leaves the outcome unknown
(`credex_api.policy` raises `CredexOutcomeUnknown`; the instruction goes to reconciliation).

Rows are (route, status, code): `code` is the ledger's `details.code`; `VALIDATION` is the schema layer's
bare `{"message"}` 400 and `ROUTE_NOT_FOUND` the unknown-route 404 (`credex_api.responses` gives these
shapes their codes; other unenveloped 4xx bodies are `UNCODED` and never match). `ANY` matches every route
or code. `source` cites the credex-core file and function (Great-Sun-Group/credex-core, branch `v01-tests`
unless it is an envelope-era check).
"""

from __future__ import annotations

from dataclasses import dataclass

from credex_api.endpoints import MUTATIONS
from credex_api.errors import CredexError, CredexOutcomeUnknown

ANY = "*"


@dataclass(frozen=True, slots=True)
class Refusal:
    route: str
    status: int
    code: str
    source: str


def _rows(route: str, status: int, codes: str, source: str) -> list[Refusal]:
    return [Refusal(route, status, code, source) for code in codes.split()]


_CREATE = "src/api/Credex/controllers/createCredex.ts CreateCredexController"
_ACCEPT = "src/api/Credex/services/AcceptCredex.ts AcceptCredexService"
_SETTINGS = "src/api/Account/services/AuthorizeForAccount.ts AuthorizeForAccountService"
_RECURRING = "src/api/Recurring/services/CreateRecurring.ts CreateRecurringService"
_DECLINE = "src/api/Credex/services/DeclineCredex.ts DeclineCredexService: executeRead check"
_CANCEL = "src/api/Credex/services/CancelCredex.ts CancelCredexService: executeRead check"
_UNAUTHORIZE = "src/api/Account/services/UnauthorizeForAccount.ts UnauthorizeForAccountService: no match"
_OFFERS_TO = "src/api/Account/services/UpdateSendOffersTo.ts UpdateSendOffersToService: MATCH empty"

REFUSALS: tuple[Refusal, ...] = tuple(
    [
        # Middleware, before every router (src/index.ts: rateLimiter, applyAuthMiddleware, then the routes).
        *_rows(ANY, 401, ANY, "src/middleware/authMiddleware.ts authMiddleware (and the client-key check)"),
        *_rows(ANY, 429, ANY, "src/middleware/rateLimiter.ts rateLimiter"),
        *_rows(ANY, 400, "VALIDATION", "src/middleware/validateRequest.ts validateRequest (bare {message})"),
        *_rows(ANY, 404, "ROUTE_NOT_FOUND", "src/middleware/errorHandler.ts notFoundHandler"),
        # createCredex: the controller's checks run before CreateCredexService is called.
        *_rows("createCredex", 400, "INVALID_ACCOUNTS MISSING_PARAMS", f"{_CREATE}: input checks"),
        *_rows("createCredex", 400, "MISSING_DUE_DATE INVALID_DUE_DATE", f"{_CREATE}: checkDueDate"),
        *_rows("createCredex", 403, "TIER_LIMIT_EXCEEDED", f"{_CREATE}: AuthForTierSpendLimitController"),
        *_rows("createCredex", 403, "FORBIDDEN", f"{_CREATE}: access checked before the service"),
        *_rows(
            "createCredex",
            400,
            "INSUFFICIENT_SECURED_BALANCE",
            "src/api/Credex/services/CreateCredex.ts CreateCredexService: returns before the CREATE query",
        ),
        *_rows(
            "createCredex",
            403,
            "INSUFFICIENT_SECURED_BALANCE",
            "src/api/Credex/services/CreateCredex.ts CreateCredexService (403 in the newest controller)",
        ),
        # acceptCredex: a read checks the credex first; the write's MATCH finding nothing writes nothing.
        *_rows("acceptCredex", 404, "CREDEX_NOT_FOUND", f"{_ACCEPT}: executeRead check, 'Credex not found'"),
        *_rows("acceptCredex", 409, "ALREADY_ACCEPTED", f"{_ACCEPT}: executeRead check, 'already accepted'"),
        *_rows(
            "acceptCredex",
            400,
            "ACCEPT_FAILED",
            "src/api/Credex/controllers/acceptCredex.ts AcceptCredexController: service null (no MATCH)",
        ),
        # declineCredex / cancelCredex: executeRead checks before executeWrite.
        *_rows("declineCredex", 404, "NOT_FOUND", _DECLINE),
        *_rows("declineCredex", 409, "ALREADY_PROCESSED", _DECLINE),
        *_rows("declineCredex", 403, "UNAUTHORIZED", _DECLINE),
        *_rows("cancelCredex", 404, "NOT_FOUND", _CANCEL),
        *_rows("cancelCredex", 409, "ALREADY_PROCESSED", _CANCEL),
        *_rows("cancelCredex", 403, "UNAUTHORIZED", _CANCEL),
        # onboardMember: the member CREATE is refused whole by the uniqueness constraints.
        *_rows(
            "onboardMember",
            409,
            "DUPLICATE_PHONE DUPLICATE_HANDLE",
            "src/api/Member/services/OnboardMember.ts OnboardMemberService: ConstraintValidationFailed",
        ),
        *_rows(
            "onboardMember",
            400,
            "INVALID_DENOMINATION MISSING_PARAMS",
            "src/api/Member/services/OnboardMember.ts OnboardMemberService: checks before the CREATE",
        ),
        # createAccount: the tier read runs before the write; a taken handle fails the one CREATE.
        *_rows(
            "createAccount",
            403,
            "TIER_LIMIT_EXCEEDED",
            "src/api/Account/services/CreateAccount.ts CreateAccountService: tierCheck executeRead",
        ),
        *_rows(
            "createAccount",
            409,
            "HANDLE_EXISTS",
            "src/api/Account/services/CreateAccount.ts CreateAccountService: one CREATE",
        ),
        # authorizeForAccount: the tier read first; the limit and the MATCH decide inside the one write.
        *_rows("authorizeForAccount", 403, "TIER_REQUIREMENT FORBIDDEN", f"{_SETTINGS}: getMemberTier read"),
        *_rows("authorizeForAccount", 400, "LIMIT_EXCEEDED", f"{_SETTINGS}: limit reached, no MERGE"),
        *_rows("authorizeForAccount", 404, "MEMBER_NOT_FOUND ACCOUNT_NOT_FOUND", f"{_SETTINGS}: MATCH empty"),
        # unauthorizeForAccount / updateSendOffersTo: one write whose MATCH must hold; none → no write.
        *_rows("unauthorizeForAccount", 404, "MEMBER_NOT_AUTHORIZED ACCOUNT_NOT_FOUND", _UNAUTHORIZE),
        *_rows("unauthorizeForAccount", 403, "FORBIDDEN", _UNAUTHORIZE),
        *_rows("updateSendOffersTo", 400, "MEMBER_NOT_AUTHORIZED", _OFFERS_TO),
        *_rows("updateSendOffersTo", 403, "FORBIDDEN", _OFFERS_TO),
        *_rows("updateSendOffersTo", 404, "ACCOUNT_NOT_FOUND", _OFFERS_TO),
        # createRecurring: the controller's subscription rules, then the ownership read.
        *_rows(
            "createRecurring",
            400,
            "INVALID_TEMPLATE_TYPE INVALID_TIER INVALID_AMOUNT INVALID_DENOMINATION INVALID_FREQUENCY "
            "INVALID_SECURITY ACTIVE_EXISTS",
            "src/api/Recurring/controllers/createRecurring.ts CreateRecurringController",
        ),
        *_rows("createRecurring", 403, "UNAUTHORIZED", f"{_RECURRING}: authCheck executeRead (isOwner)"),
        *_rows("createRecurring", 404, "ACCOUNT_NOT_FOUND NOT_FOUND", f"{_RECURRING}: authCheck executeRead"),
    ]
)
_INDEX = frozenset((row.route, row.status, row.code) for row in REFUSALS)


def before_any_write(route: str, status: int, code: str | None) -> bool:
    """Whether this error answer to `route` is listed as produced before the ledger wrote anything."""
    return any((where, status, what) in _INDEX for where in (route, ANY) for what in (code, ANY))


def proves_nothing_written(error: CredexError) -> bool:
    """Whether a failed mutation call certainly changed nothing at the ledger: no answer at all (the client
    raises those only for requests that never left: local checks, breaker, throttle, connect failures), a
    failure of another call first (the login), or a listed refusal of the mutation itself."""
    if isinstance(error, CredexOutcomeUnknown):
        return False
    if error.status is None or error.route not in MUTATIONS:
        return True
    return before_any_write(error.route, error.status, error.code)
