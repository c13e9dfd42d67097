"""The bounded life of unsettled instructions and the lease of in-flight ones (issue 20, defects 5 and 6),
through the real sandbox over HTTP: a reconcile step that raises is a counted check with exponential backoff,
then one ops alert naming only the instruction; the sweep never judges a `sent` row its worker still holds;
a ledger answer arriving after the sweep settled the row corrects it and alerts ops."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.utils import timezone

from credex_api import services
from credex_api.instructions import instruction_confirm, instruction_create, instruction_execute
from credex_api.models import Instruction
from credex_api.reconcile import reconcile_unknown
from tests.credex_api.instruction_helpers import State, credexes, new_offer, offer_params
from tests.support.admin_lists import changelist, verified_staff


def _alerts(caplog, key: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "security.alerts" and getattr(r, "alert", "") == key]


def _unknown_accept(pair, client) -> Instruction:
    created = services.credex_offer(phone=pair[0].phone, client=client, **offer_params(pair))
    row = instruction_create(
        member=pair[1].phone, action="credex_accept", params={"credex_id": created.credex_id}
    )
    Instruction.objects.filter(pk=row.pk).update(
        state=State.UNKNOWN, sent_at=timezone.now() - timedelta(hours=1)
    )
    return row


@pytest.mark.django_db
def test_a_reconcile_step_that_raises_backs_off_then_alerts_ops_with_the_id_only(
    sandbox, make_client, pair, settings, caplog
):
    settings.MYCREDEX_RECONCILE_BACKOFF_SECONDS = 30
    settings.MYCREDEX_RECONCILE_ALERT_CHECKS = 3
    client = make_client(sandbox.url, sandbox.client_api_key, max_attempts=1)
    row = _unknown_accept(pair, client)
    sandbox.fault("error500", route="getCredex", count=100)  # the ledger cannot answer the read
    caplog.set_level(logging.INFO, logger="security.alerts")

    now, checks = timezone.now(), []
    for _ in range(3):
        report = reconcile_unknown(client=client, now=now)
        row.refresh_from_db()
        checks.append((report.examined, report.errors, row.reconcile_attempts, row.next_check_at - now))
        assert reconcile_unknown(client=client, now=now + timedelta(seconds=1)).examined == 0  # backing off
        now = row.next_check_at

    assert [c[:3] for c in checks] == [(1, 1, 1), (1, 1, 2), (1, 1, 3)]
    assert [c[3] for c in checks] == [timedelta(seconds=s) for s in (30, 60, 120)]
    assert row.state == State.UNKNOWN and row.alerted_at is not None
    [alert] = _alerts(caplog, "instruction.unsettled")
    assert str(row.key) in alert.getMessage() or str(row.key) in str(alert.alert_details)
    assert pair[1].phone not in caplog.text and pair[1].phone[-9:] not in str(alert.alert_details)
    reconcile_unknown(client=client, now=now)
    assert len(_alerts(caplog, "instruction.unsettled")) == 1  # once per instruction


@pytest.mark.django_db
def test_an_unsettled_instruction_is_visible_in_the_admin(sandbox, ledger, pair):
    row = _unknown_accept(pair, ledger)
    Instruction.objects.filter(pk=row.pk).update(reconcile_attempts=7, alerted_at=timezone.now())
    settled = new_offer(pair)
    staff = verified_staff()

    page = staff.get(changelist(Instruction), {"unsettled": "alerted"})

    assert page.status_code == 200
    text = page.content.decode()
    assert str(row.key) in text and str(settled.key) not in text
    assert "checks" in text and "alerted" in text.lower()


def _execute_in_thread(row, client) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(instruction_execute(row.key, client=client))
        except Exception as exc:  # asserted by the test
            outcome.append(exc)
        finally:
            close_old_connections()

    thread = threading.Thread(target=run)
    instruction_confirm(row.key)
    thread.start()
    deadline = time.monotonic() + 10
    while Instruction.objects.get(pk=row.pk).state != State.SENT and time.monotonic() < deadline:
        time.sleep(0.05)
    return thread, outcome


@pytest.mark.django_db(transaction=True)
def test_the_sweep_leaves_a_sent_row_alone_while_its_worker_holds_it(sandbox, make_client, pair):
    client = make_client(sandbox.url, sandbox.client_api_key, read_timeout=10.0)
    services.member_login(phone=pair[0].phone, client=client)  # the worker's token is ready
    row = new_offer(pair)
    sandbox.fault("latency", route="createCredex", ms=2500)
    thread, outcome = _execute_in_thread(row, client)

    later = timezone.now() + timedelta(seconds=100)  # past the old 70 s rule, inside the call's lease
    report = reconcile_unknown(client=make_client(sandbox.url, sandbox.client_api_key), now=later)
    thread.join(30)

    row.refresh_from_db()
    assert report.examined == 0
    assert row.state == State.DONE and row.ledger_ref == outcome[0].credex_id
    assert credexes(sandbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_late_ledger_success_corrects_a_row_the_sweep_failed_and_alerts_ops(
    sandbox, make_client, pair, settings, caplog
):
    settings.MYCREDEX_INSTRUCTION_LEASE_SECONDS = 0.5  # a lease shorter than this call (a bad setting)
    settings.MYCREDEX_RECONCILE_SETTLE_SECONDS = 0
    settings.MYCREDEX_READ_TIMEOUT = 0.5
    caplog.set_level(logging.INFO, logger="security.alerts")
    client = make_client(sandbox.url, sandbox.client_api_key, read_timeout=10.0)
    services.member_login(phone=pair[0].phone, client=client)
    row = new_offer(pair)
    sandbox.fault("latency", route="createCredex", ms=3000)
    thread, outcome = _execute_in_thread(row, client)
    time.sleep(1.0)

    report = reconcile_unknown(client=make_client(sandbox.url, sandbox.client_api_key))
    judged = Instruction.objects.get(pk=row.pk).state
    thread.join(30)

    row.refresh_from_db()
    assert (report.examined, judged) == (1, State.FAILED)  # the sweep judged it too early
    assert row.state == State.DONE and row.ledger_ref == outcome[0].credex_id  # the ledger's truth wins
    [alert] = _alerts(caplog, "instruction.corrected")
    assert str(row.key) in str(alert.alert_details)
    assert pair[0].phone not in caplog.text
