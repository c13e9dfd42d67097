"""`prepare_sandbox`: migrate the sandbox database and seed it when empty (run by `python -m sandbox`)."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from sandbox.ledger.seed import seed_if_empty


class Command(BaseCommand):
    help = "Migrate the sandbox ledger database and seed it if it is empty."

    def handle(self, *args: object, **options: object) -> None:
        Path(settings.DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        seeded = seed_if_empty()
        self.stdout.write("sandbox seeded" if seeded else "sandbox database already seeded")
