"""Gunicorn's own log lines (deploy/gunicorn_logging.py), read from a real Gunicorn serving the real app:
JSON like the app's under LOG_FORMAT=json, redacted, the access line joined to its delivery by correlation id,
and none of the request's headers in it."""

from __future__ import annotations

import http.client
import json
import logging
import time

import pytest
from django.conf import settings
from gunicorn.glogging import SafeAtoms

from deploy.gunicorn_logging import ACCESS_LOG_FORMAT, AccessRecordFilter
from security.logfilter import RedactingFilter
from tests.support.gunicorn import get, serve

BEARER_CANARY = "canary-bearer-5f0e19c2"
SIGNATURE_CANARY = "sha256=" + "ab12" * 16  # well formed, signed by nobody


def _post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


def _records(log_text: str) -> list[dict]:
    """Every line as JSON (a line that is not JSON fails the test)."""
    return [json.loads(line) for line in log_text.splitlines() if line.strip()]


def _access_records(log_text: str, method: str) -> list[dict]:
    """The access records of `method` requests among the lines written in full so far."""
    complete = log_text[: log_text.rfind("\n") + 1]
    return [r for r in _records(complete) if r["logger"] == "gunicorn.access" and r.get("method") == method]


def _wait_for(log_path, predicate, timeout: float = 5.0) -> str:
    """The log text once `predicate(text)` holds (the access line is written after the response)."""
    deadline = time.monotonic() + timeout
    while True:
        text = log_path.read_text()
        if predicate(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


@pytest.fixture
def json_gunicorn(tmp_path):
    with serve(tmp_path, workers=1, LOG_FORMAT="json") as served:
        yield served


def test_every_line_is_json_with_the_access_fields(json_gunicorn):
    token = settings.WHATSAPP_VERIFY_TOKEN
    query = f"hub.mode=subscribe&hub.verify_token={token}&hub.challenge=challenge-4417"
    assert get(json_gunicorn.port, f"/bot/webhook?{query}") == (200, b"challenge-4417")

    def handshakes(text: str) -> list[dict]:
        return [r for r in _access_records(text, "GET") if r["path"] == "/bot/webhook"]

    text = _wait_for(json_gunicorn.log_path, handshakes)
    records = _records(text)  # every line JSON
    boots = [r for r in records if r["logger"] == "gunicorn.error" and "Booting worker" in r["message"]]
    assert boots and {"time", "level"} <= boots[0].keys()
    [access] = handshakes(text)
    assert access["method"] == "GET"
    assert access["status"] == 200
    assert access["remote"] == "127.0.0.1"
    assert isinstance(access["duration_ms"], int) and isinstance(access["bytes"], int)
    assert '"GET /bot/webhook HTTP/1.1" 200' in access["message"]
    for secret_or_query in (token, "challenge-4417", "hub."):
        assert secret_or_query not in text


def test_a_deliverys_access_line_carries_its_correlation_id_and_no_header(json_gunicorn):
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": SIGNATURE_CANARY,
        "Authorization": f"Bearer {BEARER_CANARY}",
    }
    status, response_headers = _post(json_gunicorn.port, "/bot/webhook", b"{}", headers)
    assert status == 403
    correlation_id = response_headers["X-Correlation-Id"]

    text = _wait_for(json_gunicorn.log_path, lambda text: _access_records(text, "POST"))
    records = _records(text)
    [rejected] = [r for r in records if r["message"].startswith("webhook rejected: signature mismatch")]
    [access] = _access_records(text, "POST")
    assert rejected["correlation_id"] == access["correlation_id"] == correlation_id
    assert access["status"] == 403
    for header_value in (BEARER_CANARY, SIGNATURE_CANARY, "ab12ab12"):
        assert header_value not in text


def test_a_phone_number_in_the_path_is_masked_in_the_access_line(json_gunicorn):
    """The operator API names members by number in its paths; the access line shows them masked."""
    phone = "263771234567"
    status, _ = _post(json_gunicorn.port, f"/api/members/{phone}/erase/", b"", {})
    assert status == 401  # no operator token: refused, and still logged

    text = _wait_for(json_gunicorn.log_path, lambda text: _access_records(text, "POST"))
    [access] = _access_records(text, "POST")
    assert access["path"] == "/api/members/•••••••4567/erase/"
    assert access["status"] == 401
    assert phone not in text


