"""Erasure finds every Redis key the real stores write for a member, because each store registers its own
keys (`security.member_redis`): nothing here spells a key format.

The member's data is written through the stores' own code paths on both real Redis instances (conversation
and lock, confirmation, inbox stream entry, inbound and money counters, member and not-a-member flags, the
ledger token and the number's throttle bucket); the keys that appeared are the member's. After an erasure
through the operator API, a SCAN of both instances finds none of them, while another member's keys stay.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_redis import get_redis_connection

from bot import queue
from bot.inbound_limits import inbound_decision
from bot.models import InboxMessage
from bot.queue import enqueue_members
from credex_api.client import CredexClient
from credex_api.conf import ClientConfig
from credex_api.throttle import Priority
from flows import membership
from flows.confirmations import ConfirmationStore
from flows.state import ConversationState
from flows.store import ConversationStore, member_keys, member_lock
from security import ratelimit
from tests.support.operators import bearer, make_user, tokens

pytestmark = pytest.mark.django_db

RUDO, TENDAI = "263771234567", "263770000001"


def all_keys() -> dict[str, set[bytes]]:
    conns = {"state": get_redis_connection("state"), "cache": get_redis_connection("default")}
    return {name: set(conn.scan_iter(count=1000)) for name, conn in conns.items()}


def stream_entries() -> int:
    return len(get_redis_connection("state").xrange(queue.stream_key()))


def leave_traces(wa_id: str) -> None:
    """What a member's ordinary use leaves in Redis, written by the stores themselves."""
    store = ConversationStore()
    with member_lock(wa_id, ttl_ms=60_000, wait_seconds=1) as held:
        store.save(wa_id, ConversationState(flow="offer", step="amount", data={"to": "x"}), 0, held=held)
        ConfirmationStore().issue(wa_id=wa_id, action="offer.create", values={"amount": "5"})
        row = InboxMessage.objects.create(
            wa_id=wa_id, wamid=f"wamid.{wa_id}", kind="text", event={}, message_ts=timezone.now()
        )
        enqueue_members([(wa_id, row.pk)])
        inbound_decision(wa_id)  # the inbound minute and day counters
        ratelimit.hit("money", wa_id, limit=10, window_seconds=60)
        membership.remember_member(wa_id)
        membership.remember_not_member(wa_id)
        client = CredexClient(ClientConfig.from_settings(throttle_per_number_per_minute=60))
        client.tokens.put(wa_id, f"ledger-token-of-{wa_id}")
        client.throttle.acquire(Priority.MEMBER, caller=wa_id)
        assert get_redis_connection("state").exists(member_keys(wa_id).lock)  # the lock is the member's too


def test_erasure_leaves_none_of_the_keys_the_stores_wrote_for_the_member(client, settings):
    settings.MYCREDEX_NOT_MEMBER_MEMORY_SECONDS = 300
    make_user()
    access = tokens(client)["access"]
    before = all_keys()
    leave_traces(TENDAI)
    tendai = {name: keys - before[name] for name, keys in all_keys().items()}
    leave_traces(RUDO)
    rudo = {name: keys - before[name] - tendai[name] for name, keys in all_keys().items()}
    assert len(rudo["state"]) >= 3 and len(rudo["cache"]) >= 6, rudo  # conversation, confirmation; counters…
    entries = stream_entries()

    response = client.post(f"/api/members/{RUDO}/erase/", **bearer(access))

    assert response.status_code == 200
    after = all_keys()
    assert {name: rudo[name] & after[name] for name in after} == {"state": set(), "cache": set()}
    assert {name: tendai[name] - after[name] for name in after} == {"state": set(), "cache": set()}
    assert stream_entries() == entries - 1  # the member's entry went, the other's stayed
