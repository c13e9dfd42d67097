"""`manage.py runserver` that refuses a non-loopback address while development defaults are in effect.

Django's development server (staticfiles' flavour, which serves static files with DEBUG on) with one check
before it listens: while the settings name defaults unsafe beyond loopback (`UNSAFE_BEYOND_LOOPBACK`), an
address such as `0.0.0.0:8000` or `[::]:8000` is refused with what to change (security/loopback.py). The
`deploy` app is listed before `django.contrib.staticfiles` so that this command wins.
"""

from django.conf import settings
from django.contrib.staticfiles.management.commands import runserver
from django.core.management.base import CommandError

from security.loopback import listen_problem


class Command(runserver.Command):
    def run(self, **options: object) -> None:
        """Once the address is parsed (`self.addr`, `self.port`); before the server or its reloader starts."""
        address = (self.addr, int(self.port))
        problem = listen_problem([address], getattr(settings, "UNSAFE_BEYOND_LOOPBACK", ()))
        if problem:
            raise CommandError(problem)
        super().run(**options)
