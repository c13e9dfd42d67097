"""The admin's pages through a TOTP-verified operator: read-only, numbers masked, no message contents.

What an operator would see: the inbox, outbox, statuses, platform errors and instructions with every phone
number masked and no message text or payload; latency in milliseconds; nothing to add, change or delete;
a full number typed into the search box finds the member without being shown back; "Members seen" with
its "Reset conversation" action (state Redis cleared for the selected member only, one audit row each,
refused to view-only staff); the ledger breaker's state, also when the cache Redis is down.
"""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bot.models import InboxMessage, MemberIdentity, OutboxMessage, PlatformError, StatusEvent
from credex_api.breaker import FAILURE, CircuitBreaker
from credex_api.conf import ClientConfig, cache_redis
from credex_api.models import Instruction
from deploy.localredis import free_port
from flows.state import ConversationState
from flows.store import ConversationStore
from security import ratelimit
from security.models import AuditEvent
from security.redaction import mask_bsuid, mask_phone
from tests.support.admin import logged_in, login, make_operator

pytestmark = pytest.mark.django_db

WA_ID, OTHER = "263771234567", "263779876543"
TEXT = "my private message 4711"
BSUID, USERNAME, UNLINKED = "ZW.1502576394655843", "rudo.moyo", "u" + "3fa9" * 6
MODELS = (InboxMessage, OutboxMessage, StatusEvent, PlatformError, Instruction, MemberIdentity)


@pytest.fixture
def traffic():
    now = timezone.now()
    first = InboxMessage.objects.create(
        wamid="wamid.IN1", wa_id=WA_ID, kind="text", message_ts=now, event={"text": TEXT}, status="done"
    )
    InboxMessage.objects.filter(pk=first.pk).update(
        received_at=now, processed_at=now + timedelta(seconds=1.5)
    )
    InboxMessage.objects.create(wamid="wamid.IN2", wa_id=WA_ID, kind="button", message_ts=now, event={})
    MemberIdentity.objects.create(key=WA_ID, phone=WA_ID, bsuid=BSUID, username=USERNAME)
    MemberIdentity.objects.create(key=UNLINKED, bsuid="ZW.77766655544", username="someone.else")
    InboxMessage.objects.create(
        wamid="wamid.IN3", wa_id=OTHER, kind="text", message_ts=now, event={"t": TEXT}
    )
    OutboxMessage.objects.create(
        wa_id=WA_ID, in_reply_to=first, kind="text", payload={"text": {"body": TEXT}}, status="accepted"
    )
    StatusEvent.objects.create(wamid="wamid.OUT1", status="delivered", status_ts=now, recipient_id=WA_ID)
    PlatformError.objects.create(code=131056, title="Pair rate limit hit", digest="d1")
    Instruction.objects.create(member=WA_ID, action="credex_offer", params={"to": OTHER, "note": TEXT})
    return first


def verified_client(**operator_options) -> Client:
    client = Client()
    assert logged_in(login(client, make_operator(**operator_options)))
    return client


@pytest.fixture
def staff_client():
    return verified_client()


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def test_every_page_masks_numbers_and_shows_no_message_content(staff_client, traffic):
    pages = [admin_url(model, "changelist") for model in MODELS]
    pages += [admin_url(model, "change", model.objects.first().pk) for model in MODELS]
    pages += [reverse("admin:bot_members"), reverse("admin:index")]
    for page in pages:
        response = staff_client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert WA_ID not in html and OTHER not in html, page
        assert TEXT not in html, page
        assert BSUID not in html and USERNAME not in html and UNLINKED not in html, page
    assert mask_phone(WA_ID) in staff_client.get(admin_url(InboxMessage, "changelist")).content.decode()
    assert mask_phone(WA_ID) in staff_client.get(admin_url(Instruction, "changelist")).content.decode()


def test_member_identities_are_masked_and_found_by_an_exact_key_number_or_bsuid(staff_client, traffic):
    listing = staff_client.get(admin_url(MemberIdentity, "changelist")).content.decode()
    assert mask_bsuid(BSUID) in listing and mask_phone(WA_ID) in listing and "u•••3fa9" in listing
    for query, found in ((UNLINKED, 1), (BSUID, 1), (WA_ID, 1), (BSUID[:-1], 0), ("ZW.", 0), (USERNAME, 0)):
        response = staff_client.get(admin_url(MemberIdentity, "changelist"), {"q": query})
        assert response.context["cl"].result_count == found, query
        rows = re.search(r"<tbody>(.*)</tbody>", response.content.decode(), re.S)
        assert not rows or BSUID not in rows.group(1).replace(f"q%3D{BSUID}", "")


def test_the_inbox_shows_processing_latency_in_milliseconds(staff_client, traffic):
    html = staff_client.get(admin_url(InboxMessage, "changelist")).content.decode()
    assert "1500 ms" in html


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_nothing_can_be_added_changed_or_deleted(staff_client, traffic, model):
    row = model.objects.first()
    before = model.objects.count()
    assert staff_client.get(admin_url(model, "add")).status_code == 403
    assert staff_client.post(admin_url(model, "change", row.pk), {}).status_code == 403
    assert staff_client.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    listing = staff_client.get(admin_url(model, "changelist")).content.decode()
    assert admin_url(model, "add") not in listing and "delete_selected" not in listing
    staff_client.post(
        admin_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk]}
    )
    assert model.objects.count() == before


