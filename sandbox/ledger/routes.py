"""The contract routes: path name → handler, schema, keyhole flag (POST, no prefix)."""

from __future__ import annotations

from sandbox.ledger import accounts, credexes, lifecycle, members, reads, recurring, schemas
from sandbox.ledger.calls import Route

CONTRACT_ROUTES: tuple[Route, ...] = (
    Route("login", members.login, schemas.LOGIN, keyhole=True),
    Route("onboardMember", members.onboard_member, schemas.ONBOARD_MEMBER, keyhole=True),
    Route("getAccountByHandle", accounts.get_account_by_handle, schemas.GET_ACCOUNT_BY_HANDLE),
    Route("createCredex", credexes.create_credex, schemas.CREATE_CREDEX),
    Route("acceptCredex", lifecycle.accept_credex, schemas.CREDEX_ID),
    Route("acceptCredexBulk", lifecycle.accept_credex_bulk, schemas.ACCEPT_BULK),
    Route("declineCredex", lifecycle.decline_credex, schemas.CREDEX_ID),
    Route("cancelCredex", lifecycle.cancel_credex, schemas.CREDEX_ID),
    Route("getCredex", reads.get_credex, schemas.GET_CREDEX),
    Route("getLedger", reads.get_ledger, schemas.GET_LEDGER),
    Route("createAccount", accounts.create_account, schemas.CREATE_ACCOUNT),
    Route("authorizeForAccount", accounts.authorize_for_account, schemas.AUTHORIZE_FOR_ACCOUNT),
    Route("unauthorizeForAccount", accounts.unauthorize_for_account, schemas.UNAUTHORIZE_FOR_ACCOUNT),
    Route("updateSendOffersTo", accounts.update_send_offers_to, schemas.UPDATE_SEND_OFFERS_TO),
    Route("createRecurring", recurring.create_recurring, schemas.CREATE_RECURRING),
)
ROUTE_NAMES = tuple(route.name for route in CONTRACT_ROUTES)
