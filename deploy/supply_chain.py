"""Supply-chain checks of `make audit` (run by .ci/run after `make test`): bandit, then pip-audit.

    python -m deploy.supply_chain            # both; exit 1 if either fails
    python -m deploy.supply_chain bandit     # or pip-audit

- bandit over the application packages at medium severity and above (`-ll`): every finding is listed, and
  any of high severity fails. A finding judged harmless is marked in the code with `# nosec <id>` and a
  comment saying why.
- pip-audit `--strict` over exactly the pinned requirements (requirements-dev.txt, which includes
  requirements.txt). Without `--strict` pip-audit reports "No known vulnerabilities found" and exits 0 even
  when it could reach no vulnerability database. With it, an unreachable
  database makes it fail with "could not be audited" or a network error: `interpret_pip_audit` turns that
  into an explicit, printed "pip-audit SKIPPED: ..." line (not a failure, never a silent pass), and keeps
  every other failure, found vulnerabilities first of all, a failure.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BANDIT_TARGETS = ["bot", "operator_api", "devtools", "flows", "credex_api", "security", "sandbox", "config"]
PIP_AUDIT_ARGS = [
    "--strict",
    "--progress-spinner",
    "off",
    "-r",
    "requirements-dev.txt",
    "--no-deps",
    "--disable-pip",
]
TIMEOUT_SECONDS = 600

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
_VULNERABILITIES = re.compile(r"Found \d+ known vulnerabilit", re.IGNORECASE)
# What pip-audit prints when no vulnerability database answers (the PyPI JSON API or OSV).
_UNREACHABLE = (
    "could not be audited",
    "ConnectionError",
    "NameResolutionError",
    "Max retries exceeded",
    "Failed to resolve",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Connection refused",
    "timed out",
    "Network is unreachable",
)


@dataclass(frozen=True)
class Verdict:
    status: str
    line: str


def interpret_pip_audit(returncode: int, output: str) -> Verdict:
    """What a `pip-audit --strict` run means: passed, failed, or skipped because no database answered."""
    if _VULNERABILITIES.search(output):
        return Verdict(FAILED, "pip-audit FAILED: known vulnerabilities found (see above)")
    if returncode == 0:
        return Verdict(PASSED, "pip-audit passed: every pinned dependency audited, no known vulnerabilities")
    for line in output.splitlines():
        marker = next((marker for marker in _UNREACHABLE if marker.lower() in line.lower()), None)
        if marker is not None:
            reason = line.strip().removeprefix("ERROR:pip_audit._cli:").strip()[:160]
            return Verdict(SKIPPED, f"pip-audit SKIPPED: no vulnerability database reachable ({reason})")
    return Verdict(FAILED, f"pip-audit FAILED: exit status {returncode} (see its output above)")


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
    )


def bandit_verdict(report: dict) -> tuple[bool, list[str]]:
    """From bandit's JSON report: (no high-severity finding, one line per finding of medium or above)."""
    lines = [
        f"{issue['issue_severity']} {issue['test_id']} {issue['filename']}:{issue['line_number']} "
        f"{issue['issue_text']}"
        for issue in report.get("results", [])
    ]
    highs = [issue for issue in report.get("results", []) if issue["issue_severity"] == "HIGH"]
    return not highs and not report.get("errors"), lines


def bandit() -> bool:
    result = _run(["bandit", "-r", *BANDIT_TARGETS, "-ll", "-f", "json", "-q"])
    try:
        ok, lines = bandit_verdict(json.loads(result.stdout))
    except ValueError:
        print(result.stdout + result.stderr, end="")
        print("bandit FAILED: no report (see its output above)")
        return False
    for line in lines:
        print(line)
    if ok:
        print(f"bandit passed: no high-severity finding ({len(lines)} of medium severity listed above)")
    else:
        print("bandit FAILED: high-severity findings (above); fix them or justify each with # nosec <id>")
    return ok


def pip_audit() -> bool:
    result = _run(["pip_audit", *PIP_AUDIT_ARGS])
    output = result.stdout + result.stderr
    verdict = interpret_pip_audit(result.returncode, output)
    if verdict.status != SKIPPED:
        print(output, end="")
    print(verdict.line)
    return verdict.status != FAILED


def main(argv: list[str]) -> int:
    checks = {"bandit": bandit, "pip-audit": pip_audit}
    chosen = argv or list(checks)
    unknown = [name for name in chosen if name not in checks]
    if unknown:
        print(f"unknown check(s): {', '.join(unknown)}; choose from {', '.join(checks)}", file=sys.stderr)
        return 2
    results = [checks[name]() for name in chosen]  # every check runs, even after a failure
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
