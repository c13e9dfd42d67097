"""The endpoint registry: one declaration gives a service function and, for a mutation, an instruction action,
and no application module reaches a mutation except through the instruction path."""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path

import pytest

from credex_api import actions, endpoints, services
from credex_api.dashboard import expect_type
from credex_api.endpoints.base import Endpoint
from credex_api.errors import CredexInvalid, CredexOutcomeUnknown
from credex_api.models import Instruction
from credex_api.validation import check_uuid
from tests.credex_api.fake_ledger import envelope, reply_json

ROOT = Path(__file__).resolve().parents[2]
APPLICATION = ("bot", "flows", "credex_api", "security", "config", "deploy", "operator_api", "devtools")
MUTATION_SERVICES = frozenset(e.service for e in endpoints.ENDPOINTS if e.mutation)
CREDEX = "f34c89f6-5a2a-47d6-8296-03875c186a92"


def _flag_body(*, credex_id: str, reason: str = "") -> dict:
    return {"credexID": check_uuid(credex_id, "credexID"), "reason": reason}


def _flagged(answer) -> str:
    expect_type(answer, "CREDEX_FLAGGED")
    return answer.details.text("credexID")


FLAG = Endpoint(
    "flagCredex", service="credex_flag", body=_flag_body, parse=_flagged, result=str, mutation=True,
    ref=lambda result: result, doc="A new endpoint, declared once.",
)  # fmt: skip


def test_a_new_declaration_becomes_a_service_and_an_action(fake_ledger, make_client):
    functions = services.derive((*endpoints.ENDPOINTS, FLAG))
    derived = actions.derive((*endpoints.ENDPOINTS, FLAG), functions)
    flag = functions["credex_flag"]
    assert list(inspect.signature(flag).parameters) == ["phone", "credex_id", "reason", "client", "priority"]
    assert derived["credex_flag"].endpoint is FLAG
    with pytest.raises(CredexInvalid):
        derived["credex_flag"].validate({"credex_id": "not-a-uuid"})  # refused before a row is stored
    fake_ledger.script("login", reply_json(200, envelope("MEMBER_LOGIN", {"token": "t"}, dashboard={})))
    fake_ledger.script("flagCredex", reply_json(200, envelope("CREDEX_FLAGGED", {"credexID": CREDEX})))
    client = make_client(fake_ledger.url)
    ran = derived["credex_flag"].run(phone="263771234567", client=client, credex_id=CREDEX, reason="x")
    assert ran == CREDEX and derived["credex_flag"].ref(ran) == CREDEX
    assert json.loads(fake_ledger.seen_bodies[-1]) == {"credexID": CREDEX, "reason": "x"}
    fake_ledger.script("flagCredex", reply_json(200, envelope("SOMETHING_ELSE", {})))
    with pytest.raises(CredexOutcomeUnknown):  # a declared mutation is never re-sent on a strange answer
        flag(phone="263771234567", client=client, credex_id=CREDEX)


def test_the_actions_and_the_stored_choices_are_the_declared_mutations():
    assert set(actions.ACTIONS) == MUTATION_SERVICES == set(Instruction.Action.values)
    assert {e.service for e in endpoints.ENDPOINTS} <= set(vars(services))
    for endpoint in endpoints.ENDPOINTS:
        assert endpoint.bearer is not endpoint.keyhole


@pytest.mark.parametrize(
    "broken",
    [
        (FLAG, FLAG),
        (Endpoint("a", service="a", body=_flag_body, parse=_flagged, result=str, mutation=True),),
        (Endpoint("b", service="b", body=_flag_body, parse=_flagged, result=str, ref=str),),
    ],
    ids=["declared twice", "mutation without ref", "read with ref"],
)
def test_a_broken_registry_is_refused(broken):
    with pytest.raises(ValueError):
        endpoints.check(broken)


def _mutation_uses(source: str, where: str) -> list[str]:
    """`services.<mutation>` and `from credex_api.services import <mutation>` in one module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in MUTATION_SERVICES:
            found.append(f"{where}:{node.lineno} {node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "credex_api.services":
            found += [f"{where}:{node.lineno} {a.name}" for a in node.names if a.name in MUTATION_SERVICES]
    return found


def test_mutations_are_reached_only_through_the_instruction_path():
    """Only `credex_api.actions` (run by `credex_api.instructions`) calls a mutation's service function."""
    modules = [p for package in APPLICATION for p in sorted((ROOT / package).rglob("*.py"))]
    assert modules
    uses = [use for p in modules for use in _mutation_uses(p.read_text(), str(p.relative_to(ROOT)))]
    assert uses == []


def test_the_scan_sees_a_direct_mutation_call():
    direct = "from credex_api import services\nservices.credex_offer(phone='1')\n"
    imported = "from credex_api.services import tier_upgrade, member_login\n"
    assert _mutation_uses(direct, "m.py") == ["m.py:2 credex_offer"]
    assert _mutation_uses(imported, "m.py") == ["m.py:1 tier_upgrade"]
