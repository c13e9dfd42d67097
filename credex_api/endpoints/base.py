"""`Endpoint`: the one declaration of a ledger route (pure), from which services and actions are derived.

An endpoint says its route `name`, whether it is a `keyhole` (client key only, no member token: no bearer)
and whether it is a `mutation` (it changes the ledger and has no idempotency key, so once it may have
reached the ledger it is never sent again, and it runs only as an instruction). `login` changes nothing a
member can see (it only mints a token), so it is retried like a read. `body` builds the request body from
keyword arguments, validating them with the ledger's rules first; `parse(envelope)` (or `parse(envelope,
body)` when it needs what was asked) turns the answer into `result`; `service` names the keyword-only
function `credex_api.services` derives; a mutation's `ref(result)` names what it produced at the ledger.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from credex_api.responses import Envelope

PLACEHOLDER_PHONE = "10"  # validates a body whose phone is the instruction's member, checked apart


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    service: str
    body: Callable[..., dict]
    parse: Callable[..., Any]
    result: type
    keyhole: bool = False
    mutation: bool = False
    ref: Callable[[Any], str] | None = None
    doc: str = ""
    takes_phone: bool = field(init=False)  # the body itself carries the member's phone (login, onboarding)
    reads_body: bool = field(init=False)  # the parser needs what was asked (getCredex, getLedger)

    def __post_init__(self) -> None:
        """Read the builder's and parser's signatures once, not on every call."""
        object.__setattr__(self, "takes_phone", "phone" in inspect.signature(self.body).parameters)
        object.__setattr__(self, "reads_body", len(inspect.signature(self.parse).parameters) > 1)

    @property
    def bearer(self) -> bool:
        """Whether the call carries the member's token (every route but the keyholes)."""
        return not self.keyhole

    def read(self, envelope: Envelope, body: dict) -> Any:
        """The typed result of a success answer (raises `ShapeError` on a wrong shape)."""
        return self.parse(envelope, body) if self.reads_body else self.parse(envelope)

    def build(self, params: dict, *, phone: str = PLACEHOLDER_PHONE) -> dict:
        """The request body for these keyword arguments (raises `CredexInvalid` on a bad value)."""
        return self.body(phone=phone, **params) if self.takes_phone else self.body(**params)


def call_signature(endpoint: Endpoint) -> inspect.Signature:
    """The service function's signature: `phone`, the body's keyword arguments, then `client`, `priority`."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [inspect.Parameter("phone", keyword, annotation="str")]
    params += [p for name, p in inspect.signature(endpoint.body).parameters.items() if name != "phone"]
    params += [
        inspect.Parameter("client", keyword, default=None, annotation="CredexClient | None"),
        inspect.Parameter("priority", keyword, default=None, annotation="Priority | None"),
    ]
    return inspect.Signature(params, return_annotation=endpoint.result.__name__)
