"""Every ledger endpoint the bot calls, declared once per resource module and collected here (pure).

Adding an endpoint is one `Endpoint` in its resource module (and its test): `credex_api.services` derives
its function, `credex_api.actions` and `Instruction.Action` its action when it is a mutation. The order of
`ENDPOINTS` fixes the order of the action choices (a migration would follow a change).
"""

from __future__ import annotations

from credex_api.endpoints import account, credex, ledger, member, recurring
from credex_api.endpoints.base import Endpoint

ENDPOINTS: tuple[Endpoint, ...] = (
    *credex.ENDPOINTS,
    *recurring.ENDPOINTS,
    *account.ENDPOINTS,
    *member.ENDPOINTS,
    *ledger.ENDPOINTS,
)


def check(endpoints: tuple[Endpoint, ...]) -> None:
    """Refuse a registry with a repeated route or service name, or a mutation without a ledger reference."""
    for attribute in ("name", "service"):
        names = [getattr(endpoint, attribute) for endpoint in endpoints]
        repeated = {name for name in names if names.count(name) > 1}
        if repeated:
            raise ValueError(f"endpoint {attribute} declared twice: {sorted(repeated)}")
    for endpoint in endpoints:
        if endpoint.mutation != (endpoint.ref is not None):
            raise ValueError(f"{endpoint.name}: a mutation, and only a mutation, names its ledger `ref`")


check(ENDPOINTS)
BY_SERVICE: dict[str, Endpoint] = {endpoint.service: endpoint for endpoint in ENDPOINTS}
MUTATIONS: frozenset[str] = frozenset(endpoint.name for endpoint in ENDPOINTS if endpoint.mutation)
ACTION_NAMES: tuple[str, ...] = tuple(endpoint.service for endpoint in ENDPOINTS if endpoint.mutation)
LOGIN = member.LOGIN
