"""No phone number, token or key in any log line or error; the layer rule; one session per process."""

from __future__ import annotations

import ast
import logging
from decimal import Decimal
from pathlib import Path

import pytest

from credex_api import services
from credex_api.client import get_client, reset_client
from credex_api.errors import CircuitOpen, CredexError, CredexOutcomeUnknown
from credex_api.instructions import instruction_confirm, instruction_create, instruction_execute
from credex_api.reconcile import reconcile_unknown

PACKAGE = Path(__file__).resolve().parents[2] / "credex_api"


@pytest.mark.django_db
def test_no_phone_token_or_key_in_any_log_line_or_error(sandbox, make_client, onboard, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(sandbox.url, sandbox.client_api_key, read_timeout=1.0)
    payer, payee = onboard("Tendai", "Moyo"), onboard("Rudo", "Dube")
    sandbox.mint(payer.phone, "50.00")
    tokens = {client.tokens.get(payer.phone)}
    errors: list[CredexError] = []

    client.tokens.put(payer.phone, "forged.token.value")  # → 401, one re-login, replay
    services.account_by_handle(phone=payer.phone, handle=payee.phone, client=client)
    tokens |= {client.tokens.get(payer.phone), services.member_login(phone=payer.phone, client=client).token}
    params = {
        "issuer_account_id": payer.account_id,
        "receiver_account_id": payee.account_id,
        "amount": Decimal("5.00"),
        "denom": "USD",
        "secured": True,
    }
    row = instruction_create(member=payer.phone, action="credex_offer", params=params)
    instruction_confirm(row.key)
    sandbox.fault("readTimeout", route="createCredex", seconds=2)
    with pytest.raises(CredexOutcomeUnknown) as unknown:
        instruction_execute(row.key, client=client)
    errors.append(unknown.value)
    reconcile_unknown(client=client)
    for _ in range(5):
        client.breaker.record(client.breaker.acquire(), "failure")
    with pytest.raises(CircuitOpen) as opened:
        services.member_login(phone=payee.phone, client=client)
    errors.append(opened.value)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    logged += "\n".join(repr(record.args) for record in caplog.records)
    said = logged + "\n".join(f"{error} {error!r} {error.reason}" for error in errors)
    assert "credex_offer reconciled: unknown → done" in logged  # the scenario really ran
    for secret in (payer.phone, payee.phone, payer.phone[-8:], sandbox.client_api_key, *tokens):
        assert secret not in said
    assert "eyJ" not in said  # no JWT of any kind


def test_credex_api_never_imports_bot_flows_or_the_sandbox():
    forbidden = {"bot", "operator_api", "devtools", "flows", "sandbox", "config"}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path.name} imports {name}"


MONEY_MODULES = (
    "validation",
    "encoding",
    "normalise",
    "dashboard",
    *sorted(f"endpoints/{path.stem}" for path in (PACKAGE / "endpoints").glob("*.py")),
    "results",
    "actions",
    "instructions",
    "reconcile",
    "services",
    "models",
)


@pytest.mark.parametrize("module", MONEY_MODULES)
def test_no_float_on_the_money_path(module):
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    float_calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float"
    ]
    float_literals = [
        node for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, float)
    ]
    assert float_calls == [] and float_literals == []


def test_one_client_and_one_session_per_process():
    reset_client()
    try:
        first, second = get_client(), get_client()
        assert first is second
        assert first.session is second.session
    finally:
        reset_client()
