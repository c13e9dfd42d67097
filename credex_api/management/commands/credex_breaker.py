"""`python manage.py credex_breaker [--reset]`: the shared ledger circuit breaker's state, for ops.

Prints `breaker_status()` as JSON (state, consecutive failures, failures in the sliding window, current open
period, seconds until the next trial). `--reset` closes it and forgets every count — for after a known
ledger incident is over; the reset is logged on "credex_api.breaker".
"""

import json

from django.core.management.base import BaseCommand

from credex_api.breaker import CircuitBreaker, breaker_status
from credex_api.conf import ClientConfig, cache_redis


class Command(BaseCommand):
    help = "Show (or reset) the MyCredex circuit breaker shared by every process."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reset", action="store_true", help="close the breaker and forget its counts")

    def handle(self, *args, **options) -> None:
        if options["reset"]:
            config = ClientConfig.from_settings()
            CircuitBreaker(cache_redis(), config.breaker, key_prefix=config.key_prefix).reset()
        self.stdout.write(json.dumps(breaker_status(), indent=2, sort_keys=True))
