"""Settings entry point: development defaults, overridden for `DJANGO_ENV=production` or `test`.

`DJANGO_SETTINGS_MODULE=config.settings` always; the environment decides the rest.
"""

from config.env import DJANGO_ENV
from config.settings.base import *  # noqa: F403

if DJANGO_ENV == "production":
    from config.settings.production import *  # noqa: F403
elif DJANGO_ENV == "test":
    from config.settings.test import *  # noqa: F403
