"""The sandbox as a process: settings from the environment, and its isolation from the bot's packages."""

import ast
import time
from pathlib import Path

import pytest
import requests

from tests.support.sandbox_server import REPO_DIR, SandboxServer

BOT_PACKAGES = ("bot", "operator_api", "devtools", "flows", "credex_api", "security", "config")


def _imported_top_packages(folder: Path) -> set[tuple[str, str]]:
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found.update((alias.name.split(".")[0], str(path)) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((node.module.split(".")[0], str(path)))
    return found


def test_the_sandbox_imports_nothing_from_the_bot_and_the_bot_nothing_from_it():
    sandbox_imports = _imported_top_packages(REPO_DIR / "sandbox")
    assert [entry for entry in sandbox_imports if entry[0] in BOT_PACKAGES] == []
    for package in BOT_PACKAGES:
        folder = REPO_DIR / package
        if folder.exists():
            assert [entry for entry in _imported_top_packages(folder) if entry[0] == "sandbox"] == []


@pytest.mark.slow
def test_settings_come_from_the_environment():
    server = SandboxServer(jwt_idle_seconds=1, rate_limit_per_minute=4, quirks="neo4j_integers").start()
    try:
        base = {"x-client-api-key": server.client_api_key}
        body = {"firstname": "Tendai", "lastname": "Moyo", "phone": "263771112223", "defaultDenom": "USD"}
        onboarded = requests.post(f"{server.url}/onboardMember", json=body, headers=base, timeout=10)
        assert onboarded.status_code == 201
        assert onboarded.json()["data"]["dashboard"]["member"]["memberTier"] == {"low": 1, "high": 0}
        token = onboarded.json()["data"]["action"]["details"]["token"]
        time.sleep(1.5)
        auth = {**base, "Authorization": f"Bearer {token}"}
        stale = requests.post(
            f"{server.url}/getAccountByHandle",
            json={"accountHandle": "greatsun_ops"},
            headers=auth,
            timeout=10,
        )
        assert (stale.status_code, stale.json()) == (401, {"message": "Token expired"})
        statuses = [
            requests.post(f"{server.url}/login", json={"phone": "1234"}, headers=base, timeout=10).status_code
            for _ in range(3)
        ]
        assert statuses == [404, 404, 429]
    finally:
        server.stop()
    assert server.process.poll() is not None
