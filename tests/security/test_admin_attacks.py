"""The admin's attack matrix (issue 18, holes 5 and 6), through a TOTP-verified superuser and the real views.

- `ATTACKS`: one request each that asks an admin list what its page never shows, or feeds a page input it
  cannot take; expected: 400 with the reason on the page, no rows listed, nothing reset. The hand-written
  rows are the reported ones (message text, balances, instruction parameters, masked numbers, the three
  500s) and the worst third-party ones (TOTP keys, password hashes); `hidden_field_rows()` adds one row per
  field that a registered list does not show, read from `admin.site._registry`, so a new ModelAdmin or a
  new field is covered without a new line.

What must keep working (every link a list offers, malformed values never a 500, search boxes over shown
text only) is in tests/integration/test_admin_lists.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client

from bot.admin import BAD_MEMBER_REF, MEMBERS_PER_PAGE
from bot.models import InboxMessage, OutboxMessage, StatusEvent
from credex_api.models import Instruction
from flows.store import ConversationStore
from security.admin_lookups import NOT_A_FILTER, UNKNOWN_PARAMETER, StrictLookups
from tests.support.admin_lists import MEMBERS, WA_ID, changelist, fill_every_list, verified_staff

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Attack:
    """A GET of `path?query` (or a POST of `form` to `path`) and the refusal expected."""

    name: str
    path: str
    query: str = ""
    form: dict[str, str | list[str]] | None = None
    status: int = 400
    reason: str = NOT_A_FILTER


ATTACKS = [
    Attack("inbox: message text (event__icontains)", changelist(InboxMessage), "event__icontains=private"),
    Attack(
        "outbox: reply text, balances (payload__icontains)",
        changelist(OutboxMessage),
        "payload__icontains=Secured: 48.00",
    ),
    Attack(
        "instruction: ledger answer (result__icontains)", changelist(Instruction), "result__icontains=USD"
    ),
    Attack(
        "instruction: parameters by JSON containment (params__contains, was 500 on SQLite)",
        changelist(Instruction),
        "params__contains=263",
    ),
    Attack(
        "inbox: masked number by prefix (wa_id__startswith)",
        changelist(InboxMessage),
        "wa_id__startswith=2637",
    ),
    Attack(
        "instruction: masked number by prefix (member__startswith)",
        changelist(Instruction),
        "member__startswith=26",
    ),
    Attack(
        "status: masked recipient (recipient_id__endswith)",
        changelist(StatusEvent),
        "recipient_id__endswith=67",
    ),
    Attack(
        "TOTP device: secret key by prefix (key__startswith)",
        "/admin/otp_totp/totpdevice/",
        "key__startswith=a",
    ),
    Attack(
        "user: password hash by prefix (password__startswith)",
        "/admin/auth/user/",
        "password__startswith=md5",
    ),
    Attack(
        "axes: a login's POST data (post_data__icontains)",
        "/admin/axes/accessattempt/",
        "post_data__icontains=x",
    ),
    Attack(
        "inbox: a filtered field by an undeclared lookup (status__icontains)",
        changelist(InboxMessage),
        "status__icontains=d",
    ),
    Attack("inbox: a filter without its lookup (status=done)", changelist(InboxMessage), "status=done"),
    Attack(
        "outbox: inbound text through a relation (in_reply_to__event__icontains)",
        changelist(OutboxMessage),
        "in_reply_to__event__icontains=private",
    ),
    Attack(
        "TOTP device: a user's hash through a relation",
        "/admin/otp_totp/totpdevice/",
        "user__password__startswith=md5",
    ),
    Attack(
        "inbox: a lookup smuggled in _changelist_filters (change pages only)",
        changelist(InboxMessage),
        "_changelist_filters=event__icontains%3Dprivate",
    ),
    Attack(
        "inbox: many undeclared parameters, one with a newline (named in short, never echoed raw)",
        changelist(InboxMessage),
        "&".join([f"p{i}__icontains=x" for i in range(200)] + ["a%0Ab__icontains=x"]),
        reason="a?b__icontains, p0__icontains, p100__icontains and 198 more",
    ),
    Attack(
        "members page: number by prefix, a page that reads only q and p",
        MEMBERS,
        "wa_id__startswith=2637",
        reason=UNKNOWN_PARAMETER,
    ),
    Attack(
        "breaker page: any parameter",
        "/admin/credex_api/instruction/breaker/",
        "state=open",
        reason=UNKNOWN_PARAMETER,
    ),
    Attack(
        "rate-limit page: any parameter",
        "/admin/bot/inboxmessage/limits/",
        "subject=26377",
        reason=UNKNOWN_PARAMETER,
    ),
    Attack(
        "members reset: ref '²' (was ValueError, 500)", MEMBERS, form={"member": "²"}, reason=BAD_MEMBER_REF
    ),
    Attack(
        "members reset: 26-digit ref (was OverflowError, 500)",
        MEMBERS,
        form={"member": "9" * 26},
        reason=BAD_MEMBER_REF,
    ),
    Attack("members reset: Arabic-Indic digits", MEMBERS, form={"member": "١"}, reason=BAD_MEMBER_REF),
    Attack("members reset: negative ref", MEMBERS, form={"member": "-1"}, reason=BAD_MEMBER_REF),
    Attack("members reset: empty ref", MEMBERS, form={"member": ""}, reason=BAD_MEMBER_REF),
    Attack(
        "members reset: more refs than a page lists",
        MEMBERS,
        form={"member": [str(ref) for ref in range(1, MEMBERS_PER_PAGE + 2)]},
        reason=BAD_MEMBER_REF,
    ),
]


def hidden_field_rows() -> list[Attack]:
    """For each registered list, a lookup on each of its model's fields that the list does not show."""
    rows = []
    for model, model_admin in admin.site._registry.items():
        shown = set(model_admin.list_display)
        for model_field in model._meta.concrete_fields:
            if model_field.name in shown:
                continue
            param, value = probe(model_field)
            label = f"{model._meta.label_lower}: hidden field {model_field.name} ({param})"
            rows.append(Attack(label, changelist(model), urlencode({param: value})))
    return rows


