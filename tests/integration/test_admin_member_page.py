"""The admin member page through a TOTP-verified operator: what ops see of one member, and who may see it.

The page shows the member's instructions, outbox (status, error code, template name) and conversation
state (real state Redis), numbers masked; the transcript's texts only to holders of
`bot.view_member_transcript`; every view is an audit row, readable in the admin's read-only audit log; the
tier and accounts come from the real sandbox ledger only when "Read from the ledger" is pressed, and a
ledger that cannot answer is a message on the page, not a 500.
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bot.models import InboxMessage, MemberIdentity, OutboxMessage
from credex_api import services
from credex_api.client import reset_client
from credex_api.models import Instruction
from flows.state import ConversationState
from flows.store import ConversationStore
from security.models import AuditEvent
from security.redaction import mask_phone
from tests.support.admin import logged_in, login, make_operator
from tests.support.sandbox_server import sandbox, sandbox_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

WA_ID, OTHER = "263771234567", "263779876543"
IN_TEXT, OUT_TEXT, NOTE = "pay rudo 4711 please", "Rudo owes you 5.00 USD 8812", "rent for june 5533"
VIEWER = ("bot.view_member",)
READER = ("bot.view_member", "bot.view_member_transcript")


@pytest.fixture
def member():
    now = timezone.now()
    identity = MemberIdentity.objects.create(key=WA_ID, phone=WA_ID)
    first = InboxMessage.objects.create(
        wamid="wamid.IN1", wa_id=WA_ID, kind="text", message_ts=now, event={"type": "text", "body": IN_TEXT}
    )
    OutboxMessage.objects.create(
        wa_id=WA_ID, in_reply_to=first, kind="text", payload={"text": {"body": OUT_TEXT}}, status="read"
    )
    OutboxMessage.objects.create(
        wa_id=WA_ID,
        kind="template",
        payload={"type": "template", "template": {"name": "offer_received_v2"}},
        status="failed",
        error_code=131047,
        error_class="window",
    )
    Instruction.objects.create(member=WA_ID, action="credex_offer", params={"to": OTHER}, state="failed")
    store = ConversationStore()
    store.save(WA_ID, ConversationState(flow="offer", step="confirm_offer", data={"note": NOTE}), 0)
    yield identity
    store.clear(WA_ID)


def client_for(*permissions: str, username: str = "operator") -> Client:
    client = Client()
    options = {"superuser": False, "permissions": permissions} if permissions else {}
    assert logged_in(login(client, make_operator(username, **options)))
    return client


def page(identity: MemberIdentity) -> str:
    return reverse("admin:bot_member_change", args=[identity.pk])


def test_the_page_shows_instructions_outbox_and_state_with_numbers_masked(member):
    body = client_for(*VIEWER).get(page(member)).content.decode()
    assert "credex_offer" in body and "failed" in body  # the instruction
    assert "offer_received_v2" in body and "131047" in body and "window" in body  # the failed template send
    assert "confirm_offer" in body and "note" in body  # the conversation state (names only)
    assert mask_phone(WA_ID) in body
    assert WA_ID not in body and OTHER not in body


def test_texts_are_hidden_without_the_transcript_permission(member):
    response = client_for(*VIEWER).get(page(member))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Message texts are shown only" in body
    assert "text" in body and "template" in body  # the kinds are there
    for secret in (IN_TEXT, OUT_TEXT, NOTE):
        assert secret not in body


def test_texts_are_shown_with_the_transcript_permission(member):
    body = client_for(*READER).get(page(member)).content.decode()
    assert IN_TEXT in body and OUT_TEXT in body and NOTE in body
    assert body.index(IN_TEXT) < body.index(OUT_TEXT)  # in time order: the question, then the answer


def test_every_view_is_audited_and_readable_in_the_read_only_audit_log(member):
    client = client_for(*READER)
    client.get(page(member))
    client.get(page(member))
    rows = AuditEvent.objects.filter(action="admin.member_viewed")
    assert rows.count() == 2
    assert {(row.actor, row.obj, row.new_values["texts_shown"]) for row in rows} == {
        ("staff:operator", f"member {mask_phone(WA_ID)}", True)
    }
    admin = client_for(username="auditor")  # a superuser: the audit log's list, and nothing to add or change
    listing = admin.get(reverse("admin:security_auditevent_changelist"))
    assert listing.status_code == 200 and "admin.member_viewed" in listing.content.decode()
    assert admin.get(reverse("admin:security_auditevent_add")).status_code == 403
    change = reverse("admin:security_auditevent_change", args=[rows.first().pk])
    admin.post(change, {"action": "forged"})
    assert not AuditEvent.objects.filter(action="forged").exists()


def test_a_non_staff_user_and_staff_without_the_permission_are_refused(member):
    outsider = Client()
    outsider.force_login(User.objects.create_user("member-user", password="x-long-password-1"))
    response = outsider.get(page(member))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    other_staff = client_for("bot.view_inboxmessage")
    assert other_staff.get(page(member)).status_code == 403
    assert not AuditEvent.objects.filter(action="admin.member_viewed").exists()


def test_query_parameters_are_refused(member):
    assert client_for(*VIEWER).get(page(member), {"o": "1"}).status_code == 400


def test_the_ledger_is_read_only_when_asked_and_shows_tier_and_accounts(member, sandbox, settings):  # noqa: F811
    settings.MYCREDEX_APP_URL = sandbox.url
    settings.CLIENT_API_KEY = sandbox.client_api_key
    reset_client()
    services.member_onboard(phone=WA_ID, first_name="Tendai", last_name="Moyo")
    sandbox.set_tier(3, phone=WA_ID)
    client = client_for(*VIEWER)
    calls = sandbox.stats()
    body = client.get(page(member)).content.decode()
    assert "Read from the ledger" in body and 'id="ledger-tier"' not in body
    assert sandbox.stats() == calls  # a page view does not ask the ledger
    body = client.post(page(member), {"read_ledger": "1"}).content.decode()
    assert "Tier 3" in body and "Personal" in body  # the member's personal account
    assert AuditEvent.objects.filter(action="admin.member_ledger_read").count() == 1
    reset_client()


def test_a_ledger_that_cannot_answer_is_a_message_not_a_500(member, settings):
    settings.MYCREDEX_APP_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    reset_client()
    response = client_for(*VIEWER).post(page(member), {"read_ledger": "1"})
    assert response.status_code == 200
    assert 'id="ledger-error"' in response.content.decode()
    reset_client()
