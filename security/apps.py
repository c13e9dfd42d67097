"""Django app config of the security layer (it owns the append-only `AuditEvent` table)."""

from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = "Security: audit log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from security import login_audit  # noqa: PLC0415 - models are loaded only once apps are ready

        login_audit.connect()
