"""Benchmarks: each prints its figures and the ratios against its targets; none is a pass/fail test.

`python -m bench` (or `make bench`) runs every benchmark module of this package in turn; a benchmark module
defines `run(argv: list[str] | None = None) -> None`. Support modules are listed in `bench.__main__`.
"""
