"""The request schema of every contract route (which fields, which checks, which are required).

Fields not listed are dropped before the handler sees the body, as in the real service. Where the real
schemas and controllers disagree on a field name (unauthorize/updateSendOffersTo), both names are accepted.
"""

from sandbox.ledger.validation import (
    Field,
    check_account_name,
    check_account_type,
    check_amount,
    check_boolean,
    check_credex_ids,
    check_credex_type,
    check_denomination,
    check_handle,
    check_name,
    check_num_rows,
    check_offers_or_requests,
    check_optional_date,
    check_phone,
    check_start_row,
    check_text,
    check_uuid,
    passthrough,
)

LOGIN = (Field("phone", check_phone),)

ONBOARD_MEMBER = (
    Field("firstname", check_name),
    Field("lastname", check_name),
    Field("phone", check_phone),
    Field("defaultDenom", check_denomination),
)

GET_ACCOUNT_BY_HANDLE = (Field("accountHandle", check_handle),)

CREATE_CREDEX = (
    Field("issuerAccountID", check_uuid),
    Field("receiverAccountID", check_uuid),
    Field("Denomination", check_denomination),
    Field("InitialAmount", check_amount),
    Field("credexType", check_credex_type),
    Field("OFFERSorREQUESTS", check_offers_or_requests),
    Field("securedCredex", check_boolean),
    Field("dueDate", check_optional_date, required=False),
)

CREDEX_ID = (Field("credexID", check_uuid),)

ACCEPT_BULK = (Field("credexIDs", check_credex_ids),)

# accountID is required: credex-core's GetCredexController (src/api/Credex/controllers/getCredex.ts) refuses a
# missing one, and GetCredexService matches the credex through that account (v1 and Dec-2024).
GET_CREDEX = (Field("credexID", check_uuid), Field("accountID", check_uuid))

GET_LEDGER = (
    Field("accountID", check_uuid),
    Field("startRow", check_start_row, required=False),
    Field("numRows", check_num_rows, required=False),
)

CREATE_ACCOUNT = (
    Field("accountType", check_account_type),
    Field("accountName", check_account_name),
    Field("accountHandle", check_handle),
    Field("defaultDenom", check_denomination),
)

AUTHORIZE_FOR_ACCOUNT = (
    Field("accountID", check_uuid),
    Field("memberHandleToBeAuthorized", check_handle),
)

UNAUTHORIZE_FOR_ACCOUNT = (
    Field("accountID", check_uuid),
    Field("memberID", check_uuid, aliases=("memberIDtoBeUnauthorized",)),
)

UPDATE_SEND_OFFERS_TO = (
    Field("accountID", check_uuid),
    Field("memberID", check_uuid, aliases=("memberIDtoSendOffers",)),
)

CREATE_RECURRING = (
    Field("sourceAccountID", check_uuid),
    Field("templateType", check_text),
    Field("targetAccountID", check_uuid, required=False),
    Field("startDate", check_optional_date, required=False),
    Field("memberTier", passthrough, required=False),
    Field("amount", passthrough, required=False),
    Field("denomination", passthrough, required=False),
    Field("payFrequency", passthrough, required=False),
    Field("securedCredex", passthrough, required=False),
)

DEFAULT_LEDGER_PAGE = {"startRow": 0, "numRows": 10}
