"""WhatsApp usernames end to end, the edges (issue 22): Meta's number-change system message keeps the member
and their ledger account and moves their replies to the new number, while whoever gets the old number later
is a stranger; a batch mixing every sender shape loses no usable sibling; the same new BSUID in simultaneous
webhooks becomes exactly one member."""

from __future__ import annotations

import pytest
from django.test import Client

from bot.models import InboxMessage, MemberIdentity, StatusEvent
from devtools import payloads as p
from devtools.payloads import bsuid as u
from devtools.payloads.bsuid import new_bsuid
from flows import texts
from tests.e2e.chat import MOCK
from tests.e2e.conftest import onboard
from tests.e2e.usernames_chat import User, addressed, requests
from tests.support.concurrency import run_together
from tests.support.signing import post_signed

pytestmark = pytest.mark.django_db(transaction=True)


def post(payload: dict) -> dict:
    response = post_signed(Client(), payload, headers=MOCK)
    assert response.status_code == 200, response.status_code
    return response.json()


def test_a_changed_number_keeps_the_member_and_the_old_number_reaches_nothing(ledger, new_member):
    member = User(phone=new_member().phone)
    onboard(member, "Tendai", "Moyo")
    old_phone, old_bsuid = member.phone, member.bsuid
    new_phone, new_id = new_member().phone, new_bsuid()

    member.deliver(u.number_changed(new_phone, new_id, phone=old_phone, bsuid=old_bsuid))
    member.phone, member.bsuid = new_phone, new_id
    member.say("hi")

    assert "Handle:" in member.text()  # the same ledger account
    assert addressed(member.last) == {("+" + new_phone, None)}
    assert member.key() == old_phone
    stranger = User(phone=old_phone)  # the old number, recycled to someone else (a new BSUID)
    before = requests(ledger)
    stranger.say("hi")
    assert [reply["text"]["body"] for reply in stranger.last] == [texts.NUMBER_IN_USE]
    assert requests(ledger) == before
    refused = MemberIdentity.objects.get(bsuid=stranger.bsuid)
    assert refused.key.startswith("u") and refused.refused == "number_in_use"
    assert MemberIdentity.objects.get(key=old_phone).bsuid == new_id


def zoo(known: User, asked: User, *, parent: str) -> tuple[dict, dict[str, str | None]]:
    """One delivery of every sender shape, with malformed siblings; the wamid → expected key (None: a new
    `u…` key) of every usable message."""
    newcomer, forwarder, mover = new_bsuid(), "263779990001", "263779990002"
    good = {
        "wamid.Z1": u.text("help", phone=known.phone, bsuid=known.bsuid, wamid="wamid.Z1"),
        "wamid.Z2": u.text("help", bsuid=known.bsuid, wamid="wamid.Z2"),
        "wamid.Z3": u.text("hi", bsuid=newcomer, wamid="wamid.Z3"),
        "wamid.Z4": u.text("hi", phone="263779990003", bsuid=new_bsuid(), parent=parent, wamid="wamid.Z4"),
        "wamid.Z5": u.contact_request_answer(asked.phone, bsuid=asked.bsuid, wamid="wamid.Z5"),
        "wamid.Z6": u.forwarded_vcard(known.phone, phone=forwarder, bsuid=None, wamid="wamid.Z6"),
        "wamid.Z7": u.number_changed("263779990004", new_bsuid(), phone=mover, bsuid=new_bsuid(),
                                     wamid="wamid.Z7"),
    }  # fmt: skip
    bad = [
        u.text("x", phone="0", bsuid=None),
        {**u.text("x", bsuid=known.bsuid), "from_user_id": "not a bsuid"},
        {key: value for key, value in u.text("x", phone=known.phone, bsuid=None).items() if key != "from"},
    ]
    contacts = [
        u.sender(phone=known.phone, bsuid=known.bsuid, username="tendai.m"),
        u.sender(bsuid=newcomer, username="newbie"),
        {"profile": {"name": "Nobody"}},  # names no user
    ]
    statuses = [u.status("wamid.OUT-A", "delivered", bsuid=newcomer),
                u.status("wamid.OUT-B", "read", phone=known.phone, bsuid=known.bsuid)]  # fmt: skip
    payload = u.delivery(*good.values(), *bad, contacts=contacts, statuses=statuses)
    expected = {"wamid.Z1": known.phone, "wamid.Z2": known.phone, "wamid.Z3": None,
                "wamid.Z4": "263779990003", "wamid.Z6": forwarder,
                "wamid.Z5": asked.phone,  # the answer linked the number: the member's rows moved to it
                "wamid.Z7": mover}  # fmt: skip
    return payload, expected


