"""Property test of money truth (issue 20): any interleaving of offers, taps, redeliveries, worker crashes,
ledger faults and reconciliation sweeps leaves the ledger and the member's messages true (signed webhook,
real sandbox over HTTP; the ledger is read from the sandbox's database, read-only). About 15 s.

Hypothesis draws a program of steps for one payer (5.00 USD secured) and one payee:
- `offer`: a new offer, each with its own amount (so every message names one offer); `again`: the last
  offer asked again (an identical twin);
- `tap i`: a tap (fresh wamid) on the Confirm of the latest screen (i = 0) or the one before; `redeliver`:
  the last tap again, same wamid (either before any tap is a first tap);
- `crash`: the worker died in the last tap's turn after its ledger call: the inbox row is `processing`, its
  replies never recorded (they are written after the turn); a new worker (`process_member`) takes it;
- `die`: the next tap's worker dies after the ledger answered, before recording it (the one mock: a process
  death cannot be produced in-process): the instruction stays `sent` under its lease, the member hears
  nothing; the next `crash` step, or the end, runs a new worker;
- `fault kind`: the next `createCredex` (or `login`) meets a fault: commitThenError (400 SIGNATURE_ERROR,
  404 "Failed to fetch dashboard data"), readTimeout, error500 before/after, burst429, latency;
- `sweep`: the worker's reconciliation (`reconcile_unknown`), then its settled notices (`tell_settled`).
Then faults off, sweeps until nothing is left, and checked: every confirmed instruction ends `done` or
`failed`, `done` ⇔ its credex is at the ledger; at most one credex per confirmation, none without one;
- every message is true: "went through" / "Offer sent" ⇔ the credex exists; "did not go through" ⇔ it
  does not; a bare "nothing was sent": that delivery added no credex; "I cannot tell yet": the end follows.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.models import InboxMessage, OutboxMessage
from bot.processing import process_member
from bot.settled import tell_settled
from credex_api.client import reset_client
from credex_api.models import Instruction
from credex_api.reconcile import reconcile_unknown
from devtools import payloads as p
from flows.money import OUTCOME_UNKNOWN
from tests.e2e.chat import MOCK, Member, body
from tests.e2e.conftest import onboard
from tests.support.fake_graph import fake_graph_fixture  # noqa: F401  (fixture)
from tests.support.signing import post_signed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SIGNATURE_ERROR = {"message": "Failed to create credex", "data": {"action": {"type": "ERROR_INTERNAL"}}}
NO_DASHBOARD = {"message": "Failed to fetch dashboard data"}
FAULTS: dict[str, dict] = {
    "commitThenError400": {"kind": "commitThenError", "route": "createCredex", "status": 400,
                           "body": SIGNATURE_ERROR},
    "commitThenError404": {"kind": "commitThenError", "route": "createCredex", "status": 404,
                           "body": NO_DASHBOARD},
    "readTimeout": {"kind": "readTimeout", "route": "createCredex", "seconds": 1.5},
    "error500": {"kind": "error500", "route": "createCredex"},
    "error500after": {"kind": "error500", "route": "createCredex", "phase": "after"},
    "burst429": {"kind": "burst429", "route": "createCredex", "retryAfter": 30},
    "latency": {"kind": "latency", "route": "createCredex", "ms": 300},
    "loginError500": {"kind": "error500", "route": "login", "count": 3},
}  # fmt: skip
TAP = st.tuples(st.just("tap"), st.sampled_from([0, 0, 1]))  # 0: the latest screen, 1: the one before
STEP = st.one_of(
    st.just(("offer",)),
    st.just(("again",)),
    TAP,
    TAP,
    st.just(("redeliver",)),
    st.just(("crash",)),
    st.just(("die",)),
    st.tuples(st.just("fault"), st.sampled_from(sorted(FAULTS))),
    st.just(("sweep",)),
)
PROGRAM = st.lists(STEP, min_size=2, max_size=10).map(lambda steps: [("offer",), *steps])
SETTLED = (Instruction.State.DONE, Instruction.State.FAILED)
NOTHING_SENT = ("nothing was sent", "nothing more was sent", "did not act on it", "could not do that")
MENTION = re.compile(r"(?:Offer sent: |Your offer of )(\d+\.\d\d) USD")


class WorkerDiedError(BaseException):
    """The worker process ended mid-turn (a BaseException: no handler in the bot catches it)."""


@dataclass
class Heard:
    """One thing the member read, with the payer's credexes (amount → count) before and after it."""

    text: str
    amount: str | None  # the offer screen tapped, if any
    before: dict[str, int]
    after: dict[str, int]


