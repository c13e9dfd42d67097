"""GDPR export and erasure named by BSUID or member key (issue 22): the attack matrix, through the real views.

`ATTACKS`: one export or erasure each, by an operator holding both permissions, naming the member by
something forged or malformed; expected: the status, the reason in the answer, and not one row changed.
Then the recycled number: Ada (ledger key = her old number, now on a new phone) and Ben (a refused newcomer
WhatsApp delivers Ada's old number to). Naming Ben never reaches Ada's rows, and naming the number reaches
the ledger's member, Ada.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from bot.identity import NUMBER_IN_USE
from bot.models import InboxMessage, MemberIdentity
from tests.integration.test_operator_gdpr import database_dump
from tests.support.operators import bearer, make_user, tokens

pytestmark = pytest.mark.django_db

ADA_KEY, ADA_PHONE, ADA_BSUID, ADA_PARENT = "263771110001", "263771110002", "ZW.1110001", "ZW.ENT.1110001"
BEN_KEY, BEN_BSUID = "u" + "b" * 24, "ZW.2220002"
MALFORMED = "not a WhatsApp number"


@dataclass(frozen=True)
class Attack:
    """`method` on /api/members/`member`/… by a fully permitted operator → `status`, `error` in the answer."""

    name: str
    member: str
    status: int
    error: str
    method: str = "get"


ATTACKS = [
    Attack("lower-case country code", "zw.1110001", 400, MALFORMED),
    Attack("BSUID with a dash", "ZW.111-0001", 400, MALFORMED, "post"),
    Attack("BSUID with no id after the dot", "ZW.", 400, MALFORMED, "post"),
    Attack("BSUID longer than 128 characters", "ZW." + "1" * 129, 400, MALFORMED),
    Attack("three-letter country", "ZWE.1110001", 400, MALFORMED, "post"),
    Attack("member key in upper case", "U" + "B" * 24, 400, MALFORMED),
    Attack("member key one character short", "u" + "b" * 23, 400, MALFORMED, "post"),
    Attack("member key that is not hex", "u" + "g" * 24, 400, MALFORMED),
    Attack("SQL in the name", "ZW.1' OR '1'='1", 400, MALFORMED, "post"),
    Attack("wildcard", "%25", 400, MALFORMED, "post"),
    Attack("non-ASCII digits", "٢٦٣٧٧١١١٠٠٠١", 400, MALFORMED),
    Attack("unknown BSUID", "ZW.9990009", 404, "no member with this BSUID", "post"),
    Attack("unknown member key", "u" + "c" * 24, 404, "no member with this member key"),
    Attack("a parent BSUID names no member", ADA_PARENT, 404, "no member with this BSUID", "post"),
    Attack("a member's BSUID with another country", "US.1110001", 404, "no member with this BSUID"),
]


@pytest.fixture
def access(client) -> str:
    make_user()
    return tokens(client)["access"]


@pytest.fixture
def recycled():
    """Ada moved to a new number; her old one (her ledger key) now reaches Ben, refused for it."""
    MemberIdentity.objects.create(key=ADA_KEY, phone=ADA_PHONE, bsuid=ADA_BSUID, parent_bsuid=ADA_PARENT)
    MemberIdentity.objects.create(
        key=BEN_KEY, phone=ADA_KEY, bsuid=BEN_BSUID, username="ben", refused=NUMBER_IN_USE
    )
    for key, body in ((ADA_KEY, "balance"), (BEN_KEY, "hi")):
        InboxMessage.objects.create(
            wamid=f"wamid.{key}", wa_id=key, kind="text", message_ts=timezone.now(), status="done",
            event={"type": "text", "wa_id": "", "user_id": "", "body": body},
        )  # fmt: skip


def call(client, access: str, method: str, member: str):
    action = "export" if method == "get" else "erase"
    return getattr(client, method)(f"/api/members/{member}/{action}/", **bearer(access))


@pytest.mark.parametrize("attack", ATTACKS, ids=[attack.name for attack in ATTACKS])
def test_forged_or_malformed_member_names_are_refused_with_a_reason(client, access, recycled, attack):
    before = database_dump()
    response = call(client, access, attack.method, attack.member)
    assert response.status_code == attack.status
    assert attack.error in response.json()["error"]
    assert response["Cache-Control"] == "no-store"
    assert ADA_BSUID not in response.content.decode() and ADA_KEY not in response.content.decode()
    assert database_dump().count("263771110001") == before.count("263771110001")
    assert MemberIdentity.objects.count() == 2 and InboxMessage.objects.count() == 2


def test_an_anonymous_caller_learns_nothing_about_a_bsuid(client, recycled):
    for member in (ADA_BSUID, "ZW.9990009", "garbage"):
        assert client.get(f"/api/members/{member}/export/").status_code == 401


def test_erasing_the_newcomer_never_reaches_the_member_whose_old_number_they_hold(client, access, recycled):
    data = call(client, access, "get", BEN_BSUID).json()
    assert [row["wa_id"] for row in data["records"]["bot.InboxMessage"]] == [BEN_KEY]
    response = call(client, access, "post", BEN_BSUID)
    assert response.status_code == 200
    assert list(MemberIdentity.objects.values_list("key", flat=True)) == [ADA_KEY]
    assert InboxMessage.objects.get(wamid=f"wamid.{ADA_KEY}").wa_id == ADA_KEY
    assert InboxMessage.objects.get(wamid=f"wamid.{BEN_KEY}").event == {}


def test_the_number_names_the_ledger_member_not_the_newcomer_it_now_reaches(client, access, recycled):
    data = call(client, access, "get", ADA_KEY).json()
    [identity] = data["records"]["bot.MemberIdentity"]
    assert (data["member"], identity["bsuid"], identity["phone"]) == (ADA_KEY, ADA_BSUID, ADA_PHONE)
    assert call(client, access, "get", ADA_PHONE).json()["member"] == ADA_KEY  # her new number: her too
