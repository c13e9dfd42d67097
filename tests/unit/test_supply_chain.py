"""deploy/supply_chain.py: what a pip-audit run and a bandit report mean (never a silent pass).

The pip-audit outputs below are the forms pip-audit 2.10.1 prints: the first two were captured on this
machine, which reaches no vulnerability database (PyPI's JSON API answers 404, OSV's name does not resolve).
"""

import pytest

from deploy.supply_chain import FAILED, PASSED, SKIPPED, bandit_verdict, interpret_pip_audit

PYPI_404 = (
    "ERROR:pip_audit._cli:anyio: Dependency not found on PyPI and could not be audited: anyio (4.16.0)\n"
)
OSV_DNS = (
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443): Max retries "
    "exceeded with url: /v1/query (Caused by NameResolutionError(\"Failed to resolve 'api.osv.dev'\"))\n"
)
FOUND = (
    "Found 2 known vulnerabilities in 1 package\n"
    "Name     Version ID             Fix Versions\n"
    "-------- ------- -------------- ------------\n"
    "requests 2.19.0  PYSEC-2018-28  2.20.0\n"
)


@pytest.mark.parametrize(
    ("output", "marker"), [(PYPI_404, "could not be audited"), (OSV_DNS, "NameResolution")]
)
def test_an_unreachable_database_is_an_explicit_skip(output, marker):
    verdict = interpret_pip_audit(1, output)
    assert verdict.status == SKIPPED
    assert verdict.line.startswith("pip-audit SKIPPED: no vulnerability database reachable (")
    assert marker in verdict.line


def test_found_vulnerabilities_fail_even_when_some_packages_could_not_be_audited():
    assert interpret_pip_audit(1, PYPI_404 + FOUND).status == FAILED
    assert interpret_pip_audit(1, FOUND).line.startswith("pip-audit FAILED")


def test_a_clean_strict_run_passes():
    assert interpret_pip_audit(0, "No known vulnerabilities found\n").status == PASSED


@pytest.mark.parametrize("output", ["", "Traceback (most recent call last):\n  KeyError: 'info'\n"])
def test_any_other_failure_is_a_failure_not_a_skip(output):
    verdict = interpret_pip_audit(2, output)
    assert verdict.status == FAILED
    assert "exit status 2" in verdict.line


def test_bandit_fails_on_high_severity_only_and_lists_every_finding():
    medium = {
        "issue_severity": "MEDIUM",
        "test_id": "B108",
        "filename": "a.py",
        "line_number": 3,
        "issue_text": "tmp",
    }
    high = {**medium, "issue_severity": "HIGH", "test_id": "B602", "issue_text": "shell=True"}
    assert bandit_verdict({"results": [], "errors": []}) == (True, [])
    ok, lines = bandit_verdict({"results": [medium], "errors": []})
    assert ok and lines == ["MEDIUM B108 a.py:3 tmp"]
    assert bandit_verdict({"results": [medium, high], "errors": []})[0] is False
    assert (
        bandit_verdict({"results": [], "errors": [{"filename": "b.py", "reason": "syntax error"}]})[0]
        is False
    )
