"""What each instruction action does: its ledger operation, its local check, its stored parameters (pure
except for calling `credex_api.services`).

`ACTIONS[name]` gives an `ActionSpec`: `validate(params)` applies the ledger's rules before a row is stored
(so a bad instruction is refused with a clear reason and never saved), `run(phone=, client=, priority=,
**params)` performs it (`priority`: its throttle class, default `MONEY`), `ref(result)` names what it
produced at the ledger (a credexID, accountID, ...).
Parameters are the service function's keyword arguments; `encode_params`/`decode_params` store them as JSON
(`Decimal` amounts as exact strings, dates as ISO strings). `receiver_account_name` is an optional hint for
offers (not sent to the ledger): it lets reconciliation match the counterparty by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from credex_api import bodies, services
from credex_api.errors import CredexInvalid

DECIMAL_PARAMS = frozenset({"amount"})
DATE_PARAMS = frozenset({"due_date", "start_date"})
HINT_PARAMS = frozenset({"receiver_account_name"})


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    service: Callable[..., Any]
    body: Callable[..., dict]
    ref: Callable[[Any], str]

    def validate(self, params: dict) -> None:
        """The ledger's rules, applied without sending anything (raises `CredexInvalid`)."""
        try:
            self.body(**_without_hints(params))
        except TypeError as exc:  # a missing or unexpected parameter is a programming error, said clearly
            raise CredexInvalid(f"bad parameters for {self.name}", code="INVALID_PARAMS") from exc

    def run(self, *, phone: str, client: Any = None, priority: Any = None, **params: Any) -> Any:
        return self.service(phone=phone, client=client, priority=priority, **_without_hints(params))


def _without_hints(params: dict) -> dict:
    return {key: value for key, value in params.items() if key not in HINT_PARAMS}


def _onboard_body(**params: Any) -> dict:
    return bodies.onboard_body(phone="10", **params)  # the phone is the instruction's member, checked apart


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("credex_offer", services.credex_offer, bodies.offer_body, lambda r: r.credex_id),
        ActionSpec("credex_accept", services.credex_accept, bodies.credex_id_body, lambda r: r.credex_id),
        ActionSpec("credex_accept_bulk", services.credex_accept_bulk, bodies.bulk_body, lambda r: ""),
        ActionSpec("credex_decline", services.credex_decline, bodies.credex_id_body, lambda r: r.credex_id),
        ActionSpec("credex_cancel", services.credex_cancel, bodies.credex_id_body, lambda r: r.credex_id),
        ActionSpec("tier_upgrade", services.tier_upgrade, bodies.subscription_body, lambda r: r.recurring_id),
        ActionSpec(
            "account_create", services.account_create, bodies.create_account_body, lambda r: r.account_id
        ),
        ActionSpec(
            "account_authorize", services.account_authorize, bodies.authorize_body, lambda r: r.account_id
        ),
        ActionSpec(
            "account_unauthorize",
            services.account_unauthorize,
            bodies.account_member_body,
            lambda r: r.account_id,
        ),
        ActionSpec(
            "send_offers_to_update",
            services.send_offers_to_update,
            bodies.account_member_body,
            lambda r: r.account_id,
        ),
        ActionSpec("member_onboard", services.member_onboard, _onboard_body, lambda r: r.member.member_id),
    )
}


def encode_params(params: dict) -> dict:
    """JSON-safe parameters: Decimal → exact string, date → ISO string; floats are refused."""
    encoded: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, float):
            raise CredexInvalid(
                "amounts must be exact (Decimal), never float", code="INVALID_AMOUNT", field=key
            )
        if isinstance(value, Decimal):
            encoded[key] = format(value, "f")
        elif isinstance(value, date):
            encoded[key] = value.isoformat()
        elif isinstance(value, tuple):
            encoded[key] = list(value)
        else:
            encoded[key] = value
    return encoded


def decode_params(stored: dict) -> dict:
    """The service keyword arguments back from their stored JSON."""
    decoded = dict(stored)
    for key in DECIMAL_PARAMS & decoded.keys():
        decoded[key] = Decimal(decoded[key])
    for key in DATE_PARAMS & decoded.keys():
        if decoded[key] is not None:
            decoded[key] = date.fromisoformat(decoded[key])
    return decoded
