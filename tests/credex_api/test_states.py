"""The instruction state machine (issue 20, defect 11): the table is a connected graph whose terminal states
have no exits but the two corrections, a move outside it raises and writes nothing, concurrent moves move a
row once, and no production code but `credex_api.states` writes `state` on an instruction."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from credex_api import states
from credex_api.models import Instruction
from tests.credex_api.instruction_helpers import State, in_threads, new_offer

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("bot", "operator_api", "devtools", "flows", "credex_api", "security", "config", "deploy")


def test_every_state_is_reachable_from_pending():
    seen, frontier = {states.INITIAL}, [states.INITIAL]
    while frontier:
        for target in states.exits(frontier.pop()) - seen:
            seen.add(target)
            frontier.append(target)
    assert seen == set(State.values)


def test_terminal_states_have_no_exits_but_the_corrections_between_them():
    for state in State.values:
        ordinary = {target for target in states.exits(state) if (state, target) not in states.CORRECTIONS}
        assert bool(ordinary) == (state not in states.TERMINAL), state
    assert all(s in states.TERMINAL and t in states.TERMINAL for s, t in states.CORRECTIONS)
    assert set(states.CORRECTIONS).issubset(states.TRANSITIONS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s in State.values for t in State.values if (s, t) not in states.TRANSITIONS],
)
def test_a_move_outside_the_table_raises_and_writes_nothing(pair, source, target):
    row = new_offer(pair)
    Instruction.objects.filter(pk=row.pk).update(state=source)  # test setup, not production code

    with pytest.raises(states.IllegalTransitionError):
        states.move(row.key, source, target)

    row.refresh_from_db()
    assert row.state == source


@pytest.mark.django_db
def test_a_move_from_a_state_the_row_has_left_does_not_move_it(pair):
    row = new_offer(pair)
    assert states.move(row.key, State.PENDING, State.CONFIRMED) is True
    assert states.move(row.key, State.PENDING, State.CONFIRMED) is False
    assert states.move(row.key, State.PENDING, State.FAILED) is False
    row.refresh_from_db()
    assert row.state == State.CONFIRMED


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_of_one_row_move_it_once(pair):
    row = new_offer(pair)
    outcomes = in_threads(8, lambda: states.move(row.key, State.PENDING, State.CONFIRMED))
    assert sorted(outcomes) == [False] * 7 + [True]


def _state_writes(path: Path) -> list[str]:
    """`state=` passed to update/create/get_or_create..., and `<row>.state = ...` assignments (not `self`'s:
    an exception's own attribute), in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            writes = {"update", "create", "bulk_create", "get_or_create", "update_or_create"}
            if node.func.attr in writes and any(k.arg == "state" for k in node.keywords):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(
            isinstance(t, ast.Attribute) and t.attr == "state" and getattr(t.value, "id", "") != "self"
            for t in targets
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_production_code_but_the_state_machine_writes_an_instruction_state():
    writers = [
        hit
        for package in PRODUCTION
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts and path != ROOT / "credex_api" / "states.py"
        for hit in _state_writes(path)
    ]
    assert writers == []