def test_searching_a_full_number_finds_the_member_without_showing_it(staff_client, traffic):
    response = staff_client.get(admin_url(InboxMessage, "changelist"), {"q": WA_ID})
    assert response.context["cl"].result_count == 2
    rows = re.search(r"<tbody>(.*)</tbody>", response.content.decode(), re.S).group(1)
    assert rows.count(mask_phone(WA_ID)) == 2
    shown = rows.replace(f"_changelist_filters=q%3D{WA_ID}", "")  # row links keep the operator's own query
    assert WA_ID not in shown and mask_phone(OTHER) not in rows
    outbox = staff_client.get(admin_url(OutboxMessage, "changelist"), {"q": OTHER})
    assert outbox.context["cl"].result_count == 0


def test_the_index_lists_the_members_and_breaker_pages(staff_client):
    html = staff_client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("admin:bot_members")}"' in html
    assert f'href="{reverse("admin:credex_api_breaker")}"' in html


def test_members_seen_groups_the_inbox_by_member(staff_client, traffic):
    html = staff_client.get(reverse("admin:bot_members")).content.decode()
    rows = re.findall(r"<tr><td>.*?</tr>", html.replace("\n", ""))
    assert len(rows) == 2
    counts = {
        mask: re.findall(r"<td>(\d+)</td></tr>", row)[0]
        for row in rows
        for mask in re.findall("•+\\d{4}", row)
    }
    assert counts == {mask_phone(WA_ID): "2", mask_phone(OTHER): "1"}
    assert WA_ID not in html and OTHER not in html


def conversations() -> ConversationStore:
    store = ConversationStore()
    for wa_id in (WA_ID, OTHER):
        store.save(wa_id, ConversationState(flow="offer", step="amount", data={"to": "x"}), 0)
    return store


def test_reset_conversation_clears_only_the_selected_member_and_is_audited(staff_client, traffic):
    store = conversations()
    response = staff_client.post(reverse("admin:bot_members"), {"member": [traffic.pk], "action": "Reset"})
    assert response.status_code == 302
    assert store.load(WA_ID) is None
    assert store.load(OTHER).flow == "offer"
    assert "Conversation reset for 1 member(s)." in staff_client.get(response["Location"]).content.decode()
    (event,) = AuditEvent.objects.filter(action="admin.reset_conversation")
    assert (event.actor, event.obj) == ("staff:operator", f"member {mask_phone(WA_ID)}")
    assert WA_ID not in str(event.__dict__)


def test_view_only_staff_see_members_but_cannot_reset(traffic):
    store = conversations()
    viewer = verified_client(username="viewer", superuser=False, permissions=("bot.view_inboxmessage",))
    page = viewer.get(reverse("admin:bot_members")).content.decode()
    assert mask_phone(WA_ID) in page and 'type="checkbox"' not in page
    assert viewer.post(reverse("admin:bot_members"), {"member": [traffic.pk]}).status_code == 403
    assert store.load(WA_ID).flow == "offer"
    assert not AuditEvent.objects.filter(action="admin.reset_conversation").exists()
    nobody = verified_client(username="nobody", superuser=False)
    assert nobody.get(reverse("admin:bot_members")).status_code == 403


def test_the_breaker_page_shows_the_shared_breakers_state(staff_client):
    page = reverse("admin:credex_api_breaker")
    assert '<td id="breaker-state">closed</td>' in staff_client.get(page).content.decode()
    config = ClientConfig.from_settings()
    breaker = CircuitBreaker(cache_redis(), config.breaker, key_prefix=config.key_prefix)
    for _ in range(config.breaker.consecutive_failures):
        breaker.record(breaker.acquire(), FAILURE)
    html = staff_client.get(page).content.decode()
    assert '<td id="breaker-state">open</td>' in html
    assert f"<td>{config.breaker.consecutive_failures}</td>" in html


def test_the_breaker_page_says_so_when_the_cache_redis_is_down(staff_client, settings):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": dead}}
    response = staff_client.get(reverse("admin:credex_api_breaker"))
    assert response.status_code == 200
    assert "the cache Redis does not answer" in response.content.decode()


def test_the_rate_limit_page_lists_what_is_blocked_without_numbers(staff_client, settings):
    settings.MONEY_PER_MINUTE = 1
    silenced, busy = "263771119001", "263771119002"
    ratelimit.first_time("inbound_notice", silenced, window_seconds=60)
    for _ in range(3):
        ratelimit.hit("money", busy, limit=1, window_seconds=60)
    ratelimit.hit("money", "263771119003", limit=1, window_seconds=60)  # within its limit: not listed
    for _ in range(settings.NOTIFY_WRONG_KEYS_PER_ADDRESS + 1):
        ratelimit.hit("notify-guess", "203.0.113.66", limit=1, window_seconds=60)
    html = staff_client.get(reverse("admin:bot_limits")).content.decode()
    counts = dict(re.findall(r"<h2>([^<:]+): <span class=\"blocked\">(\d+)</span>", html))
    assert counts["Silenced after the inbound notice"] == "1"
    assert counts["Money steps over the per-minute limit"] == "1"
    assert counts["Inbound messages over the per-minute limit"] == "0"
    assert counts["Addresses out of notify-key guesses"] == "1" and "203.0.113.66" not in html
    assert ratelimit.fingerprint(busy)[:12] in html and "<td>3</td>" in html
    assert silenced not in html and busy not in html
    assert (
        f'href="{reverse("admin:bot_limits")}"' in staff_client.get(reverse("admin:index")).content.decode()
    )


def test_the_breaker_page_wants_the_breaker_permission_as_the_api_does():
    instructions_only = verified_client(
        username="clerk", superuser=False, permissions=("credex_api.view_instruction",)
    )
    assert instructions_only.get(reverse("admin:credex_api_breaker")).status_code == 403
    breaker = verified_client(username="ops", superuser=False, permissions=("credex_api.view_breaker",))
    assert breaker.get(reverse("admin:credex_api_breaker")).status_code == 200
