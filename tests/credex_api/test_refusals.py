"""The refusal table (`credex_api.refusals`) and how the retry policy uses it (pure; issue 20, defect 2).

Each row must cite the credex-core file and function that answers it before writing; the error answers
credex-core gives after its write (signature failures, the dashboard read, a bulk accept's 400, any 5xx,
an uncoded body) must leave a mutation's outcome unknown, while a read's rejections stay as they are.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from credex_api import endpoints
from credex_api.errors import (
    CredexInvalid,
    CredexNotFound,
    CredexOutcomeUnknown,
    CredexRejected,
    CredexUnauthorized,
    InsufficientSecuredBalance,
)
from credex_api.policy import answer_failure
from credex_api.refusals import ANY, MUTATIONS, REFUSALS, before_any_write, proves_nothing_written

CITATION = re.compile(r"\bsrc/[\w/]+\.ts [A-Za-z]\w+")
MIRROR = Path("/work/.mirror/Great-Sun-Group+credex-core/repo")
AFTER_WRITE = [  # credex-core answers these after it committed
    ("createCredex", 400, "SIGNATURE_ERROR"),  # CreateCredex.ts: digitallySign after the CREATE
    ("createCredex", 400, "CREATE_FAILED"),  # CreateCredex.ts: its catch-all, also after the CREATE
    ("createCredex", 404, "UNCODED"),  # createCredex.ts: "Failed to fetch dashboard data"
    ("createCredex", 404, "NOT_FOUND"),
    ("acceptCredex", 400, "SIGNATURE_ERROR"),  # AcceptCredex.ts: signing after the OWES write
    ("acceptCredex", 404, "UNCODED"),  # acceptCredex.ts: "Failed to fetch dashboard data"
    ("acceptCredexBulk", 400, "BULK_ACCEPT_FAILED"),  # failures include accepts whose signing failed
    ("declineCredex", 400, "SIGNATURE_ERROR"),
    ("onboardMember", 500, "ACCOUNT_CREATE_FAILED"),  # onboardMember.ts: the member exists already
    ("createCredex", 500, "INTERNAL_ERROR"),
    ("createCredex", 502, "SERVER_ERROR"),
]


@pytest.mark.parametrize("row", REFUSALS, ids=lambda row: f"{row.route}-{row.status}-{row.code}")
def test_every_row_cites_the_credex_core_file_and_function(row):
    assert CITATION.search(row.source), row.source
    assert row.route == ANY or row.route in MUTATIONS
    assert 400 <= row.status < 500  # no 5xx is ever proof that nothing ran


def test_the_cited_files_exist_in_credex_core():
    if not MIRROR.exists():
        pytest.skip("the credex-core mirror is not on this machine")
    listed = set()
    for branch in ("v01-tests", "dev"):
        names = subprocess.run(
            ["git", "-C", str(MIRROR), "ls-tree", "-r", "--name-only", branch],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        listed.update(names.split())
    cited = {path for row in REFUSALS for path in re.findall(r"src/[\w/]+\.ts", row.source)}
    assert cited - listed == set()


@pytest.mark.parametrize(("route", "status", "code"), AFTER_WRITE)
def test_answers_given_after_the_write_are_not_refusals(route, status, code):
    assert not before_any_write(route, status, code)


@pytest.mark.parametrize(
    ("route", "status", "code"),
    [
        ("createCredex", 400, "INSUFFICIENT_SECURED_BALANCE"),
        ("createCredex", 403, "TIER_LIMIT_EXCEEDED"),
        ("createCredex", 400, "INVALID_DUE_DATE"),
        ("acceptCredex", 409, "ALREADY_ACCEPTED"),
        ("createRecurring", 400, "ACTIVE_EXISTS"),
        ("acceptCredexBulk", 400, "VALIDATION"),  # the schema layer, before the controller
        ("cancelCredex", 401, "UNAUTHORIZED"),
        ("createCredex", 429, "BUSY"),
    ],
)
def test_pre_checks_are_refusals(route, status, code):
    assert before_any_write(route, status, code)


def test_a_mutations_error_answer_after_the_write_becomes_unknown_and_is_never_retried():
    error = CredexRejected(
        "Digital signature error", status=400, code="SIGNATURE_ERROR", route="createCredex"
    )
    failure = answer_failure(endpoints.credex.CREATE, 400, error, retry_after_max=5)
    assert isinstance(failure.error, CredexOutcomeUnknown)
    assert failure.error.cause == "HTTP 400 SIGNATURE_ERROR"
    assert not failure.retryable
    dashboard = CredexNotFound(
        "Failed to fetch dashboard data", status=404, code="UNCODED", route="acceptCredex"
    )
    assert isinstance(answer_failure(endpoints.credex.ACCEPT, 404, dashboard, 5).error, CredexOutcomeUnknown)


def test_refusals_and_reads_are_surfaced_as_they_are():
    refusal = InsufficientSecuredBalance(
        "max", status=400, code="INSUFFICIENT_SECURED_BALANCE", route="createCredex"
    )
    assert answer_failure(endpoints.credex.CREATE, 400, refusal, 5).error is refusal
    unauthorized = CredexUnauthorized("Token expired", status=401, route="createCredex")
    assert answer_failure(endpoints.credex.CREATE, 401, unauthorized, 5).error is unauthorized  # re-login
    missing = CredexNotFound("Member not found", status=404, code="UNCODED", route="login")
    assert answer_failure(endpoints.LOGIN, 404, missing, 5).error is missing


def test_an_instruction_fails_only_on_proof_that_nothing_was_written():
    assert proves_nothing_written(CredexInvalid("bad amount", code="INVALID_AMOUNT"))  # local, never sent
    assert proves_nothing_written(CredexNotFound("no member", status=404, code="UNCODED", route="login"))
    assert proves_nothing_written(
        InsufficientSecuredBalance(
            "max", status=400, code="INSUFFICIENT_SECURED_BALANCE", route="createCredex"
        )
    )
    assert not proves_nothing_written(
        CredexRejected("sig", status=400, code="SIGNATURE_ERROR", route="createCredex")
    )
    assert not proves_nothing_written(CredexOutcomeUnknown("read timeout", cause="read timeout"))
