"""The test settings with DEBUG on, for a real process started with them
(`DJANGO_SETTINGS_MODULE=tests.support.debug_settings`): logging as a developer running `make run` sees it."""

from config.settings import *  # noqa: F403

DEBUG = True
