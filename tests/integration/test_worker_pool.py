"""`bot.worker_pool.MemberPool`: members really run at once, each on its own database connection, one job per
member at a time, and a member asked for while running goes back to the queue when its job ends."""

import threading

import pytest
from django.db import connection

from bot.models import InboxMessage
from bot.worker_pool import MemberPool

pytestmark = pytest.mark.django_db(transaction=True)


def test_jobs_of_different_members_run_at_once_each_on_its_own_database_connection():
    members = [f"26377200000{n}" for n in range(4)]
    barrier = threading.Barrier(len(members), timeout=10)
    seen: dict[str, tuple[int, int]] = {}
    finished = threading.Semaphore(0)

    def job(wa_id: str) -> None:
        barrier.wait()  # passes only if all four jobs are running together
        InboxMessage.objects.filter(wa_id=wa_id).count()  # a real query on this thread's connection
        seen[wa_id] = (threading.get_ident(), id(connection.connection))

    pool = MemberPool(4, job, requeue=lambda *_: None)
    for member in members:
        assert pool.submit(member, None, finished.release)
    for _ in members:
        assert finished.acquire(timeout=15)
    pool.shutdown()
    assert sorted(seen) == members
    assert len({thread for thread, _conn in seen.values()}) == 4
    assert len({conn for _thread, conn in seen.values()}) == 4  # no connection shared between threads


def test_a_member_is_never_run_twice_at_once_and_goes_round_again_when_asked_meanwhile():
    running, release = threading.Event(), threading.Event()
    requeued: list[tuple[str, int]] = []
    acks: list[str] = []

    def job(wa_id: str) -> None:
        running.set()
        release.wait(10)

    pool = MemberPool(4, job, requeue=lambda wa_id, row: requeued.append((wa_id, row)))
    assert pool.submit("263772000010", 1, lambda: acks.append("first"))
    assert running.wait(5)
    assert not pool.submit("263772000010", 7, lambda: acks.append("second"))  # already running here
    assert pool.free_slots() == 3
    release.set()
    pool.shutdown()
    assert acks == ["first"]  # the second entry is the caller's to acknowledge
    assert requeued == [("263772000010", 7)]  # to the end of the queue, not straight on
    assert pool.free_slots() == 4


def test_a_failing_job_frees_its_slot_and_still_acknowledges():
    acks: list[str] = []

    def job(wa_id: str) -> None:
        raise RuntimeError("the database went away")

    pool = MemberPool(1, job, requeue=lambda *_: None)
    pool.submit("263772000020", None, lambda: acks.append("done"))
    pool.shutdown()
    assert acks == ["done"]
    assert pool.free_slots() == 1
