"""security.logfilter: what reaches a log line. Phone numbers masked, secret values and message text gone,
user text unable to forge a line (LG-2, LG-4), in the JSON format of production and the plain one."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.conf import settings as django_settings
from pythonjsonlogger.json import JsonFormatter

from security import correlation
from security.logfilter import (
    RedactingFilter,
    is_sensitive_key,
    redact_data,
    redact_every_handler,
    redact_text,
)

PHONE = "263771234567"
MASKED = "•••••••4567"
TOKEN = "tok-3f9a7c1e5b"
INJECTION = 'hello\nFAKE LINE {"level": "ERROR", "message": "admin logged in"}\r\x1b[31m'


def capture(kind: str) -> tuple[logging.Logger, io.StringIO]:
    """A logger whose one handler is configured exactly as settings.LOGGING's console handler, in `kind`."""
    spec = dict(django_settings.LOGGING["formatters"][kind])
    factory = spec.pop("()", None)
    formatter = JsonFormatter(**spec) if factory else logging.Formatter(spec["format"])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger(f"tests.logfilter.{kind}")
    logger.handlers, logger.propagate, logger.level = [handler], False, logging.DEBUG
    return logger, stream


def test_json_line_masks_the_phone_drops_the_token_and_stays_one_line():
    logger, stream = capture("json")
    with correlation.bound("corr-0123456789ab"):
        logger.warning(
            "member %s wrote %s",
            PHONE,
            INJECTION,
            extra={"token": TOKEN, "api_key": TOKEN, "text": "the member's words", "wa_id": PHONE},
        )
    output = stream.getvalue()
    assert output.count("\n") == 1  # one record, one line
    line = json.loads(output)
    assert PHONE not in output and TOKEN not in output and "the member's words" not in output
    assert line["message"].startswith(f"member {MASKED} wrote hello\\nFAKE LINE")
    assert "\x1b" not in line["message"] and "\\x1b" in line["message"]
    assert line["token"] == line["api_key"] == "[redacted]"
    assert "text" not in line and line["wa_id"] == MASKED
    assert line["correlation_id"] == "corr-0123456789ab"
    assert {"time", "level", "logger"} <= set(line) and line["level"] == "WARNING"


def test_plain_line_is_one_line_too():
    logger, stream = capture("plain")
    logger.info("typed: %s", INJECTION)
    output = stream.getvalue()
    assert output.count("\n") == 1
    assert "FAKE LINE" in output and "[-]" in output  # no delivery bound: the placeholder id


def test_secret_values_are_removed_wherever_they_appear(settings):
    settings.WHATSAPP_ACCESS_TOKEN = "EAAG-canary-access-token-1"
    settings.CLIENT_API_KEY = "canary-client-key-2"
    logger, stream = capture("json")
    logger.error("sent with EAAG-canary-access-token-1 and %s", {"nested": ["canary-client-key-2"]})
    logger.error("GET /bot/webhook?hub.verify_token=whatever&hub.challenge=1 Authorization: Bearer abc.def")
    logger.error("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl here")
    output = stream.getvalue()
    for leaked in ("EAAG-canary", "canary-client-key-2", "whatever", "abc.def", "eyJhbGci", "c2lnbmF0dXJl"):
        assert leaked not in output
    assert output.count("[redacted]") >= 5


def test_a_secret_setting_changed_after_the_first_line_is_redacted_from_the_next(settings):
    """The secret values are read once and kept; a change (a rotation in a test) is seen at once."""
    settings.CLIENT_API_KEY = "first-client-key-31"
    assert redact_text("key first-client-key-31") == "key [redacted]"  # read and kept
    settings.CLIENT_API_KEY = "rotated-client-key-77"
    assert redact_text("key rotated-client-key-77") == "key [redacted]"
    assert redact_text("key first-client-key-31") == "key first-client-key-31"  # no longer a secret


def test_a_traceback_is_redacted_and_kept_in_the_record():
    logger, stream = capture("json")
    try:
        raise ValueError(f"cannot reach {PHONE} with token={TOKEN}")
    except ValueError:
        logger.exception("failed for %s", PHONE)
    line = json.loads(stream.getvalue())
    assert PHONE not in stream.getvalue() and TOKEN not in stream.getvalue()
    assert "ValueError: cannot reach" in line["exc_info"] and MASKED in line["exc_info"]


def test_ids_stay_searchable_and_small_numbers_stay():
    uuid = "12345678-1234-4234-8234-123456789012"
    text = redact_text(f"instruction {uuid} row 42 amount 12.50 wamid.HBgM{PHONE}FQIAEhg id abc1234567def")
    assert uuid in text and "row 42" in text and "12.50" in text and "abc1234567def" in text
    assert redact_text(f"+263 77 123 4567 and {PHONE}") == f"{MASKED} and {MASKED}"