def test_plain_format_keeps_the_apps_line_shape(tmp_path):
    """Outside production (LOG_FORMAT=plain): time, level, logger and correlation id, as the app's lines."""
    with serve(tmp_path, workers=1, LOG_FORMAT="plain") as served:
        assert get(served.port, "/healthz") == (200, b"ok")
        text = _wait_for(served.log_path, lambda text: "GET /healthz" in text)
    lines = [line for line in text.splitlines() if "gunicorn.access" in line]  # readiness probes included
    assert lines and all(
        ' INFO gunicorn.access [-] 127.0.0.1 "GET /healthz HTTP/1.1" 200 ' in line for line in lines
    )
    assert all(line[:4].isdigit() for line in lines)  # each starts with the time


def _access_record(atoms: dict, form: str = ACCESS_LOG_FORMAT) -> logging.LogRecord:
    """A record as Gunicorn's `Logger.access` makes it: the format string, and every atom as its argument."""
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, form, None, None)
    record.args = SafeAtoms(atoms)  # LogRecord would unwrap a mapping passed positionally; Gunicorn's is set
    return record


def test_the_filter_keeps_named_atoms_and_drops_the_rest():
    atoms = {
        "h": "10.0.0.7",
        "m": "POST",
        "U": "/bot/webhook",
        "H": "HTTP/1.1",
        "s": "200",
        "B": 31,
        "M": 4,
        "{x-hub-signature-256}i": SIGNATURE_CANARY,
        "{authorization}i": f"Bearer {BEARER_CANARY}",
        "{http_authorization}e": f"Bearer {BEARER_CANARY}",
        "{x-correlation-id}o": "0123456789abcdef",
    }
    record = _access_record(atoms)
    assert AccessRecordFilter().filter(record) and RedactingFilter().filter(record)

    assert record.getMessage() == '10.0.0.7 "POST /bot/webhook HTTP/1.1" 200 31 4ms'
    fields = {name: getattr(record, name) for name in ("remote", "method", "path", "status", "bytes")}
    assert fields == {
        "remote": "10.0.0.7",
        "method": "POST",
        "path": "/bot/webhook",
        "status": 200,
        "bytes": 31,
    }
    assert (record.duration_ms, record.correlation_id) == (4, "0123456789abcdef")
    assert record.args is None
    shown = repr(vars(record))
    assert BEARER_CANARY not in shown and SIGNATURE_CANARY not in shown


def test_missing_atoms_become_nulls_and_the_id_falls_back_to_the_filters():
    atoms = {"h": "10.0.0.7", "m": "GET", "U": "/healthz", "H": "HTTP/1.1", "s": "304", "B": 0}  # no "M"
    atoms["{x-correlation-id}o"] = "abc\nFAKE LINE"  # not an id of ours: never copied into the field
    record = _access_record(atoms)
    AccessRecordFilter().filter(record)
    RedactingFilter().filter(record)
    assert record.getMessage() == '10.0.0.7 "GET /healthz HTTP/1.1" 304 0 -ms'
    assert (record.status, record.bytes, record.duration_ms, record.correlation_id) == (304, 0, None, "-")


def test_text_a_client_wrote_is_redacted_in_the_line_and_cannot_start_another():
    """The path, and a header were one added to the format: phones masked, tokens gone, new lines escaped."""
    atoms = {
        "h": "10.0.0.7",
        "m": "GET",
        "U": "/api/members/263771234567/export/\nFAKE LINE",
        "H": "HTTP/1.1",
        "s": "401",
        "B": 0,
        "M": 1,
        "{user-agent}i": f"probe token={BEARER_CANARY}",
    }
    record = _access_record(atoms, '%(h)s "%(m)s %(U)s %(H)s" %(s)s %({user-agent}i)s')
    AccessRecordFilter().filter(record)
    RedactingFilter().filter(record)
    line = record.getMessage()
    assert (
        line
        == '10.0.0.7 "GET /api/members/•••••••4567/export/\\nFAKE LINE HTTP/1.1" 401 probe token=[redacted]'
    )
    assert record.path == "/api/members/•••••••4567/export/\\nFAKE LINE"
