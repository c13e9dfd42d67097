"""`python manage.py reconcile_instructions`: settle `unknown` ledger instructions by reading the ledger.

Runs `credex_api.reconcile.reconcile_unknown()` once and prints what it decided (counts and instruction
keys only — no member numbers). The worker runs the same function at start. Exit status 1 when some
instructions could not be examined (ledger unreachable), so a scheduler can alert.
"""

from django.core.management.base import BaseCommand, CommandError

from credex_api.reconcile import reconcile_unknown


class Command(BaseCommand):
    help = "Settle unknown MyCredex instructions (done or failed) by reading the ledger."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="at most this many instructions")

    def handle(self, *args, **options) -> None:
        report = reconcile_unknown(limit=options["limit"])
        self.stdout.write(
            f"examined={report.examined} done={report.done} failed={report.failed} "
            f"still_unknown={report.still_unknown} errors={report.errors}"
        )
        for key in report.keys_done:
            self.stdout.write(f"done {key}")
        if report.errors:
            raise CommandError(f"{report.errors} instruction(s) could not be reconciled now; run again later")
