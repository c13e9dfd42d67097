"""Django app config of the security layer (it owns the append-only `AuditEvent` table).

Once every app is loaded it also puts the log redaction filter on any handler that lacks one
(`security.logfilter.redact_every_handler`): Django has configured logging by then (settings.LOGGING, after
its own defaults), and "security" is the last of INSTALLED_APPS, so the handlers a library adds when its app
is imported are there too."""

from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = "Security: audit log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from security import login_audit  # noqa: PLC0415 - models are loaded only once apps are ready
        from security.logfilter import redact_every_handler  # noqa: PLC0415 - with the line above

        login_audit.connect()
        redact_every_handler()
