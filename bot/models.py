"""Durable inbox and outbox of the WhatsApp edge.

- `InboxMessage`: every verified inbound message, stored once (unique WhatsApp id) before the webhook's 200.
- `OutboxMessage`: every message we send (or capture in mock mode), with its delivery status moved
  monotonically by status webhooks (`sent < delivered < read`; `failed` is terminal).
- `StatusEvent`: every status webhook, deduplicated on (WhatsApp id, status); unknown ids are kept, unmatched.
- `PlatformError`: `value.errors[]` items Meta sends about the app or number.
- `SettledNotice`: the one message a member got about an uncertain instruction once it settled.
- `MemberIdentity`: a member's key and their WhatsApp phone, BSUID and username (`bot.identity`);
  `Member`, its proxy, names the admin member page's permissions (`bot.admin_member`).
- `ReadinessProbe`: one row readiness (`bot.readiness`) rewrites to prove the database takes writes.
- `MemberDataAccess`: no table; it only names the operator API's personal-data permissions (export, erase)
  and its schema permission, so ops can grant them like any other Django permission.

Text columns are made unique or indexed in `Meta` (`UniqueConstraint`, `Index`), never with the field's
`unique=True` or `db_index=True`, here and in every app but the sandbox ledger (a development stand-in): on
PostgreSQL those also build a second, `varchar_pattern_ops` index for `LIKE 'prefix%'` queries. Nothing here
makes one (ids are matched exactly; the admin searches with `icontains` or `=field`, i.e. `UPPER(column)`,
which neither index serves), yet every INSERT would write both.
`tests/integration/test_text_indexes.py` fails on any such index.
"""

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone


class InboxMessage(models.Model):
    """One inbound WhatsApp message, verified and stored before acknowledgement."""

    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        DONE = "done"
        FAILED = "failed"

    id = models.BigAutoField(primary_key=True)
    wamid = models.CharField(max_length=255)  # unique: Meta.constraints (module docstring)
    wa_id = models.CharField(max_length=32)  # indexed first in inbox_member_pending
    kind = models.CharField(max_length=40)
    message_ts = models.DateTimeField(help_text="When the member sent it (Meta's timestamp).")
    event = models.JSONField(help_text="The typed event (flows.types), serialised.")
    # Database defaults as well as Python ones: a row inserted by SQL alone gets them too.
    received_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING, db_default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error_ref = models.CharField(max_length=16, blank=True, default="", db_default="")
    correlation_id = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wamid"], name="inbox_wamid_unique")]
        indexes = [models.Index(fields=["wa_id", "status", "message_ts"], name="inbox_member_pending")]
        ordering = ["message_ts", "id"]

    def __str__(self) -> str:
        return f"inbox {self.pk} {self.kind} {self.status}"


class OutboxMessage(models.Model):
    """One outgoing message: the exact JSON we send, and what became of it."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        CAPTURED = "captured"  # mock testing: returned in the HTTP response, never sent
        ACCEPTED = "accepted"  # Graph API answered 200 (accepted, not yet delivered)
        SENT = "sent"
        DELIVERED = "delivered"
        READ = "read"
        FAILED = "failed"

    # Progress order for status webhooks; a lower status never overwrites a higher one, `failed` is terminal.
    RANK: ClassVar[dict[str, int]] = {
        "queued": 0,
        "captured": 0,
        "accepted": 1,
        "sent": 2,
        "delivered": 3,
        "read": 4,
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wa_id = models.CharField(max_length=32)  # indexed: Meta.indexes
    in_reply_to = models.ForeignKey(InboxMessage, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=20)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    # NULL until Meta gives us an id: many rows may lack one, but '' twice would break the unique constraint
    wamid = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 - unique: Meta.constraints
    error_code = models.IntegerField(null=True, blank=True)
    error_class = models.CharField(max_length=24, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set while a retry is scheduled (bot.outbox): the member's later replies wait behind this row.
    retry_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wamid"], name="outbox_wamid_unique")]
        indexes = [models.Index(fields=["wa_id"], name="outbox_wa_id")]
        ordering = ["created_at"]
        permissions = [("retry_outboxmessage", "Can retry a failed send (as a new outbox row)")]

    def __str__(self) -> str:
        return f"outbox {self.pk} {self.kind} {self.status}"


class StatusEvent(models.Model):
    """A status webhook item, stored once per (WhatsApp id, status)."""

    wamid = models.CharField(max_length=255)
    status = models.CharField(max_length=16)
    status_ts = models.DateTimeField()
    recipient_id = models.CharField(max_length=32, blank=True)
    recipient_user_id = models.CharField(max_length=140, blank=True, default="")  # the recipient's BSUID
    error_code = models.IntegerField(null=True, blank=True)
    matched = models.BooleanField(default=False, help_text="Whether it matched one of our outbox rows.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wamid", "status"], name="status_once_per_wamid")]

    def __str__(self) -> str:
        return f"status {self.status}"


class PlatformError(models.Model):
    """An item of `value.errors[]`: a problem Meta reports about the app or the number."""

    code = models.IntegerField(null=True, blank=True)
    title = models.CharField(max_length=255, blank=True)
    details = models.TextField(blank=True)
    digest = models.CharField(max_length=64, help_text="Hash of the item: redeliveries dedupe.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["digest"], name="platform_error_digest_unique")]

    def __str__(self) -> str:
        return f"platform error {self.code}"


class MemberDataAccess(models.Model):
    """No table: the named permissions the operator API checks (`operator_api.auth.HasNamedPermission`)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("export_member_data", "Can export a member's personal data (operator API)"),
            ("erase_member_data", "Can erase a member's personal data (operator API)"),
            ("view_operator_api_schema", "Can read the operator API's schema"),
        ]

    def __str__(self) -> str:
        return "operator API permissions"


