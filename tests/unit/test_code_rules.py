"""Local static rules (the project's semgrep equivalent, written with `ast`; run by `make test`):

1. No float on the money path: no `float(...)` call and no float literal in credex_api/, flows/money.py,
   flows/definitions/offer.py and security/amounts.py, except the named time and rate figures allowed below.
2. Every HTTP call through `requests` has a `timeout=`: `requests.<verb>(...)`, `requests.request(...)` and
   `<...session>.<verb>(...)` in every module that imports requests (the whole repository except tests).
3. Exactly one `csrf_exempt` in the application (the WhatsApp webhook, whose HMAC replaces the CSRF token).

Each rule also runs on a small bad snippet, to show that it does catch what it is meant to.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "var", "tests", "migrations", "__pycache__", "node_modules", ".git"}
MONEY_PATH = ["credex_api", "flows/money.py", "flows/definitions/offer.py", "security/amounts.py"]
APP_PACKAGES = [
    "bot",
    "operator_api",
    "devtools",
    "flows",
    "credex_api",
    "security",
    "sandbox",
    "config",
    "deploy",
]
HTTP_VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "request"}

# Floats that are not money: seconds, rates and clocks of the ledger client (file → names they belong to).
NOT_MONEY_FLOATS = {
    "credex_api/auth.py": {  # token cache timings; `last_activity` reads a JWT's time claims
        "POLL_SECONDS", "REFRESH_STORE_AFTER_SECONDS", "MILLISECONDS_THRESHOLD",
        "REDIS_WARNING_EVERY_SECONDS", "_warned_at", "value", "last_activity",
    },
    "credex_api/breaker.py": {  # the breaker's clock, open periods and counters
        "REDIS_WARNING_EVERY_SECONDS", "_warned_at", "open_until", "window_start", "status", "args",
        "acquire", "_record_failure",
    },
    "credex_api/conf.py": {  # timeouts, backoff, throttle and breaker periods (seconds)
        "window_seconds", "open_seconds", "max_open_seconds", "jitter", "trial_lease_seconds",
        "connect_timeout", "read_timeout", "backoff_base", "backoff_cap", "call_budget", "throttle_max_wait",
        "retry_after_max", "login_lock_seconds", "login_wait_seconds", "breaker",
    },
    "credex_api/deadline.py": {  # a turn's ledger deadline and time (monotonic seconds)
        "ends", "remaining", "time_left", "wait_token", "total_token", "MIN_ATTEMPT_SECONDS", "time_for_call",
    },
    "credex_api/errors.py": {"__init__"},  # retry-after seconds of the busy/unavailable errors
    "credex_api/responses.py": {"retry_after_seconds"},  # a 429's Retry-After header
    "credex_api/throttle.py": {"REDIS_WARNING_EVERY_SECONDS", "_warned_at", "waited", "_wait_seconds"},
}  # fmt: skip


def python_files(*targets: str) -> list[Path]:
    found = []
    for target in targets:
        path = ROOT / target
        candidates = [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
        found += [p for p in candidates if not SKIPPED_DIRS & set(p.relative_to(ROOT).parts)]
    return found


def _owner(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str:
    """The name a node belongs to: the nearest assignment target, else the enclosing function or class."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Assign | ast.AnnAssign):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            return getattr(target, "id", getattr(target, "attr", "?"))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return node.name
    return "<module>"


def float_uses(source: str) -> list[tuple[int, str]]:
    """(line, owner name) of every float() call and float literal."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    hits = []
    for node in ast.walk(tree):
        is_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float"
        is_literal = isinstance(node, ast.Constant) and type(node.value) is float
        if is_call or is_literal:
            hits.append((node.lineno, _owner(node, parents)))
    return sorted(hits)


def _imports_requests(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            alias.name.split(".")[0] == "requests" for alias in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "requests":
            return True
    return False


def _is_http_call(func: ast.expr) -> bool:
    if not isinstance(func, ast.Attribute) or func.attr not in HTTP_VERBS:
        return False
    receiver = func.value
    name = getattr(receiver, "id", None) or getattr(receiver, "attr", "")
    return name == "requests" or name.lower().endswith("session")


def calls_without_timeout(source: str) -> list[int]:
    """Lines of requests calls with no `timeout=` keyword, in a module that imports requests."""
    tree = ast.parse(source)
    if not _imports_requests(tree):
        return []
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _is_http_call(node.func)
        and not any(keyword.arg == "timeout" or keyword.arg is None for keyword in node.keywords)
    ]


def csrf_exempt_uses(source: str) -> list[int]:
    """Lines using `csrf_exempt` (as a decorator, a call or a reference), imports excluded."""
    tree = ast.parse(source)
    return [
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.Name) and node.id == "csrf_exempt")
        or (isinstance(node, ast.Attribute) and node.attr == "csrf_exempt")
    ]


def test_no_float_on_the_money_path():
    violations = []
    for path in python_files(*MONEY_PATH):
        allowed = NOT_MONEY_FLOATS.get(str(path.relative_to(ROOT)), set())
        violations += [
            f"{path.relative_to(ROOT)}:{line} ({owner})"
            for line, owner in float_uses(path.read_text())
            if owner not in allowed
        ]
    assert violations == []


def test_the_float_rule_catches_calls_and_literals():
    bad = "def price(text):\n    return float(text) * 1.5\nRATE = 0.1\nCOUNT = 3\n"
    assert float_uses(bad) == [(2, "price"), (2, "price"), (3, "RATE")]


def test_every_requests_call_has_a_timeout():
    files = [path for path in python_files(".") if path.parent != ROOT or path.name != "conftest.py"]
    violations = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in files
        for line in calls_without_timeout(path.read_text())
    ]
    assert violations == []
    assert len(files) > 50  # the scan sees the repository


def test_the_timeout_rule_catches_each_form():
    bad = """
import requests
requests.get(url)
requests.request("POST", url, json={})
self.session.post(url, data=b"")
session.get(url, timeout=3)
requests.post(url, **options)
settings.get("X")
"""
    assert calls_without_timeout(bad) == [3, 4, 5]
    assert calls_without_timeout("session.get(url)\n") == []  # a dict called session, no requests here


def test_exactly_one_csrf_exempt_in_the_application_the_webhook():
    uses = [
        (str(path.relative_to(ROOT)), line)
        for path in python_files(*APP_PACKAGES)
        for line in csrf_exempt_uses(path.read_text())
    ]
    assert len(uses) == 1
    assert uses[0][0] == "bot/views.py"


def test_the_csrf_rule_counts_decorators_and_calls_not_imports():
    source = "from django.views.decorators.csrf import csrf_exempt\n@csrf_exempt\ndef a(): ...\n"
    source += "b = csrf_exempt(a)\n"
    assert csrf_exempt_uses(source) == [2, 4]