@dataclass
class Run:
    ledger: object
    fake_graph: object
    payer: Member
    payee: Member
    screens: list[tuple[str, dict]] = field(default_factory=list)  # (amount, confirmation reply)
    heard: list[Heard] = field(default_factory=list)
    last_tap: dict | None = None
    last_amount: str | None = None
    offers: int = 0
    dying: bool = False

    def credexes(self) -> dict[str, int]:
        """The payer's credexes at the ledger (any status), by amount, read from the sandbox's database."""
        path = self.ledger.workdir / "sandbox.sqlite3"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
            rows = db.execute(
                "SELECT c.initial_units FROM ledger_credex c JOIN ledger_account a"
                " ON c.issuer_id = a.account_id WHERE a.account_handle = ?",
                (self.payer.phone,),
            ).fetchall()
        counts: dict[str, int] = {}
        for (units,) in rows:
            amount = f"{Decimal(units) / 10**8:.2f}"
            counts[amount] = counts.get(amount, 0) + 1
        return counts

    def sent_texts(self) -> list[str]:
        return [body(r.json) for r in self.fake_graph.requests if r.to.lstrip("+") == self.payer.phone]

    def observe(self, amount: str | None, action) -> None:
        """Run `action` (returning the inline replies) and record all the member read because of it."""
        before, graph_before = self.credexes(), len(self.sent_texts())
        replies = action()
        after = self.credexes()
        texts = [body(r) for r in replies] + self.sent_texts()[graph_before:]
        self.heard += [Heard(text, amount, before, after) for text in texts if text]

    def deliver(self, message: dict) -> list[dict]:
        if not self.dying:
            response = post_signed(self.payer.client, p.single(message), headers=MOCK)
            assert response.status_code == 200, response.status_code
            return response.json()["replies"]
        with mock.patch("credex_api.instructions._finish", side_effect=WorkerDiedError):
            try:
                post_signed(self.payer.client, p.single(message), headers=MOCK)
            except WorkerDiedError:
                self.dying = False
        return []

    def step(self, op: tuple) -> None:
        kind = op[0]
        if kind in ("redeliver", "crash") and self.last_tap is None:
            kind, op = "tap", ("tap", 0)  # nothing tapped yet: the member taps first
        if kind in ("offer", "again"):
            self.ask(again=kind == "again")
        elif kind == "tap" and self.screens:
            self.tap(back=op[1])
        elif kind == "redeliver":
            self.observe(self.last_amount, lambda: self.deliver(self.last_tap))
        elif kind == "crash":
            row = InboxMessage.objects.get(wamid=self.last_tap["id"])  # died in the turn, after the ledger
            OutboxMessage.objects.filter(in_reply_to=row).delete()  # call: its replies were never recorded
            InboxMessage.objects.filter(pk=row.pk).update(status=InboxMessage.Status.PROCESSING)
            self.observe(self.last_amount, lambda: worker(self.payer.phone))
        elif kind == "die":
            self.dying = True
        elif kind == "fault":
            self.ledger.fault(**FAULTS[op[1]])
        elif kind == "sweep":
            self.observe(None, lambda: sweep(timezone.now()))

    def ask(self, *, again: bool) -> None:
        """The payer types an offer: a new amount, or the last one again (a twin)."""
        if not again or not self.screens:
            self.offers += 1
        amount = f"{Decimal('0.09') + Decimal(self.offers) / 100:.2f}"
        replies = self.payer.say(f"{amount}=>{self.payee.phone}")
        confirm = [r for r in replies if "Confirm" in str(r.get("interactive", ""))]
        if confirm:
            self.screens.append((amount, confirm[-1]))

    def tap(self, *, back: int) -> None:
        """A tap (fresh wamid) on the Confirm of the latest screen, or `back` screens before it."""
        amount, screen = self.screens[-1 - back % len(self.screens)]
        choice, _ = self.payer.option("Confirm", reply=screen)
        self.last_tap = p.button_reply(choice, "Confirm", sender=self.payer.phone)
        self.last_amount = amount
        self.observe(amount, lambda: self.deliver(self.last_tap))

    def settle(self) -> None:
        """Faults off, then sweeps with the clock moved past every backoff until nothing is left."""
        self.ledger.admin("clearFaults")
        self.dying = False
        self.observe(self.last_amount, lambda: worker(self.payer.phone))  # rows a dead worker left
        now = timezone.now()
        for hop in range(12):
            now += timedelta(hours=2)
            self.observe(None, lambda at=now: sweep(at))
            open_rows = Instruction.objects.filter(member=self.payer.phone).exclude(
                state__in=(*SETTLED, Instruction.State.PENDING)
            )
            if not open_rows.exists() and hop:
                break


