"""`AuditEvent`: the append-only audit log of sensitive operations.

One row per operation: who (`actor`: "member:<masked phone>", "staff:<username>", "system", "ledger"), when
(UTC), from where (the trusted client IP, `security.client_ip`, and the user agent), what (`action`, a short
code such as "instruction.confirmed"), on what (`obj`), the old and new values (JSON, PII masked, secrets
left out: `security.audit.record` cleans them) and the correlation id of the delivery or request.

Append-only at the database level: the migration installs triggers (SQLite and PostgreSQL) that reject
every UPDATE and DELETE, and on PostgreSQL every TRUNCATE, whoever sends them; `save()` of an existing row
and `delete()` are refused here too, before the database is asked. Write rows with `security.audit.record`.
"""

from django.db import models
from django.utils import timezone

APPEND_ONLY_MESSAGE = "audit log is append-only"


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit row through the ORM."""


class AuditEvent(models.Model):
    """One sensitive operation; never changed, never deleted."""

    at = models.DateTimeField(default=timezone.now, db_index=True, help_text="When (UTC).")
    actor = models.CharField(
        max_length=120, help_text="member:<masked phone>, staff:<username>, system, ledger"
    )
    action = models.CharField(max_length=64)
    obj = models.CharField("object", max_length=200, blank=True)
    old_values = models.JSONField(null=True, blank=True)
    new_values = models.JSONField(null=True, blank=True)
    client_ip = models.CharField(max_length=45, blank=True, help_text="Trusted client address (proxy hops).")
    user_agent = models.CharField(max_length=200, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["action"], name="audit_action"),
            models.Index(fields=["correlation_id"], name="audit_correlation_id"),
        ]
        ordering = ["-at", "-id"]
        default_permissions = ("add", "view")
        verbose_name = "audit event"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.obj}".strip()

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(APPEND_ONLY_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(APPEND_ONLY_MESSAGE)
