"""`Instruction`: one money or account change for the ledger, stored before any ledger call.

The ledger has no idempotency keys, so our row is the idempotency record. Each instruction has a
server-generated `key` (UUIDv4, unique) and moves through
`pending → confirmed → sent → done | failed | unknown`
only through `credex_api.states.move` (the table of moves; a conditional UPDATE `WHERE key = … AND state =
<from>` whose row count is checked), so N concurrent confirmations or executions move it once and produce
exactly one ledger call (`credex_api.instructions`). A `sent` row is in flight until `lease_until` (taken by
the executing worker for the whole call budget); only then may the sweep judge it. `unknown` (the ledger may
or may not have executed it) is settled by reading the ledger (`credex_api.reconcile`), checked again at
`next_check_at` (exponential backoff); `alerted_at` says when ops were told it stays unsettled (or was
corrected). Parameters are JSON with amounts as strings, never floats. `member` is the member's WhatsApp id:
personal data, never logged (erasure is handled with the member's other data).
"""

import uuid

from django.db import models

from credex_api.endpoints import ACTION_NAMES


class Instruction(models.Model):
    """One ledger mutation for one member, executed at most once."""

    class State(models.TextChoices):
        PENDING = "pending"
        CONFIRMED = "confirmed"
        SENT = "sent"
        DONE = "done"
        FAILED = "failed"
        UNKNOWN = "unknown"

    Action = models.TextChoices("Action", [(name.upper(), name) for name in ACTION_NAMES])  # one per mutation

    key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    member = models.CharField(max_length=32, help_text="WhatsApp id of the member (PII).")
    action = models.CharField(max_length=32, choices=Action.choices)
    params = models.JSONField(help_text="Keyword arguments of the ledger operation; amounts as strings.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    result = models.JSONField(null=True, blank=True, help_text="What the ledger answered (no dashboards).")
    ledger_ref = models.CharField(max_length=64, blank=True, help_text="Ledger id: credexID, accountID, ...")
    error_code = models.CharField(max_length=64, blank=True)
    error_reason = models.CharField(max_length=300, blank=True)
    reconcile_attempts = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A sent row is in flight (its call may still answer) until then."
    )
    next_check_at = models.DateTimeField(
        null=True, blank=True, help_text="Reconciliation reads the ledger for it again from then on."
    )
    alerted_at = models.DateTimeField(
        null=True, blank=True, help_text="When ops were alerted that it stays unsettled or was corrected."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [
            ("view_breaker", "Can view the ledger circuit breaker"),
            ("reset_breaker", "Can reset (close) the ledger circuit breaker"),
        ]
        indexes = [
            models.Index(fields=["state", "sent_at"], name="instruction_state_sent"),
            models.Index(fields=["member"], name="instruction_member"),
            models.Index(fields=["state", "next_check_at"], name="instruction_state_check"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "confirmed", "sent", "done", "failed", "unknown"]),
                name="instruction_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"instruction {self.key} {self.action} {self.state}"
