"""`python -m bench [NAME ...]`: run every benchmark module (or the named ones) and print their figures.

Exit status 0 when every benchmark produced its figures, whether or not it met its targets (a benchmark is
not a test); 1 when one could not run at all (a server would not start, for instance).
"""

from __future__ import annotations

import importlib
import pkgutil
import signal
import sys
import traceback

import bench

SUPPORT_MODULES = frozenset({"common", "floor"})


def benchmark_names() -> list[str]:
    """Every module of the bench package that is a benchmark, in name order."""
    return sorted(
        module.name
        for module in pkgutil.iter_modules(bench.__path__)
        if not module.name.startswith("_") and module.name not in SUPPORT_MODULES
    )


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds through each benchmark's cleanup, like Ctrl-C


def run_all(names: list[str]) -> list[str]:
    """Run each named benchmark in turn; return the names of those that could not run."""
    failed = []
    for name in names:
        print(f"=== bench.{name} ===", flush=True)
        try:
            importlib.import_module(f"bench.{name}").run([])
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(flush=True)
    return failed


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        failed = run_all(argv or benchmark_names())
    except KeyboardInterrupt:
        print("interrupted: every process the benchmarks started has been stopped", file=sys.stderr)
        return 130
    if failed:
        print(f"could not run: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