class SettledNotice(models.Model):
    """The one message telling a member how an instruction with an uncertain outcome ended (`bot.settled`).

    Unique per instruction key: the marker that it was told, written in the same transaction as its outbox
    row, so two sweeps (threads, workers) never tell it twice. Kept here rather than as a column of
    `credex_api.Instruction`: telling the member is the WhatsApp edge's concern, not the ledger's.
    """

    instruction_key = models.UUIDField()  # unique: Meta.constraints
    told_state = models.CharField(max_length=12, help_text="The instruction's state the member was told.")
    outbox = models.ForeignKey(OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instruction_key"], name="settled_notice_once")]

    def __str__(self) -> str:
        return f"settled notice {self.instruction_key} {self.told_state}"


class MemberIdentity(models.Model):
    """Who a member is on WhatsApp, and the one key every store uses for them (`bot.identity`).

    `key` is the member's key in the inbox, outbox, lock, conversation state, limits and confirmations: the
    phone digits the ledger knows the member by (the ledger logs in by phone), or `u` + 24 hex characters
    for someone known only by their business-scoped user id (BSUID), who has no ledger access until they
    share their number through WhatsApp's contact request. `phone` is the number WhatsApp delivers to today
    (it moves when the member changes number; the key does not). `refused` names why this identity may not
    use the ledger even with a number ("number_in_use": the number is another member's ledger key).
    """

    key = models.CharField(max_length=32)  # unique: Meta.constraints
    phone = models.CharField(max_length=15, blank=True, default="")  # unique when set
    bsuid = models.CharField(max_length=140, blank=True, default="")  # unique when set
    parent_bsuid = models.CharField(max_length=140, blank=True, default="")
    username = models.CharField(max_length=64, blank=True, default="")
    refused = models.CharField(max_length=24, blank=True, default="")
    contact_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key"], name="identity_key_unique"),
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="identity_phone_unique"),
            models.UniqueConstraint(fields=["bsuid"], condition=~Q(bsuid=""), name="identity_bsuid_unique"),
        ]
        verbose_name_plural = "member identities"

    def __str__(self) -> str:
        return f"member identity {self.pk}"


class Member(MemberIdentity):
    """No table (a proxy of `MemberIdentity`): the admin member page (`bot.admin_member`) and its permissions.

    `view_member` opens the page (tier and accounts read from the ledger on demand, instructions, outbox,
    conversation state, and a transcript of kinds and times); `view_member_transcript` also shows the
    messages' texts in that transcript.
    """

    class Meta:
        proxy = True
        default_permissions = ("view",)
        permissions = [("view_member_transcript", "Can read the texts of a member's conversation (admin)")]

    def __str__(self) -> str:
        return f"member {self.pk}"


class ReadinessProbe(models.Model):
    """The row readiness's database check writes (`bot.readiness.database_writable`), one per database.

    Its counter goes up on every check, so each check commits a page that changed: SQLite skips writing a
    page an UPDATE left as it was, and such a write would commit on a read-only file.
    """

    writes = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"readiness probe ({self.writes} writes)"
