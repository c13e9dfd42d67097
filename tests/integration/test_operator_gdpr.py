"""GDPR export and erasure through the real views, the real database and both real Redis instances.

The member (Rudo) has rows in every registered model (her identity: her number, BSUID, parent BSUID and
WhatsApp username) and keys on both Redis instances; another member
(Tendai) offered Rudo credex, so Tendai's rows, conversation and confirmation mention Rudo's number and name.
After erasure, a dump of every table and of every Redis key and value holds neither, while Tendai's data
is still there (so the dump is not vacuously clean).
"""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_redis import get_redis_connection

from bot import queue
from bot.events import event_to_dict
from bot.models import InboxMessage, MemberIdentity, OutboxMessage, StatusEvent
from bot.queue import enqueue_members
from credex_api.auth import TokenStore
from credex_api.models import Instruction
from flows.confirmations import ConfirmationStore
from flows.state import ConversationState
from flows.store import ConversationStore, member_keys
from flows.types import TextMessage
from operator_api import gdpr
from security import pii
from tests.support.operators import bearer, make_user, tokens

pytestmark = pytest.mark.django_db

RUDO, TENDAI = "263771234567", "263770000001"
NAMES = ("Rudo Moyo", "Rudo Moyö")  # onboarding name; WhatsApp profile name (non-ASCII)
LEDGER_TOKEN = "ledger-jwt-of-rudo-0123456789"
BSUID, PARENT, USERNAME = "ZW.1502576394655843", "US.ENT.11815799212886844", "rudo.moyo"


def inbox(wa_id: str, body: str, profile: str, status: str = "done") -> None:
    event = TextMessage(
        wa_id=wa_id, message_id=f"wamid.{time.time_ns()}", timestamp=1, profile_name=profile, body=body
    )
    InboxMessage.objects.create(
        wamid=event.message_id, wa_id=wa_id, kind="text", message_ts=timezone.now(),
        event=event_to_dict(event), status=status,
    )  # fmt: skip


def outbox(wa_id: str, text: str, user_id: str = "") -> None:
    payload = {"messaging_product": "whatsapp", "to": wa_id, "type": "text", "text": {"body": text}}
    row = OutboxMessage.objects.create(
        wa_id=wa_id, kind="text", payload=payload, wamid=f"wamid.out.{time.time_ns()}"
    )
    StatusEvent.objects.create(
        wamid=row.wamid, status="sent", status_ts=timezone.now(), recipient_id=wa_id,
        recipient_user_id=user_id,
    )  # fmt: skip


@pytest.fixture
def members():
    inbox(RUDO, "hi", NAMES[1])
    inbox(RUDO, "my new number is 263771234567", NAMES[1], status="pending")
    outbox(RUDO, f"Welcome, {NAMES[0]}!", BSUID)
    MemberIdentity.objects.create(key=RUDO, phone=RUDO, bsuid=BSUID, parent_bsuid=PARENT, username=USERNAME)
    MemberIdentity.objects.create(key=TENDAI, phone=TENDAI, bsuid="ZW.99887766554433", username="tendai")
    Instruction.objects.create(
        member=RUDO, action="member_onboard", state="done", result={"memberID": "m-1", "firstname": "Rudo"},
        params={"first_name": "Rudo", "last_name": "Moyo", "default_denom": "USD"},
    )  # fmt: skip
    inbox(TENDAI, "12.50=>263771234567", "Tendai Moyo")
    outbox(TENDAI, f"Offer 12.50 USD to {NAMES[0].upper()} (+{RUDO})?")
    Instruction.objects.create(
        member=TENDAI, action="credex_offer", state="done", params={"receiver": RUDO, "amount": "12.50"},
        result={"counterparty": NAMES[0]}, error_reason="",
    )  # fmt: skip
    store, state = ConversationStore(), get_redis_connection("state")
    store.save(RUDO, ConversationState(flow="onboard", step="name", data={"first": "Rudo"}), 0)
    store.save(TENDAI, ConversationState(flow="offer", step="confirm", data={"to": RUDO}), 0)
    state.set(member_keys(RUDO).lock, "holder", px=60_000)
    confirmations = ConfirmationStore()
    confirmations.issue(wa_id=RUDO, action="tier.upgrade", values={"tier": 2})
    confirmations.issue(wa_id=TENDAI, action="offer.create", values={"to": RUDO, "name": NAMES[0]})
    enqueue_members(
        [(wa_id, InboxMessage.objects.filter(wa_id=wa_id).first().pk) for wa_id in (RUDO, TENDAI)]
    )
    ledger_tokens = TokenStore(
        get_redis_connection("default"),
        secret=settings.SECRET_KEY,
        ttl_seconds=60,
        lock_seconds=1,
        wait_seconds=0,
    )
    ledger_tokens.put(RUDO, LEDGER_TOKEN)


