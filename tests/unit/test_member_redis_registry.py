"""The registry of a member's Redis data (`security.member_redis`) is complete: every module that writes keys
under our prefix registers what it keeps about a member, or is reviewed as keeping nothing of one; and the
GDPR module, imported on its own, has every registering store imported (so erasure walks all of them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from security import member_redis

ROOT = Path(__file__).resolve().parents[2]
GDPR_MODULE = "operator_api.gdpr_redis"
SHOW_OWNERS = (
    "import django; django.setup(); import importlib; from security import member_redis;"
    f"importlib.import_module({GDPR_MODULE!r});"
    "print(' '.join(sorted({d.owner for d in member_redis.registered()})))"
)


def key_writers() -> set[str]:
    writers = set()
    for layer in ("bot", "flows", "credex_api", "security"):
        for path in (ROOT / layer).rglob("*.py"):
            text = path.read_text()
            if "REDIS_KEY_PREFIX" in text or "key_prefix}:" in text:
                writers.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return writers


def owners_seen_by_gdpr() -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", SHOW_OWNERS], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    return set(done.stdout.split())


def test_every_module_writing_keys_under_our_prefix_is_registered_or_reviewed():
    owners = owners_seen_by_gdpr()
    reviewed = owners | member_redis.NOT_MEMBER_DATA | {"security.member_redis", GDPR_MODULE}
    assert key_writers() - reviewed == set()
    assert owners >= {"flows.store", "flows.confirmations", "security.ratelimit", "credex_api.auth"}


def test_a_name_cannot_be_taken_by_a_second_store_nor_live_on_an_unknown_instance():
    def found(_conn, _wa_id):
        return []

    with pytest.raises(ValueError, match="already registered"):
        member_redis.register(
            member_redis.MemberData("conversation", member_redis.STATE, "x", "elsewhere", found)
        )
    with pytest.raises(ValueError, match="instance"):
        member_redis.register(member_redis.MemberData("new", "disk", "x", "elsewhere", found))
