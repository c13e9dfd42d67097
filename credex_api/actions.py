"""What each instruction action does: its ledger operation, its local check, its stored parameters (pure
except for calling `credex_api.services`).

There is one action per mutation endpoint (`credex_api.endpoints`), named by its service.
`ACTIONS[name]` gives an `ActionSpec`: `validate(params)` applies the ledger's rules before a row is stored
(so a bad instruction is refused with a clear reason and never saved), `run(phone=, client=, priority=,
**params)` performs it (`priority`: its throttle class, default `MONEY`), `ref(result)` names what it
produced at the ledger (a credexID, accountID, ...).
Parameters are the service function's keyword arguments; `encode_params`/`decode_params` store them as JSON
(`Decimal` amounts as exact strings, dates as ISO strings). `receiver_account_name` is an optional hint for
offers (not sent to the ledger): it lets reconciliation match the counterparty by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from credex_api import services
from credex_api.endpoints import ENDPOINTS
from credex_api.endpoints.base import Endpoint
from credex_api.errors import CredexInvalid

DECIMAL_PARAMS = frozenset({"amount"})
DATE_PARAMS = frozenset({"due_date", "start_date"})
HINT_PARAMS = frozenset({"receiver_account_name"})


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    service: Callable[..., Any]
    endpoint: Endpoint

    def validate(self, params: dict) -> None:
        """The ledger's rules, applied without sending anything (raises `CredexInvalid`)."""
        try:
            self.endpoint.build(
                _without_hints(params)
            )  # the phone is the instruction's member, checked apart
        except TypeError as exc:  # a missing or unexpected parameter is a programming error, said clearly
            raise CredexInvalid(f"bad parameters for {self.name}", code="INVALID_PARAMS") from exc

    def run(self, *, phone: str, client: Any = None, priority: Any = None, **params: Any) -> Any:
        return self.service(phone=phone, client=client, priority=priority, **_without_hints(params))

    def ref(self, result: Any) -> str:
        """What the action produced at the ledger (a credexID, accountID, ...; "" when nothing one)."""
        return self.endpoint.ref(result) if self.endpoint.ref else ""


def _without_hints(params: dict) -> dict:
    return {key: value for key, value in params.items() if key not in HINT_PARAMS}


def derive(
    endpoints: Iterable[Endpoint], functions: Mapping[str, Callable[..., Any]]
) -> dict[str, ActionSpec]:
    """One action per mutation endpoint, run by its service function: the only path to a mutation."""
    return {
        endpoint.service: ActionSpec(endpoint.service, functions[endpoint.service], endpoint)
        for endpoint in endpoints
        if endpoint.mutation
    }


ACTIONS: dict[str, ActionSpec] = derive(ENDPOINTS, services.SERVICES)


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
