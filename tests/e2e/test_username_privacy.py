"""A member known by their WhatsApp username, end to end through the signed webhook: what stays private.

The member writes by BSUID alone (username and parent BSUID in the contact, no number), is asked for their
number, shares it through WhatsApp's contact request, and is then served by number (the real sandbox
ledger). After the conversation: no Redis key name on either instance holds their BSUID, username, parent
BSUID or `u…` key in clear; no log line (as the code logged it, before redaction) holds their BSUID or
username; an export by BSUID, by member key and by number returns those fields, and an erasure leaves none
of them in any table or Redis value.
"""

from __future__ import annotations

import pytest
from django_redis import get_redis_connection

from bot.models import InboxMessage, MemberIdentity
from devtools.payloads.bsuid import PARENT_BSUID
from devtools.payloads.bsuid import SENDER_BSUID as BSUID
from devtools.payloads.bsuid import SENDER_USERNAME as USERNAME
from operator_api import gdpr
from tests.e2e.usernames_chat import User
from tests.integration.test_operator_gdpr import database_dump, redis_dump
from tests.support.logs import emitted_logs
from tests.support.operators import bearer, make_user, tokens

pytestmark = pytest.mark.django_db

PHONE = "263775550101"


@pytest.fixture
def access(client) -> str:
    make_user()
    return tokens(client)["access"]


def chat_before_linking() -> tuple[User, str]:
    """The BSUID-only member's first messages; their `u…` key."""
    member = User(PHONE, BSUID, shows_phone=False, username=USERNAME, parent=PARENT_BSUID)
    assert member.say("hi"), "asked for the number"
    member.say("help")
    member.say("about")
    key = MemberIdentity.objects.get(bsuid=BSUID).key
    assert key.startswith("u") and InboxMessage.objects.filter(wa_id=key).count() == 3
    return member, key


def secrets_in_key_names(words: list[str]) -> dict[str, list[str]]:
    """Each instance's key names (SCAN, all of them) that hold one of `words`."""
    found, scanned = {}, 0
    for alias in ("state", "default"):
        names = [key.decode() for key in get_redis_connection(alias).scan_iter(count=1000)]
        scanned += len(names)
        found[alias] = [name for name in names if any(word.lower() in name.lower() for word in words)]
    assert scanned, "the member's limits (and, once linked, the ledger's answers) are keys: the scan sees"
    return found


def test_no_redis_key_name_holds_the_bsuid_the_username_or_the_member_key(ledger):
    member, key = chat_before_linking()
    words = [BSUID, USERNAME, PARENT_BSUID, key]
    assert secrets_in_key_names(words) == {"state": [], "default": []}
    member.share_number()  # linked: now served by number, through the ledger
    member.shows_phone = True
    member.say("hi")
    assert MemberIdentity.objects.get(bsuid=BSUID).key == PHONE
    assert secrets_in_key_names(words) == {"state": [], "default": []}


def test_a_whole_bsuid_and_username_conversation_logs_neither(ledger):
    with emitted_logs() as logs:
        member, _key = chat_before_linking()
        member.share_number()
        member.shows_phone = True
        member.say("hi")
    assert logs.lines(), "the conversation was logged"
    for text in (logs.raw, logs.text):  # as the code logged it, and as it was written
        assert [word for word in (BSUID, USERNAME, PARENT_BSUID, "5576394655843") if word in text] == []


@pytest.mark.db_both
def test_export_by_bsuid_by_member_key_and_by_number_returns_the_identity(ledger, client, access):
    member, key = chat_before_linking()
    for name in (BSUID, key):
        data = client.get(f"/api/members/{name}/export/", **bearer(access)).json()
        [identity] = data["records"]["bot.MemberIdentity"]
        profile = (identity["bsuid"], identity["parent_bsuid"], identity["username"])
        assert profile == (BSUID, PARENT_BSUID, USERNAME)
        assert data["member"] == key and len(data["records"]["bot.InboxMessage"]) == 3
    member.share_number()
    data = client.get(f"/api/members/{PHONE}/export/", **bearer(access)).json()
    [identity] = data["records"]["bot.MemberIdentity"]
    assert (identity["key"], identity["bsuid"], identity["username"]) == (PHONE, BSUID, USERNAME)
    assert len(data["records"]["bot.InboxMessage"]) == 4  # the messages followed the member to their number
    assert client.get(f"/api/members/{key}/export/", **bearer(access)).status_code == 404  # the key is gone


@pytest.mark.db_both  # JSON lookups and JSON-as-text search differ between SQLite and PostgreSQL
@pytest.mark.parametrize("linked", [False, True], ids=["bsuid-only", "linked"])
def test_erasure_by_bsuid_leaves_no_bsuid_username_or_member_key_anywhere(ledger, client, access, linked):
    member, key = chat_before_linking()
    if linked:
        member.share_number()
    words = [BSUID, USERNAME, PARENT_BSUID, key] + ([PHONE] if linked else [])
    before = database_dump()  # the dump does see them (the old key: messages stored before the link)
    assert [word for word in words if word in before] == words
    response = client.post(f"/api/members/{BSUID}/erase/", **bearer(access))
    assert response.status_code == 200, response.content
    assert response.json()["database"]["bot.MemberIdentity"]["pseudonymised"] == 1
    assert response.json()["member"] == gdpr.pseudonym(PHONE if linked else key)
    dumps = {"database": database_dump(), "state": redis_dump("state"), "cache": redis_dump("default")}
    assert {where: [w for w in words if w.lower() in text.lower()] for where, text in dumps.items()} == {
        "database": [], "state": [], "cache": []
    }  # fmt: skip
    assert not MemberIdentity.objects.exists()
    assert client.get(f"/api/members/{BSUID}/export/", **bearer(access)).status_code == 404
