"""Django app config of the development tools: installed only while DEBUG and MOCK_TESTING_ENABLED are on."""

from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    name = "devtools"
    verbose_name = "Development tools"