def test_dict_arguments_lose_sensitive_values_and_message_text():
    logger, stream = capture("json")
    logger.info("%(token)s %(name)s", {"token": TOKEN, "name": "ok"})
    logger.info("payload %s", {"password": "hunter22", "body": "hello", "nested": {"otp": "123456"}})
    output = stream.getvalue()
    assert TOKEN not in output and "hunter22" not in output and "hello" not in output
    assert "123456" not in output and "[dropped]" in output


def test_a_broken_record_never_breaks_the_caller():
    logger, stream = capture("json")
    logger.info("%s %s", "only one")  # noqa: PLE1206 - the wrong number of arguments, on purpose
    logger.info(object())  # a non-string message
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2 and "unformattable" in lines[0]["message"]


def test_a_record_through_two_handlers_is_redacted_once():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a\nb %s", (PHONE,), None)
    first, second = RedactingFilter(), RedactingFilter()
    assert first.filter(record) and second.filter(record)
    assert record.getMessage() == f"a\\nb {MASKED}"


@pytest.mark.parametrize(
    ("name", "sensitive"),
    [
        ("token", True),
        ("accessToken", True),
        ("api_key", True),
        ("x-client-api-key", True),
        ("SECRET_KEY", True),
        ("password", True),
        ("otp", True),
        ("pin", True),
        ("Authorization", True),
        ("status_code", False),
        ("breaker_transition", False),
        ("correlation_id", False),
        ("shipping", False),
        ("monkey", False),
    ],
)
def test_sensitive_key_names(name, sensitive):
    assert is_sensitive_key(name) is sensitive


def test_audit_style_redaction_leaves_sensitive_keys_out():
    cleaned = redact_data({"phone": PHONE, "token": TOKEN, "deep": [{"secret": "s"}]}, drop_sensitive=True)
    assert cleaned == {"phone": MASKED, "deep": [{}]}


def test_every_configured_handler_redacts():
    logging_config = django_settings.LOGGING
    assert logging_config["handlers"], "logging has handlers"
    for name, handler in logging_config["handlers"].items():
        assert "redact" in handler.get("filters", []), name
    assert logging_config["filters"]["redact"]["()"] == "security.logfilter.RedactingFilter"
    root_handlers = logging.getLogger().handlers
    configured = [h for h in root_handlers if any(isinstance(f, RedactingFilter) for f in h.filters)]
    assert configured, "the root logger's configured handler carries the filter at run time"


def test_a_handler_added_without_the_filter_gets_it_from_the_guard():
    """A library's own handler (here added after Django's setup) redacts once the guard has run."""
    stream = io.StringIO()
    library = logging.getLogger("tests.a_library")
    handler = logging.StreamHandler(stream)
    library.addHandler(handler)
    library.propagate = False
    try:
        assert redact_every_handler() >= 1
        library.warning("member %s", PHONE)
    finally:
        library.removeHandler(handler)
    assert stream.getvalue() == f"member {MASKED}\n"
    assert redact_every_handler() == 0  # nothing left to fix: the guard is idempotent


def test_the_last_resort_handler_redacts():
    """A logger with no handler to reach writes WARNING records through `logging.lastResort`."""
    assert any(isinstance(item, RedactingFilter) for item in logging.lastResort.filters)


BSUID, PARENT_BSUID = "ZW.1502576394655843", "US.ENT.11815799212886844"


def test_business_scoped_user_ids_are_masked_wherever_they_appear():
    logger, stream = capture("json")
    logger.warning(
        "reply to %s (parent %s) at /api/members/%s/export/",
        BSUID,
        PARENT_BSUID,
        BSUID,
        extra={"recipient": BSUID, "event": {"user_id": BSUID, "parent_user_id": PARENT_BSUID}},
    )
    output = stream.getvalue()
    line = json.loads(output)
    assert BSUID not in output and PARENT_BSUID not in output and "1502576394655843" not in output
    assert line["message"] == "reply to ZW.•••5843 (parent US.ENT.•••6844) at /api/members/ZW.•••5843/export/"
    assert line["recipient"] == "ZW.•••5843" and line["event"]["parent_user_id"] == "US.ENT.•••6844"


@pytest.mark.parametrize("text", ["bot.identity.resolve", "OK.Thanks", "HTTP.Response", "v1.2.3", "ZW.abc"])
def test_text_that_only_looks_like_a_bsuid_is_left_alone(text):
    assert redact_text(text) == text
