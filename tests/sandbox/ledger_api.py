"""Thin HTTP helpers for the sandbox tests: raw POSTs, onboarding, tokens (no client logic on purpose).

These tests exercise the sandbox itself, so the helpers send exactly what they are told and return the raw
`requests.Response`; the guarded client in `credex_api/` is tested elsewhere against the same server.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests

from tests.support.sandbox_server import SandboxServer

_phones = itertools.count(1)


def new_phone() -> str:
    """A unique phone number (Zimbabwe-shaped digits) for this test run."""
    return f"26377{next(_phones):07d}"


@dataclass
class Member:
    """An onboarded member as the tests need it."""

    phone: str
    member_id: str
    account_id: str
    token: str

    @property
    def handle(self) -> str:
        return self.phone


class LedgerApi:
    """POST helpers against one sandbox server."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.session = requests.Session()

    def post(
        self,
        route: str,
        body: Any = None,
        *,
        token: str | None = None,
        client_key: str | None = None,
        data: bytes | None = None,
        headers: dict | None = None,
    ) -> requests.Response:
        """One POST; the client key is always sent (like the bot), the Bearer token when given."""
        sent = {"x-client-api-key": client_key or self.server.client_api_key, **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
            return self.session.post(f"{self.server.url}/{route}", data=data, headers=sent, timeout=30)
        return self.session.post(f"{self.server.url}/{route}", json=body or {}, headers=sent, timeout=30)

    def onboard(
        self, first: str = "Tendai", last: str = "Moyo", denom: str = "USD", phone: str = ""
    ) -> Member:
        """Onboard a new member (201) and return their ids and token."""
        phone = phone or new_phone()
        body = {"firstname": first, "lastname": last, "phone": phone, "defaultDenom": denom}
        response = self.post("onboardMember", body)
        assert response.status_code == 201, response.text
        details = response.json()["data"]["action"]["details"]
        return Member(phone, details["memberID"], details["defaultAccountID"], details["token"])

    def login(self, phone: str) -> requests.Response:
        return self.post("login", {"phone": phone})

    def dashboard(self, member: Member) -> dict:
        """The member's first account dashboard, read through login."""
        response = self.login(member.phone)
        assert response.status_code == 200, response.text
        return response.json()["data"]["dashboard"]["accounts"][0]

    def offer(
        self, issuer: Member, receiver_id: str, amount: Any, denom: str = "USD", **extra: Any
    ) -> requests.Response:
        """createCredex as the bot sends it (secured PURCHASE offer unless told otherwise)."""
        body = {
            "issuerAccountID": issuer.account_id,
            "receiverAccountID": receiver_id,
            "Denomination": denom,
            "InitialAmount": amount,
            "credexType": "PURCHASE",
            "OFFERSorREQUESTS": "OFFERS",
            "securedCredex": True,
            **extra,
        }
        return self.post("createCredex", body, token=issuer.token)

    def account_id(self, handle: str, token: str) -> str:
        response = self.post("getAccountByHandle", {"accountHandle": handle}, token=token)
        assert response.status_code == 200, response.text
        return response.json()["data"]["action"]["details"]["accountID"]


def action_of(response: requests.Response) -> dict:
    """`data.action` of an enveloped answer."""
    return response.json()["data"]["action"]


def code_of(response: requests.Response) -> str:
    """`data.action.details.code` of an enveloped error."""
    return action_of(response)["details"]["code"]


def credex_id(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    return action_of(response)["id"]


def money(text: str) -> Decimal:
    """`"-1,234.50 USD"` → Decimal("-1234.50")."""
    return Decimal(text.partition(" ")[0].replace(",", ""))


def concurrently(calls: list, timeout: float = 60.0) -> list:
    """Run the callables in threads released together by a Barrier; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait(timeout=timeout)
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def exact(response: requests.Response) -> Any:
    """The JSON body with every non-integer number as Decimal (never float)."""
    return json.loads(response.text, parse_float=Decimal)
