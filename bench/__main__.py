"""`python -m bench [NAME ...] [--option ...]`: run every benchmark module (or the named ones) and print
their figures. Options after the names are handed to each named benchmark (`python -m bench webhook_ack
--rounds 6`); `python -m bench.NAME --help` lists a benchmark's options.

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

SUPPORT_MODULES = frozenset(
    {
        "ack_setup",
        "common",
        "floor",
        "rounds",
        "turn_figures",
        "turn_graph",
        "turn_load",
        "turn_report",
        "turn_stack",
        "wrkload",
    }
)


def benchmark_names() -> list[str]:
    """Every module of the bench package that is a benchmark, in name order."""
    return sorted(
        module.name
        for module in pkgutil.iter_modules(bench.__path__)
        if not module.name.startswith("_") and module.name not in SUPPORT_MODULES
    )


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds through each benchmark's cleanup, like Ctrl-C


def run_all(names: list[str], options: list[str] | None = None) -> list[str]:
    """Run each named benchmark in turn (with `options`); return the names of those that could not run."""
    failed = []
    for name in names:
        print(f"=== bench.{name} ===", flush=True)
        try:
            importlib.import_module(f"bench.{name}").run(list(options or []))
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(flush=True)
    return failed


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        first_option = next((index for index, word in enumerate(argv) if word.startswith("-")), len(argv))
        names, options = argv[:first_option], argv[first_option:]
        failed = run_all(names or benchmark_names(), options)
    except KeyboardInterrupt:
        print("interrupted: every process the benchmarks started has been stopped", file=sys.stderr)
        return 130
    if failed:
        print(f"could not run: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