def probe(model_field: models.Field) -> tuple[str, str]:
    """A lookup no list filter sends (filters send __exact, __gte, __lt, __isnull), valid for the type."""
    kind = model_field.get_internal_type()
    if kind in {"CharField", "TextField", "JSONField", "EmailField", "SlugField"}:
        return f"{model_field.attname}__icontains", "a"
    value = {
        "DateTimeField": "2000-01-01 00:00",
        "DateField": "2000-01-01",
        "BooleanField": "false",
        "UUIDField": "00000000-0000-0000-0000-000000000000",
        "GenericIPAddressField": "10.0.0.0",
    }.get(kind, "0")
    return f"{model_field.attname}__gt", value


ATTACKS += hidden_field_rows()


@pytest.fixture
def staff() -> Client:
    return verified_staff()


@pytest.fixture
def traffic(staff) -> InboxMessage:
    return fill_every_list()


def send(client: Client, attack: Attack):
    if attack.form is not None:
        return client.post(attack.path, {**attack.form, "action": "Reset conversation"})
    return client.get(f"{attack.path}?{attack.query}")


@pytest.mark.db_both
@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.name)
def test_admin_attacks(staff, traffic, attack):
    response = send(staff, attack)
    page = response.content.decode()
    assert response.status_code == attack.status, page[:300]
    assert attack.reason in page
    assert 'id="result_list"' not in page  # no rows, no count: the question is not answered
    assert ConversationStore().load(WA_ID) is not None  # nothing was reset


def test_every_registered_list_has_rows_here(traffic):
    """The matrix asks real questions: each list holds a row a hidden-field lookup could have matched."""
    assert [model for model in admin.site._registry if not model.objects.exists()] == []


def test_every_admin_the_site_serves_is_strict(staff):
    """Including third-party ones and any registered later than this test was written (once URLs load)."""
    staff.get("/admin/")
    served = admin.site._registry.items()
    assert [model for model, model_admin in served if not isinstance(model_admin, StrictLookups)] == []
