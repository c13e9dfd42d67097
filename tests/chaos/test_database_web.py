"""A real Gunicorn web process after a read-only database: the first webhook POST once the file is writable
again is answered 200 and stored.

The web worker opens its connection while the database file and its WAL are immutable (`chattr +i`): SQLite
then opens it read-only, for good. Django kept such a connection for `DB_CONN_MAX_AGE` (SQLite's backend calls
every connection usable), so deliveries got 500 for a minute after the fault; `config.sqlite3` drops a
connection once an error occurred on it. (/healthz, which `serve` waits for, reads no database.)
"""

from __future__ import annotations

import http.client
import time

import pytest

from bot.models import InboxMessage
from devtools import payloads as p
from tests.chaos.test_database import immutable, sqlite_file  # noqa: F401  (fixture)
from tests.support.gunicorn import serve
from tests.support.signing import meta_json, signature_for, webhook_url
from tests.support.workers import database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.timeout(60)]
MEMBER = "263773009001"


def post_webhook(port: int, text: str) -> int:
    payload = p.envelope(
        p.entry(p.change(messages=[p.text_message(text, sender=MEMBER)], contacts=[p.contact(MEMBER)]))
    )
    body = meta_json(payload)
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature_for(body)}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", webhook_url(), body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_web_process_stores_the_first_delivery_after_a_read_only_database(tmp_path, sqlite_file):  # noqa: F811
    env = {
        "DATABASE_URL": database_url(),
        "PROCESSING_MODE": "queue",  # stored and pushed to the stream; no worker needed here
        "DB_CONN_MAX_AGE": "60",
        "GUNICORN_THREADS": "1",  # one connection in the one worker: the one opened during the fault
    }
    with serve(tmp_path, workers=1, **env) as served:
        with immutable(sqlite_file):
            assert post_webhook(served.port, "during") == 500  # the connection opens now: read-only
        lifted = time.monotonic()
        assert post_webhook(served.port, "after") == 200, served.log_path.read_text()[-3000:]
        assert time.monotonic() - lifted < 5
    stored = [row.event for row in InboxMessage.objects.all()]
    assert len(stored) == 1 and "after" in str(stored[0]), stored