@pytest.fixture
def access(client) -> str:
    make_user()
    return tokens(client)["access"]


def database_dump() -> str:
    with connection.cursor() as cursor:
        rows = []
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our own table names
            rows += [repr(row) for row in cursor.fetchall()]
    return "\n".join(rows)


def redis_dump(alias: str) -> str:
    conn = get_redis_connection(alias)
    readers = {
        b"string": conn.get,
        b"hash": conn.hgetall,
        b"list": lambda key: conn.lrange(key, 0, -1),
        b"set": conn.smembers,
        b"zset": lambda key: conn.zrange(key, 0, -1),
        b"stream": conn.xrange,
    }
    return "\n".join(f"{key!r} {readers[conn.type(key)](key)!r}" for key in conn.scan_iter(count=1000))


def occurrences(text: str) -> list[str]:
    forms = [RUDO, *NAMES, "Moy\\u00f6", "Moy\\xc3\\xb6", BSUID, PARENT, USERNAME]  # ö: JSON, bytes-repr
    return [form for form in forms if form.lower() in text.lower()]


def test_export_covers_every_registered_field_and_the_redis_keys(client, access, members):
    response = client.get(f"/api/members/{RUDO}/export/", **bearer(access))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    for entry in pii.REGISTRY:  # every registered field, of every row of the member
        rows = data["records"][entry.model]
        assert rows, entry.model
        for row in rows:
            assert entry.field in row, entry
    assert {row["wa_id"] for row in data["records"]["bot.InboxMessage"]} == {RUDO}
    assert len(data["records"]["bot.InboxMessage"]) == 2
    assert data["records"]["credex_api.Instruction"][0]["params"]["last_name"] == "Moyo"
    assert data["records"]["bot.InboxMessage"][0]["event"]["profile_name"] == NAMES[1]
    assert data["redis"]["state_redis"] == {
        "conversation": data["redis"]["state_redis"]["conversation"],
        "conversation_marker": 1,
        "member_lock": 1,
        "confirmations": 1,
        "inbox_stream_entries": 1,
    }
    assert '"first": "Rudo"' in json.dumps(data["redis"]["state_redis"]["conversation"])
    assert data["redis"]["cache_redis"] == {
        "ledger_token": True,
        "ledger_throttle": 0,
        "rate_limits": 0,
        "not_member_flag": 0,
    }
    [identity] = data["records"]["bot.MemberIdentity"]
    assert (identity["key"], identity["bsuid"], identity["parent_bsuid"]) == (RUDO, BSUID, PARENT)
    assert identity["username"] == USERNAME
    assert LEDGER_TOKEN not in response.content.decode()
    assert "not ours to delete" in data["ledger"]


