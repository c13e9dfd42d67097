"""`.env.example` documents exactly the environment variables the project reads, so the docs stay true.

The names read are found in the source (AST, not regexes, so multi-line calls count) of the settings
modules and the logging set-up, the Gunicorn config, `make run`'s supervisor, the sandbox's top-level
modules (settings, server) and the test harness, plus the `${NAME}` interpolations of docker-compose.yml.
A name counts as documented when `.env.example` has a `NAME=` line, commented out or not.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE = ROOT / "docker-compose.yml"
READER_FUNCTIONS = {"config", "production_required", "getenv"}
ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def python_sources() -> list[Path]:
    candidates = [
        ROOT / "config" / "env.py",
        ROOT / "config" / "logconfig.py",
        *sorted((ROOT / "config" / "settings").glob("*.py")),
        ROOT / "deploy" / "gunicorn.conf.py",
        ROOT / "deploy" / "devrun.py",
        *sorted((ROOT / "sandbox").glob("*.py")),
        ROOT / "tests" / "support" / "harness.py",
    ]
    return [path for path in candidates if path.exists()]


def _is_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _is_env_reader(func: ast.expr) -> bool:
    """config(...), production_required(...), env_*(...), _env*(...), os.getenv(...), os.environ.get(...)."""
    if isinstance(func, ast.Name):
        return func.id in READER_FUNCTIONS or func.id.startswith(("env_", "_env"))
    if isinstance(func, ast.Attribute):
        return func.attr == "getenv" or (func.attr == "get" and _is_environ(func.value))
    return False


def _constant_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and ENV_NAME.fullmatch(node.value):
        return node.value
    return None


def env_names_read(source: str) -> set[str]:
    """Every environment variable name a Python source reads (writes such as os.environ[X] = ... excluded)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args and _is_env_reader(node.func):
            names.add(_constant_name(node.args[0]))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_environ(node.value):
            names.add(_constant_name(node.slice))
    names.discard(None)
    return names


def compose_names_read() -> set[str]:
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text())) if COMPOSE.exists() else set()


def documented_names() -> set[str]:
    return set(re.findall(r"^#?[ \t]*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))


def all_names_read() -> set[str]:
    names = compose_names_read()
    for path in python_sources():
        names |= env_names_read(path.read_text())
    return names


def test_every_variable_read_is_documented():
    documented = documented_names()
    missing = {
        str(path.relative_to(ROOT)): sorted(env_names_read(path.read_text()) - documented)
        for path in python_sources()
    }
    missing["docker-compose.yml"] = sorted(compose_names_read() - documented)
    assert {where: names for where, names in missing.items() if names} == {}


def test_every_documented_variable_is_read_somewhere():
    assert sorted(documented_names() - all_names_read()) == []


def test_the_scan_sees_every_way_of_reading_a_variable():
    source = """
import os
SECRET = production_required(
    "MULTI_LINE_SECRET", "dev"
)
A = env_int("AN_INT", 3)
B = config("DECOUPLE_NAME", default="x")
C = os.environ.get("ENVIRON_GET")
D = os.getenv("GETENV_NAME")
E = os.environ["SUBSCRIPT_NAME"]
F = _env_number("SANDBOX_STYLE", 1)
os.environ["WRITTEN_ONLY"] = "1"
G = {"NOT_ENV": 1}.get("NOT_ENV")
H = env_str("lower_case_is_not_a_variable")
"""
    assert env_names_read(source) == {
        "MULTI_LINE_SECRET",
        "AN_INT",
        "DECOUPLE_NAME",
        "ENVIRON_GET",
        "GETENV_NAME",
        "SUBSCRIPT_NAME",
        "SANDBOX_STYLE",
    }


def test_the_real_sources_are_scanned():
    # A moved settings file must not turn the first test into a vacuous pass.
    read = all_names_read()
    for expected in ("DJANGO_SECRET", "REDIS_STATE_URL", "WHATSAPP_APP_SECRET", "GUNICORN_WORKERS", "PORT"):
        assert expected in read
