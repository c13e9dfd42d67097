"""The member-key rules of `bot.identity` on the real database: what a phone, a BSUID or both resolve to,
when a phone and a BSUID are linked, and when two people are kept apart (recycled or shared numbers)."""

import pytest

from bot import identity
from bot.identity_link import link_number
from bot.models import InboxMessage, MemberIdentity
from flows.types import IdentityChange, TextMessage

PHONE, OTHER_PHONE, NEW_PHONE = "263771234567", "263779876543", "263712223333"
BSUID, OTHER_BSUID, NEW_BSUID = "ZW.1502576394655843", "ZW.9900112233445566", "ZW.7000000000000001"

pytestmark = pytest.mark.django_db


def sent_by(phone: str = "", bsuid: str = "", username: str = "") -> str:
    message = TextMessage(wa_id=phone, user_id=bsuid, username=username, message_id="m", timestamp=1, body="")
    return identity.resolve_sender(message)


def test_a_phone_and_a_bsuid_seen_together_are_one_member_keyed_by_the_phone():
    assert sent_by(PHONE, BSUID) == PHONE
    assert sent_by(bsuid=BSUID) == PHONE  # the next message hides the number: same member
    assert sent_by(PHONE) == PHONE
    assert MemberIdentity.objects.get().bsuid == BSUID


def test_a_bsuid_only_newcomer_gets_an_opaque_key_that_is_never_a_phone():
    key = sent_by(bsuid=BSUID, username="rudo")
    assert key.startswith("u") and not identity.is_linked(key) and len(key) == 25
    assert sent_by(bsuid=BSUID) == key
    row = MemberIdentity.objects.get()
    assert (row.phone, row.username) == ("", "rudo")
    assert identity.address_of(key) == BSUID


def test_a_bsuid_only_member_meta_later_pairs_with_a_number_is_rekeyed_with_their_waiting_messages():
    key = sent_by(bsuid=BSUID)
    InboxMessage.objects.create(wamid="w1", wa_id=key, kind="text", message_ts="2026-01-01T00:00Z", event={})
    assert sent_by(PHONE, BSUID) == PHONE
    assert InboxMessage.objects.get().wa_id == PHONE
    assert identity.address_of(PHONE) == PHONE


def test_a_known_number_arriving_from_another_whatsapp_account_is_refused_not_merged():
    sent_by(PHONE, BSUID)
    stranger = sent_by(PHONE, OTHER_BSUID)
    assert not identity.is_linked(stranger)
    assert MemberIdentity.objects.get(key=stranger).refused == identity.NUMBER_IN_USE
    assert MemberIdentity.objects.get(key=PHONE).bsuid == BSUID  # the member is untouched
    assert sent_by(bsuid=OTHER_BSUID) == stranger


def test_a_number_change_keeps_the_key_and_a_stranger_on_the_old_number_gets_nothing():
    assert sent_by(PHONE, BSUID) == PHONE
    change = IdentityChange(
        wa_id=PHONE, user_id=BSUID, message_id="s", timestamp=2, change="user_changed_number",
        new_phone=NEW_PHONE, new_user_id=NEW_BSUID,
    )  # fmt: skip
    identity.apply_change(PHONE, change)
    assert sent_by(NEW_PHONE, NEW_BSUID) == PHONE  # the ledger still knows them by their first number
    assert identity.address_of(PHONE) == NEW_PHONE
    stranger = sent_by(PHONE, OTHER_BSUID)  # the old number, recycled to someone else
    assert stranger != PHONE and not identity.is_linked(stranger)
    assert sent_by(PHONE) == stranger  # a payload without a BSUID from it is the stranger too


def test_a_contact_request_answer_links_a_new_number_and_refuses_one_another_account_holds():
    key = sent_by(bsuid=BSUID)
    assert link_number(MemberIdentity.objects.get(key=key), OTHER_PHONE) == OTHER_PHONE
    sent_by(PHONE, NEW_BSUID)  # PHONE belongs to another WhatsApp account
    second = sent_by(bsuid=OTHER_BSUID)
    assert link_number(MemberIdentity.objects.get(key=second), PHONE) is None
    assert MemberIdentity.objects.get(key=second).refused == identity.NUMBER_IN_USE
    assert MemberIdentity.objects.get(key=PHONE).bsuid == NEW_BSUID


def test_a_contact_request_answer_folds_into_the_numbers_member_seen_before_without_a_bsuid():
    MemberIdentity.objects.create(key=PHONE, phone=PHONE)
    key = sent_by(bsuid=BSUID)
    assert link_number(MemberIdentity.objects.get(key=key), PHONE) == PHONE
    assert list(MemberIdentity.objects.values_list("key", "bsuid")) == [(PHONE, BSUID)]


def test_the_webhooks_plain_sql_reads_the_identity_table_the_model_names():
    assert MemberIdentity._meta.db_table == "bot_memberidentity"  # bot.identity's _BY_BSUID / _BY_PHONE
    MemberIdentity.objects.create(key=PHONE, phone=PHONE, bsuid=BSUID, username="rudo")
    assert sent_by(PHONE, BSUID, username="rudo") == PHONE  # answered by the plain read alone
    assert sent_by(PHONE) == PHONE
