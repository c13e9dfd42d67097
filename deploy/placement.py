"""Gunicorn worker placement: how many workers by default, and each pinned to one CPU when they divide evenly.

By default there is one worker per CPU this process may run on (at most 8), each with `DEFAULT_THREADS`
threads, so every worker is pinned. Measured on the 2-core development VM with `python -m bench webhook_ack`,
alternating shapes in one session:
- PostgreSQL with fsync on (each commit waits for the disk, as in production): 2 × 2 served 704-777
  deliveries/s with p99 96-113 ms, 2 × 1 634-812 with 110-122 ms, and 5 workers × 1 thread (the former
  default, 2 × cores + 1) 526-587 with 144-150 ms. The second thread lets a worker go on while its commit
  is flushed, as it must with a database on another host.
- PostgreSQL with fsync off (CPU only): 5 × 1 gave 755-941/s with p99 93-118 ms, 2 × 1 1,073-1,255 with
  68-75 ms, 2 × 2 1,138-1,396 with 65-79 ms; the bare floor fell from about 2,000 to 1,340-1,550
  requests/s with 5 workers. On SQLite, 2 × 2 and 2 × 1 were alike (917-1,023/s, p99 85-105 ms).
- The cost of the second thread: with all three servers up (`make bench`), it sped the bare floor up more
  than the webhook, so the webhook's share of the floor fell to 46-49 % (51-59 % with 1 thread) and its
  PostgreSQL p99 rose to 103-108 ms (87-91 ms), in two pairs of runs. Production is the flushed case.
  Longer pairs later, in a slower phase of the VM (floor about 1,600 requests/s), did not repeat that gap:
  12 rounds gave shares of 46.7 % (SQLite) and 44.5 % (PostgreSQL) with 2 threads against 44.9 % and 43.2 %
  with 1; 8 rounds gave 46.4 % and 44.3 % against 46.9 % and 52.0 %.

Pinning, measured the same way with 2 workers × 1 thread, in two pairs of runs alternating
`GUNICORN_CPU_PINNING=auto` and `off`: pinned, the webhook served 926-934 (SQLite) and 945-1,030
(PostgreSQL) deliveries/s with p99 97.5-100.7 and 78.2-79.5 ms; unpinned 689-773 and 747-824, with p99
107.6-123.2 and 102.2-109.8 ms. A worker is busy Python on one interpreter lock, so it gains nothing from
moving, and on a virtual machine every move between CPUs is dear. Pinning is only done when every allowed
CPU gets the same number of workers (2 workers on 2 CPUs, 4 on 2...): otherwise (5 on 2, say) the
scheduler keeps balancing them. `GUNICORN_CPU_PINNING=off` turns it off. The CPU is chosen
from the worker's board slot (`deploy/balanced_worker.py`), so a replacement worker takes the CPU of the one
it replaces.
"""

from __future__ import annotations

import os

from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker

MAX_DEFAULT_WORKERS = 8  # each worker also holds database and Redis connections
DEFAULT_THREADS = 2


def default_workers() -> int:
    """One worker per CPU this process may run on, at most MAX_DEFAULT_WORKERS."""
    return max(1, min(len(os.sched_getaffinity(0)), MAX_DEFAULT_WORKERS))


def cpu_for(slot: int | None, workers: int, allowed: list[int]) -> int | None:
    """The CPU for the worker in `slot`, or None when the workers do not divide evenly over `allowed`."""
    if slot is None or not allowed or workers <= 0 or workers % len(allowed) != 0:
        return None
    return allowed[slot % len(allowed)]


def planned_cpu(slot: int | None, workers: int) -> int | None:
    """The CPU a worker in `slot` of `workers` is pinned to here, or None (uneven, or switched off)."""
    if os.environ.get("GUNICORN_CPU_PINNING", "auto").strip().lower() == "off":
        return None
    return cpu_for(slot, workers, sorted(os.sched_getaffinity(0)))


def pin_worker(server: Arbiter, worker: Worker) -> None:
    """Gunicorn `post_fork` hook (in the new worker): pin it to its CPU when placement applies."""
    cpu = planned_cpu(getattr(worker, "board_slot", None), server.num_workers)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
