"""A second OS process calling the ledger through the real `CredexClient`, for tests of what processes share.

    python -m tests.support.ledger_caller '{"base_url": ..., "api_key": ..., "phone": ..., "start_at": ...,
                                           "seconds": 3, "threads": 6, "config": {...}}'

It sets Django up from the environment it inherits (the test run's settings, cache Redis and database), waits
until `start_at` (Unix time, so several processes begin together), then runs `threads` threads released by
one barrier, each logging `phone` in (`Priority.MONEY`) again and again for `seconds`. It writes one JSON
line to stdout: `{"ok": n, "busy": n, "other": [error names]}` — calls answered, calls the throttle refused.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time


def hammer(client: object, phone: str, until: float, tally: dict, lock: threading.Lock) -> None:
    from credex_api import services
    from credex_api.errors import CredexBusy
    from credex_api.throttle import Priority

    while time.time() < until:
        try:
            services.member_login(phone=phone, client=client, priority=Priority.MONEY)
            outcome = "ok"
        except CredexBusy:
            outcome = "busy"
        except Exception as exc:  # reported to the test, which fails on it
            outcome = type(exc).__name__
        with lock:
            if outcome in ("ok", "busy"):
                tally[outcome] += 1
            else:
                tally["other"].append(outcome)


def main(spec: dict) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from credex_api.client import CredexClient
    from credex_api.conf import ClientConfig

    config = ClientConfig.from_settings(base_url=spec["base_url"], api_key=spec["api_key"], **spec["config"])
    client = CredexClient(config)
    tally: dict = {"ok": 0, "busy": 0, "other": []}
    lock = threading.Lock()
    barrier = threading.Barrier(spec["threads"])
    until = spec["start_at"] + spec["seconds"]

    def run() -> None:
        barrier.wait(timeout=30)
        hammer(client, spec["phone"], until, tally, lock)

    time.sleep(max(0.0, spec["start_at"] - time.time()))
    threads = [threading.Thread(target=run) for _ in range(spec["threads"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()
    return tally


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main(json.loads(sys.argv[1]))) + "\n")