def test_a_batch_of_every_sender_shape_loses_no_usable_sibling(ledger, new_member):
    known = User(phone=new_member().phone)
    onboard(known)
    asked = User(phone=new_member().phone, shows_phone=False)
    asked.say("hi")
    payload, expected = zoo(known, asked, parent=new_bsuid())

    answer = post(payload)

    assert (answer["received"], answer["duplicates"]) == (len(expected), 0)
    stored = dict(InboxMessage.objects.filter(wamid__startswith="wamid.Z").values_list("wamid", "wa_id"))
    assert stored.keys() == expected.keys()
    assert {wamid: key for wamid, key in stored.items() if expected[wamid] is not None} == {
        wamid: key for wamid, key in expected.items() if key is not None
    }
    assert stored["wamid.Z3"].startswith("u")
    assert MemberIdentity.objects.get(key=stored["wamid.Z3"]).username == "newbie"
    assert MemberIdentity.objects.get(key=known.phone).username == "tendai.m"
    assert asked.key() == asked.phone  # the contact-request answer in the batch linked its sender
    assert set(StatusEvent.objects.values_list("recipient_user_id", flat=True)) == {
        MemberIdentity.objects.get(key=stored["wamid.Z3"]).bsuid,
        known.bsuid,
    }
    again = post(payload)
    assert (again["received"], again["duplicates"]) == (0, len(expected))


@pytest.mark.db_both
def test_one_new_bsuid_in_simultaneous_webhooks_is_one_member(ledger):
    bsuid, count = new_bsuid(), 8
    deliveries = [(u.delivery(u.text("hi", bsuid=bsuid, wamid=f"wamid.RACE{n}")),) for n in range(count)]

    errors = run_together(post, deliveries)

    assert errors == []
    assert MemberIdentity.objects.filter(bsuid=bsuid).count() == 1
    key = MemberIdentity.objects.get(bsuid=bsuid).key
    rows = InboxMessage.objects.filter(wamid__startswith="wamid.RACE")
    assert rows.count() == count and set(rows.values_list("wa_id", flat=True)) == {key}
    assert key.startswith("u")
    assert p.SENDER not in key


@pytest.mark.db_both
def test_simultaneous_greetings_from_a_new_bsuid_ask_for_the_number_once(ledger):
    bsuid, count, replies = new_bsuid(), 6, []
    deliveries = [(u.delivery(u.text("hi", bsuid=bsuid, wamid=f"wamid.HI{n}")),) for n in range(count)]

    errors = run_together(lambda payload: replies.extend(post(payload)["replies"]), deliveries)

    assert errors == []
    kinds = [reply.get("interactive", {}).get("type") for reply in replies]
    assert kinds.count("request_contact_info") == 1
    assert InboxMessage.objects.filter(wamid__startswith="wamid.HI", status="done").count() == count


@pytest.mark.db_both
def test_a_new_person_seen_by_phone_and_by_bsuid_at_once_is_one_member_keyed_by_the_phone(ledger, new_member):
    phone, bsuid = new_member().phone, new_bsuid()
    shapes = [{"phone": phone, "bsuid": bsuid}, {"bsuid": bsuid}] * 4
    deliveries = [(u.delivery(u.text("help", wamid=f"wamid.MIX{n}", **ids)),) for n, ids in enumerate(shapes)]

    errors = run_together(post, deliveries)

    assert errors == []
    assert list(MemberIdentity.objects.filter(bsuid=bsuid).values_list("key", "phone")) == [(phone, phone)]
    rows = InboxMessage.objects.filter(wamid__startswith="wamid.MIX")
    assert rows.count() == len(shapes)
    assert rows.filter(status="done").count() == len(shapes)  # none stranded under a moved key
