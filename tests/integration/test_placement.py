"""deploy/placement.py: Gunicorn workers pinned one per CPU when they divide evenly over the allowed CPUs,
left to the scheduler otherwise or when switched off; checked on real workers through their affinity."""

from __future__ import annotations

import os

import pytest

from deploy.placement import cpu_for
from tests.support.gunicorn import serve, worker_pids

ALLOWED = sorted(os.sched_getaffinity(0))
WORKERS = min(len(ALLOWED), 4)  # one worker per allowed CPU (at most 4, to keep the test short)


@pytest.mark.parametrize(
    ("slot", "workers", "allowed", "expected"),
    [
        (0, 2, [0, 1], 0),
        (1, 2, [0, 1], 1),
        (3, 4, [0, 1], 1),  # two workers per CPU
        (2, 2, [0, 1], 0),  # a replacement's slot during a reload wraps around
        (1, 2, [4, 6], 6),  # the CPUs this process may use, not 0..n
        (0, 5, [0, 1], None),  # 5 workers on 2 CPUs: uneven, left to the scheduler
        (0, 1, [0, 1], None),
        (None, 2, [0, 1], None),  # a worker without a board slot
        (0, 0, [0, 1], None),
    ],
)
def test_the_cpu_of_each_slot(slot, workers, allowed, expected):
    assert cpu_for(slot, workers, allowed) == expected


def _affinities(served) -> list[set[int]]:
    return [os.sched_getaffinity(pid) for pid in worker_pids(served)]


@pytest.mark.skipif(len(ALLOWED) > 4, reason="pins only when the workers divide evenly; this test runs ≤ 4")
def test_one_worker_per_cpu_is_pinned_each_to_its_own(tmp_path):
    with serve(tmp_path, workers=WORKERS) as served:
        affinities = _affinities(served)
    assert len(affinities) == WORKERS
    assert sorted(cpu for affinity in affinities for cpu in affinity) == ALLOWED[:WORKERS]


def test_workers_that_do_not_divide_evenly_are_left_to_the_scheduler(tmp_path):
    with serve(tmp_path, workers=len(ALLOWED) + 1) as served:
        affinities = _affinities(served)
    assert affinities == [set(ALLOWED)] * (len(ALLOWED) + 1)


def test_pinning_can_be_switched_off(tmp_path):
    with serve(tmp_path, workers=WORKERS, GUNICORN_CPU_PINNING="off") as served:
        affinities = _affinities(served)
    assert affinities == [set(ALLOWED)] * WORKERS