@pytest.mark.db_both  # JSON-as-text search and the row lock differ between SQLite and PostgreSQL
def test_erasure_leaves_no_trace_of_the_member_in_any_table_or_redis_key(client, access, members):
    state = get_redis_connection("state")  # what a version that named keys by the number left behind:
    state.set(f"vp:conv:{RUDO}:marker", '{"v":3,"t":1,"f":"offer","p":"amount"}', ex=86_400)
    state.xadd(queue.stream_key(), {"wa_id": RUDO})
    assert occurrences(database_dump()) and occurrences(redis_dump("state"))  # the dumps do see them
    response = client.post(f"/api/members/{RUDO}/erase/", **bearer(access))
    assert response.status_code == 200
    done = response.json()
    assert "not ours to delete" in done["ledger"]
    assert done["member"] == gdpr.pseudonym(RUDO)
    assert done["database"]["bot.InboxMessage"] == {"pseudonymised": 2, "mentions_removed": 1}
    assert done["database"]["credex_api.Instruction"] == {"pseudonymised": 1, "mentions_removed": 1}
    assert done["redis"]["confirmations"] == 1 and done["redis"]["inbox_stream_entries"] == 2
    counts = [done["redis"][name] for name in ("conversation", "conversation_marker", "member_lock")]
    assert counts == [1, 1, 1]  # named by the keyed hash
    assert done["redis"]["state_aof_rewrite"] == "done"
    assert done["redis"]["ledger_token"] == 1
    dumps = {"database": database_dump(), "state": redis_dump("state"), "cache": redis_dump("default")}
    assert {where: occurrences(text) for where, text in dumps.items()} == {w: [] for w in dumps}
    assert LEDGER_TOKEN not in dumps["cache"]
    # The other member's data is still there, with the mentions replaced.
    assert TENDAI in dumps["database"] and f"12.50=>{gdpr.pseudonym(RUDO)}" in dumps["database"]
    assert "Offer 12.50 USD to [erased] (+erased-" in dumps["database"]
    tendai = member_keys(TENDAI)
    assert f"b'{tendai.marker}'" in dumps["state"]  # Tendai's conversation about Rudo was reset
    assert f"b'{tendai.state}' " not in dumps["state"]
    # An erased message is never processed.
    assert not InboxMessage.objects.filter(status="pending").exists()
    assert response["Cache-Control"] == "no-store"


def test_export_and_erasure_are_audited_without_the_number(client, access, members):
    from security.models import AuditEvent

    client.get(f"/api/members/{RUDO}/export/", **bearer(access))
    client.post(f"/api/members/{RUDO}/erase/", **bearer(access))
    rows = list(AuditEvent.objects.filter(action__in=["member.exported", "member.erased"]).order_by("id"))
    assert [row.action for row in rows] == ["member.exported", "member.erased"]
    assert all(row.actor == "staff:operator" and RUDO not in repr(row.__dict__) for row in rows)


@pytest.mark.db_both  # JSON-as-text search and the row lock differ between SQLite and PostgreSQL
def test_erasure_waits_while_a_money_instruction_is_in_flight(client, access, members):
    Instruction.objects.create(member=RUDO, action="credex_offer", state="sent", params={"receiver": TENDAI})
    before = database_dump()
    response = client.post(f"/api/members/{RUDO}/erase/", **bearer(access))
    assert response.status_code == 409
    assert "in flight" in response.json()["error"]
    assert database_dump() == before
    assert get_redis_connection("state").exists(member_keys(RUDO).state)


def test_a_member_with_no_data_exports_empty_records_and_erases_to_zero_counts(client, access):
    data = client.get("/api/members/263779999999/export/", **bearer(access)).json()
    assert all(rows == [] for rows in data["records"].values())
    done = client.post("/api/members/263779999999/erase/", **bearer(access)).json()
    assert all(counts == {"pseudonymised": 0, "mentions_removed": 0} for counts in done["database"].values())


@pytest.mark.parametrize("path", ["/api/members/0123456/export/", "/api/members/26377abc/erase/"])
def test_a_malformed_member_id_is_refused_with_a_reason(client, access, path):
    method = client.post if path.endswith("erase/") else client.get
    response = method(path, **bearer(access))
    assert response.status_code == 400
    assert "not a WhatsApp number" in response.json()["error"]
