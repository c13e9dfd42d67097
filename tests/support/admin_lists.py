"""Helpers for the admin list tests: a verified superuser's client, and a row in every registered list.

`fill_every_list()` puts into each list a row holding something its page never shows (message text, a
balance, instruction parameters, a number, a login's POST data), so a lookup that leaked would match.
"""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from bot.models import InboxMessage, MemberIdentity, OutboxMessage, PlatformError, StatusEvent
from credex_api.models import Instruction
from flows.state import ConversationState
from flows.store import ConversationStore
from tests.support.admin import logged_in, login, make_operator

WA_ID = "263771234567"
MEMBERS = "/admin/bot/inboxmessage/members/"


def changelist(model: type[models.Model]) -> str:
    """The admin list of `model`."""
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def verified_staff() -> Client:
    """A client logged in to the admin as a superuser, with password and TOTP code."""
    client = Client()
    assert logged_in(login(client, make_operator()))
    return client


def fill_every_list() -> InboxMessage:
    """A row in every registered list, and `WA_ID`'s conversation state; returns its first inbox row."""
    now = timezone.now()
    first = InboxMessage.objects.create(
        wamid="wamid.IN1", wa_id=WA_ID, kind="text", message_ts=now, event={"text": "private"}
    )
    OutboxMessage.objects.create(
        wa_id=WA_ID, in_reply_to=first, kind="text", payload={"text": "Secured: 48.00 USD"}, status="accepted"
    )
    StatusEvent.objects.create(wamid="wamid.OUT1", status="delivered", status_ts=now, recipient_id=WA_ID)
    MemberIdentity.objects.create(key=WA_ID, phone=WA_ID, bsuid="ZW.15025763946", username="private.name")
    PlatformError.objects.create(code=131056, title="Pair rate limit hit", details="secret", digest="d1")
    Instruction.objects.create(member=WA_ID, action="credex_offer", params={"to": WA_ID}, result={"USD": 1})
    Group.objects.create(name="support")
    access = {"user_agent": "ua", "ip_address": "10.0.0.1", "username": "x", "http_accept": "*/*"}
    access["path_info"] = "/admin/login/"
    AccessAttempt.objects.create(**access, get_data="", post_data="username=x", failures_since_start=1)
    AccessLog.objects.create(**access, session_hash="h")
    AccessFailureLog.objects.create(**access, locked_out=False)
    jwt = OutstandingToken.objects.create(jti="j1", token="t", expires_at=now + timedelta(days=1))
    BlacklistedToken.objects.create(token=jwt)
    ConversationStore().save(WA_ID, ConversationState(flow="offer", step="amount", data={}), 0)
    return first
