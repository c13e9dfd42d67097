"""Settings entry point: development defaults, overridden for `DJANGO_ENV=production` or `test`.

`DJANGO_SETTINGS_MODULE=config.settings` always; the environment decides the rest, and `config.env` refuses
a `DJANGO_ENV` outside development, test and production. Last, `UNSAFE_BEYOND_LOOPBACK` names (never shows)
what production would refuse here (DEBUG, mock testing, public or short secrets): while it is not empty the
servers listen on loopback only (security/loopback.py), and in development every request from beyond
loopback is refused too.
"""

from config.env import DJANGO_ENV, IS_DEVELOPMENT, public_values
from config.settings.base import *  # noqa: F403
from security.production import defaults_in_effect, guarded_values

if DJANGO_ENV == "production":
    from config.settings.production import *  # noqa: F403
elif DJANGO_ENV == "test":
    from config.settings.test import *  # noqa: F403

# The development chat and its tools (`devtools`): installed, and so routed (config/urls.py), only in a
# development setup; with either switch off, none of its code is loaded.
if DEBUG and MOCK_TESTING_ENABLED:
    INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]

UNSAFE_BEYOND_LOOPBACK = defaults_in_effect(guarded_values(globals()), public_values())
if IS_DEVELOPMENT and UNSAFE_BEYOND_LOOPBACK:
    MIDDLEWARE = ["security.loopback.LoopbackOnlyMiddleware", *MIDDLEWARE]