def sweep(now) -> list[dict]:
    """The worker's reconciliation pass (`run_worker._reconcile`, at `now`); it replies nothing inline."""
    reconcile_unknown(now=now)
    tell_settled()
    return []


def worker(phone: str) -> list[dict]:
    """A worker takes the member's unfinished rows (replies go out through the outbox)."""
    process_member(phone, wait_seconds=5)
    return []


def check(run: Run) -> None:
    final = run.credexes()
    instructions = list(Instruction.objects.filter(member=run.payer.phone, action="credex_offer"))
    by_amount: dict[str, list[Instruction]] = {}
    for row in instructions:  # a confirmation given back (nothing sent) gets a new instruction per tap
        by_amount.setdefault(f"{Decimal(row.params['amount']):.2f}", []).append(row)
    screens = Counter(amount for amount, _ in run.screens)
    for amount, rows in by_amount.items():
        confirmed = [row for row in rows if row.state != Instruction.State.PENDING]
        assert all(row.state in SETTLED for row in confirmed), (amount, [row.state for row in rows])
        done = sum(row.state == Instruction.State.DONE for row in confirmed)
        assert final.get(amount, 0) == done, f"{amount}: {final.get(amount, 0)} credexes, {done} done"
        assert done <= screens[amount], (
            f"{screens[amount]} confirmations of {amount} went through {done} times"
        )
    assert set(final) <= set(by_amount), f"credexes without an instruction: {final}"
    for heard in run.heard:
        check_heard(heard, final, by_amount)
    unknown = {h.amount for h in run.heard if OUTCOME_UNKNOWN in h.text}
    for amount in unknown:
        endings = [h for h in run.heard if f"Your offer of {amount} USD" in h.text]
        assert endings, f"told the offer of {amount} was uncertain and never told its end"


def check_heard(heard: Heard, final: dict[str, int], by_amount: dict[str, list[Instruction]]) -> None:
    text, named = heard.text, MENTION.search(heard.text)
    if named:
        amount = named.group(1)
        if "did not go through" in text:  # of identical offers (`again`), one of them did not
            confirmed = [row for row in by_amount[amount] if row.state != Instruction.State.PENDING]
            assert final.get(amount, 0) < len(confirmed), (
                f"told {amount} did not go through, it did: {text!r}"
            )
        elif "Offer sent" in text or "went through" in text:
            assert amount in final and amount in heard.after, (
                f"told {amount} went through, it did not: {text!r}"
            )
        return
    if any(words in text.lower() for words in NOTHING_SENT):
        assert heard.after == heard.before, f"told nothing was sent, but the ledger changed: {text!r}"


@pytest.fixture
def fast_money(ledger, settings):
    settings.MYCREDEX_READ_TIMEOUT = 1.0
    settings.MYCREDEX_RECONCILE_SETTLE_SECONDS = 0  # a sweep after the tap: what is not there never will be
    settings.MYCREDEX_BREAKER_CONSECUTIVE_FAILURES = settings.MYCREDEX_BREAKER_WINDOW_FAILURES = 10_000
    reset_client()
    return ledger


@hsettings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(program=PROGRAM)
@example(program=[("offer",), ("die",), ("tap", 0), ("sweep",), ("crash",), ("tap", 0)])
@example(program=[("offer",), ("fault", "readTimeout"), ("tap", 0), ("crash",), ("sweep",), ("tap", 0)])
@example(program=[("offer",), ("fault", "commitThenError400"), ("tap", 0), ("redeliver",), ("sweep",)])
@example(program=[("offer",), ("fault", "error500"), ("tap", 0), ("sweep",), ("tap", 0)])
@example(program=[("offer",), ("fault", "burst429"), ("tap", 0), ("tap", 0), ("redeliver",)])
@example(program=[("offer",), ("fault", "error500"), ("tap", 0), ("again",), ("tap", 0), ("sweep",)])
@example(program=[("offer",), ("fault", "readTimeout"), ("tap", 0), ("again",), ("tap", 0), ("sweep",)])
def test_any_interleaving_keeps_the_ledger_and_the_messages_true(program, fast_money, new_member, fake_graph):
    fast_money.reset()
    reset_client()
    payer, payee = new_member(), new_member()
    onboard(payer, "Tendai", "Moyo")
    onboard(payee, "Rudo", "Dube")
    fast_money.mint(payer.phone, "5.00")
    run = Run(fast_money, fake_graph, payer, payee)

    for op in program:
        run.step(op)
    run.settle()

    check(run)
