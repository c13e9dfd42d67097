"""The scripted fake-ledger answers and the calls of test_client_transport.py, kept apart from its tests.

The ids are fixed UUIDs; each builder returns one `Reply` wrapped in the ledger's answer envelope.
"""

from __future__ import annotations

from decimal import Decimal

from credex_api import services
from tests.credex_api.fake_ledger import Reply, envelope, reply_json, reply_text

ISSUER = "12732a08-ca65-4cd9-ac4b-8bb022dd5d4b"
RECEIVER = "c7b57059-8a3f-4a25-981a-6c2256e2f961"
CREDEX = "f34c89f6-5a2a-47d6-8296-03875c186a92"
MEMBER = "531af627-85c4-4170-a1ac-7c3f3655f12b"
DASHBOARD = {"member": {"memberID": MEMBER, "memberTier": 1, "remainingAvailableUSD": 10}, "accounts": []}
HTML_502 = reply_text(502, "<html><title>502 Bad Gateway</title></html>", "text/html")


def login_ok(token: str = "token-1") -> Reply:  # noqa: S107 - a test token
    details = {"memberID": MEMBER, "token": token}
    return reply_json(200, envelope("MEMBER_LOGIN", details, action_id=MEMBER, dashboard=DASHBOARD))


def found(**headers: str) -> Reply:
    details = {"accountID": RECEIVER, "accountName": "Rudo Dube Personal", "accountHandle": "rudo"}
    return reply_json(200, envelope("ACCOUNT_FOUND", details, action_id=RECEIVER), **headers)


def credex_ok() -> Reply:
    details = {
        "amount": "-5.50",
        "denomination": "USD",
        "securedCredex": True,
        "receiverAccountName": "Rudo",
        "transactionType": "OFFERS",
        "status": {},
    }
    return reply_json(200, envelope("CREDEX_RETRIEVED", details, action_id=CREDEX))


def created_ok(denom: str = "USD") -> Reply:
    details = {
        "amount": "10.50",
        "denomination": denom,
        "securedCredex": True,
        "dueDate": None,
        "acceptorAccountID": RECEIVER,
        "acceptorAccountName": "Rudo",
    }
    return reply_json(200, envelope("CREDEX_CREATED", details, action_id=CREDEX, dashboard=DASHBOARD))


def offer(client, phone):
    return services.credex_offer(
        phone=phone,
        issuer_account_id=ISSUER,
        receiver_account_id=RECEIVER,
        amount=Decimal("10.50"),
        denom="USD",
        secured=True,
        client=client,
    )


def get_credex(client, phone):
    return services.credex_get(phone=phone, credex_id=CREDEX, account_id=ISSUER, client=client)
