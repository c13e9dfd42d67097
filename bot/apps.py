"""Django app config for the WhatsApp edge."""

from django.apps import AppConfig


class BotConfig(AppConfig):
    name = "bot"
    verbose_name = "WhatsApp bot"
