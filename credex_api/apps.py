"""Django app config of the ledger client (it owns the `Instruction` model)."""

from django.apps import AppConfig


class CredexApiConfig(AppConfig):
    name = "credex_api"
    verbose_name = "MyCredex ledger client"
