"""Django app config for the WhatsApp edge (and, until it has its own app, the operator API)."""

from django.apps import AppConfig


class BotConfig(AppConfig):
    name = "bot"
    verbose_name = "WhatsApp bot"

    def ready(self) -> None:
        from bot.api import token_storage  # noqa: PLC0415 - models are loaded only once apps are ready

        token_storage.connect()
