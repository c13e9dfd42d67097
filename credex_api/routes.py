"""The ledger routes the client calls, and what the retry policy may do with each (pure).

`keyhole` routes take the client key only (no member token); `mutation` routes change the ledger and have
no idempotency key, so once they may have reached the ledger they are never sent again (MO-5). `login`
changes nothing a member can see (it only mints a token), so it is retried like a read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    keyhole: bool = False
    mutation: bool = False


LOGIN = Route("login", keyhole=True)
ONBOARD_MEMBER = Route("onboardMember", keyhole=True, mutation=True)
GET_ACCOUNT_BY_HANDLE = Route("getAccountByHandle")
CREATE_CREDEX = Route("createCredex", mutation=True)
ACCEPT_CREDEX = Route("acceptCredex", mutation=True)
ACCEPT_CREDEX_BULK = Route("acceptCredexBulk", mutation=True)
DECLINE_CREDEX = Route("declineCredex", mutation=True)
CANCEL_CREDEX = Route("cancelCredex", mutation=True)
GET_CREDEX = Route("getCredex")
GET_LEDGER = Route("getLedger")
CREATE_ACCOUNT = Route("createAccount", mutation=True)
AUTHORIZE_FOR_ACCOUNT = Route("authorizeForAccount", mutation=True)
UNAUTHORIZE_FOR_ACCOUNT = Route("unauthorizeForAccount", mutation=True)
UPDATE_SEND_OFFERS_TO = Route("updateSendOffersTo", mutation=True)
CREATE_RECURRING = Route("createRecurring", mutation=True)
