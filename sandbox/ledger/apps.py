"""Django app config for the sandbox ledger."""

from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "sandbox.ledger"
    label = "ledger"
    verbose_name = "MyCredex sandbox ledger"
    default_auto_field = "django.db.models.BigAutoField"
