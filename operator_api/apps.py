"""Django app config of the operator API: JWT-authenticated staff endpoints under /api/."""

from django.apps import AppConfig


class OperatorApiConfig(AppConfig):
    name = "operator_api"
    verbose_name = "Operator API"

    def ready(self) -> None:
        from operator_api import token_storage  # noqa: PLC0415 - models are loaded only once apps are ready

        token_storage.connect()
