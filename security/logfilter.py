"""The redaction layer of every log handler (`RedactingFilter`), and the redaction rules it shares with the
audit log and the alerts (`redact_text`, `redact_data`, `is_sensitive_key`).

What a record looks like after the filter (config/logconfig.py puts it on every handler, Gunicorn's too):
- the message is formatted once (args applied; a dict argument loses its sensitive values first), then
  - every run of 7–15 digits that stands alone (optionally after "+", or "+" and spaced digits) is a phone
    number to `mask_phone` (•••••••4567); UUIDs are left alone so ids stay searchable; before that, every
    WhatsApp business-scoped user id (BSUID: "CC." or "CC.ENT." then 6–128 letters and digits, at least one
    digit) goes to `mask_bsuid` (ZW.•••5843);
  - `token=…`, `"secret": "…"`, `Authorization: Bearer …`, JWTs and the current values of our secret
    settings (`KNOWN_SECRET_SETTINGS`) are replaced by `[redacted]`;
  - control characters, CR/LF and the Unicode line separators are escaped (`\\n`, `\\x1b`): user text can
    never start a fake log line, even in the plain format;
- extra fields named like a secret (token, secret, password, api_key, authorization, otp, pin, key…) keep
  their name with the value `[redacted]`; message-text fields (`text`, `body`) are dropped; other string
  extras get the message treatment; a request object becomes "METHOD /path" (never its query string);
- a traceback is formatted now and redacted the same way (its own line breaks kept: the JSON formatter
  escapes them, the plain one is for development);
- `correlation_id` is set from `security.correlation.current()` ("-" outside a delivery).
The filter never raises (a broken record is logged as a placeholder) and is idempotent, so a record that
passes several handlers is redacted once. A filter that redacts its own kind of record first marks it with
`mark_redacted` (Gunicorn's access lines, `deploy/gunicorn_logging.py`), and this one then lets it by.

`redact_every_handler()` is the guard that makes "every handler" hold whatever configured it: it puts a
`RedactingFilter` on each handler of each logger (and on `logging.lastResort`) that has none. The security
app runs it once every app is loaded (`security/apps.py`), after Django's logging set-up.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from security import correlation
from security.redaction import mask_bsuid, mask_phone

REDACTED = "[redacted]"
DROPPED = "[dropped]"
MESSAGE_TEXT_FIELDS = frozenset({"text", "body"})
KNOWN_SECRET_SETTINGS = (
    "SECRET_KEY",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_APP_SECRET_PREVIOUS",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_VERIFY_TOKEN",
    "CLIENT_API_KEY",
    "NOTIFY_API_KEY",
    "ALERT_WEBHOOK_SECRET",
    "ALERT_TELEGRAM_BOT_TOKEN",
    "EMAIL_HOST_PASSWORD",
    "OPERATOR_JWT_SIGNING_KEY",
)
MIN_KNOWN_SECRET_LENGTH = 6
_SENSITIVE_PARTS = frozenset(
    {"token", "secret", "password", "passwd", "pwd", "key", "apikey", "otp", "pin", "authorization", "cookie"}
)
_SENSITIVE_SUBSTRINGS = ("token", "secret", "password", "passwd", "authoriz", "api_key", "apikey")
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_PHONE = r"(?<![0-9A-Za-z])\+?[0-9]{7,15}(?![0-9A-Za-z])|\+[0-9][0-9 \-]{5,22}[0-9](?![0-9A-Za-z])"
_PHONE_OR_UUID = re.compile(f"(?P<uuid>{_UUID})|(?P<phone>{_PHONE})")
# `security.validation.BSUID_PATTERN` inside free text: not after a letter, digit or dot (a module path), and
# with a digit in its tail (Meta's BSUIDs carry digits; "OK.Thanks" is not one).
_BSUID = re.compile(
    r"(?<![A-Za-z0-9.])[A-Z]{2}\.(?:ENT\.)?(?=[A-Za-z]*[0-9])[A-Za-z0-9]{6,128}(?![A-Za-z0-9])"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*")
_KEY_VALUE = re.compile(
    r"(?i)(?<![A-Za-z0-9])((?:[A-Za-z0-9]+[_.\-]){0,4}(?:token|secret|password|passwd|api[_\-]?key|"
    r"authorization|otp|pin)s?)([\"']?\s*[=:]\s*[\"']?)(?!\[redacted\])[^\s\"',;&}\]]+"
)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_MARK = "_vp_redacted"


def is_sensitive_key(name: object) -> bool:
    """True for names like token, accessToken, api_key, x-client-api-key, password, otp, pin, SECRET_KEY."""
    text = str(name)
    lowered = text.lower()
    if any(part in lowered for part in _SENSITIVE_SUBSTRINGS):
        return True
    parts = {part.lower() for part in _WORD_SPLIT.split(text) if part}
    return bool(parts & _SENSITIVE_PARTS)


def escape_controls(text: str) -> str:
    """CR, LF, tabs and every other control or line-separator character as a visible escape."""
    return _CONTROL.sub(lambda found: _ESCAPES.get(found[0], f"\\x{ord(found[0]):02x}"), text)


def mask_phones(text: str) -> str:
    """Every standalone run of 7–15 digits (a phone number, a wa_id) masked; UUIDs untouched."""

    def replace(found: re.Match[str]) -> str:
        if found["uuid"]:
            return found["uuid"]
        phone = found["phone"]
        return mask_phone(phone) if sum(char.isdigit() for char in phone) >= 7 else phone

    return _PHONE_OR_UUID.sub(replace, text)


def mask_bsuids(text: str) -> str:
    """Every business-scoped user id in `text` masked (`mask_bsuid`)."""
    return _BSUID.sub(lambda found: mask_bsuid(found[0]), text)


def known_secrets() -> tuple[str, ...]:
    """The current values of our secret settings, longest first (none before settings exist).

    Read once per process and kept: every redacted string needs them, and reading eleven settings each time
    cost more than the redaction itself. A change of one of them (`override_settings` in tests) drops the
    copy (`_forget_known_secrets`). Before Django is configured (Gunicorn's master) nothing is kept, so a
    forked worker reads its own once its settings exist."""
    global _known_secrets  # noqa: PLW0603 - a per-process cache, reset by the setting_changed receiver
    if _known_secrets is not None:
        return _known_secrets
    from django.conf import settings  # noqa: PLC0415 - the filter may run before Django is configured

    if not settings.configured:
        return ()
    values = {str(getattr(settings, name, "") or "") for name in KNOWN_SECRET_SETTINGS}
    long_enough = (value for value in values if len(value) >= MIN_KNOWN_SECRET_LENGTH)
    _known_secrets = tuple(sorted(long_enough, key=len, reverse=True))
    return _known_secrets


_known_secrets: tuple[str, ...] | None = None


@receiver(setting_changed)
def _forget_known_secrets(*, setting: str, **_: object) -> None:
    global _known_secrets  # noqa: PLW0603
    if setting in KNOWN_SECRET_SETTINGS:
        _known_secrets = None


def redact_text(text: str, *, escape: bool = True) -> str:
    """`text` with secrets removed, phone numbers masked and (by default) control characters escaped."""
    for secret in known_secrets():
        text = text.replace(secret, REDACTED)
    text = _BEARER.sub(lambda found: f"{found[1]} {REDACTED}", text)
    text = _JWT.sub(REDACTED, text)
    text = _KEY_VALUE.sub(lambda found: f"{found[1]}{found[2]}{REDACTED}", text)
    text = mask_phones(mask_bsuids(text))
    return escape_controls(text) if escape else text


def redact_data(value: Any, *, drop_sensitive: bool = False, depth: int = 0) -> Any:
    """A JSON-like value redacted deeply: sensitive keys → `[redacted]` (or left out with `drop_sensitive`),
    message-text keys dropped, strings through `redact_text`; other scalars kept as they are."""
    if depth > 8:
        return DROPPED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return _redact_mapping(value, drop_sensitive=drop_sensitive, depth=depth)
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_data(item, drop_sensitive=drop_sensitive, depth=depth + 1) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return _scalar(value)
    return redact_text(_describe(value))


def _scalar(value: object) -> object:
    """An int that could be a phone number becomes its masked text; other scalars stay as they are."""
    if isinstance(value, int) and not isinstance(value, bool) and mask_phones(str(value)) != str(value):
        return mask_phones(str(value))
    return value


def _redact_mapping(value: Mapping, *, drop_sensitive: bool, depth: int) -> dict:
    cleaned = {}
    for key, item in value.items():
        if is_sensitive_key(key):
            if not drop_sensitive:
                cleaned[str(key)] = REDACTED
        elif str(key) in MESSAGE_TEXT_FIELDS:
            cleaned[str(key)] = DROPPED
        else:
            cleaned[str(key)] = redact_data(item, drop_sensitive=drop_sensitive, depth=depth + 1)
    return cleaned


def _describe(value: object) -> str:
    """A request as "METHOD /path" (no query string, no headers); anything else as str()."""
    method, path = getattr(value, "method", None), getattr(value, "path", None)
    if isinstance(method, str) and isinstance(path, str):
        return f"{method} {path}"
    return str(value)


def _formatted_message(record: logging.LogRecord) -> str:
    args = record.args
    if isinstance(args, Mapping):
        args = redact_data(args)
    elif isinstance(args, tuple):
        args = tuple(redact_data(arg) if isinstance(arg, Mapping | list) else arg for arg in args)
    message = str(record.msg)
    return message % args if args else message


def mark_redacted(record: logging.LogRecord) -> None:
    """For a filter that has redacted its own kind of record (`deploy/gunicorn_logging.py`'s access lines):
    RedactingFilter then lets it through as it is. The caller sets `correlation_id` itself."""
    setattr(record, _MARK, True)


def _has_redaction(handler: logging.Handler) -> bool:
    return any(isinstance(item, RedactingFilter) for item in handler.filters)


def every_handler() -> list[tuple[str, logging.Handler]]:
    """(logger name, handler) for each handler of the root logger and of every logger created so far."""
    loggers = [("root", logging.getLogger())]
    loggers += [(name, item) for name, item in list(logging.Logger.manager.loggerDict.items())
                if isinstance(item, logging.Logger)]  # fmt: skip
    return [(name, handler) for name, logger in loggers for handler in list(logger.handlers)]


def redact_every_handler() -> int:
    """Put a `RedactingFilter` on every handler that has none (see the module docstring); how many it fixed.

    Django's own defaults are already replaced in settings.LOGGING (config/logconfig.py); this covers the
    rest: a handler a library puts on its logger when imported (even a NullHandler, for a uniform rule),
    and `logging.lastResort`, which writes WARNING records of a logger with no handler to reach."""
    handlers = [handler for _, handler in every_handler()]
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    missing = [handler for handler in dict.fromkeys(handlers) if not _has_redaction(handler)]
    for handler in missing:
        handler.addFilter(RedactingFilter())
    return len(missing)


class RedactingFilter(logging.Filter):
    """Redacts every record in place (see the module docstring); always lets the record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _MARK, False):
            return True
        try:
            self._redact(record)
        except Exception as exc:  # a filter must never break the caller's logging call
            record.msg, record.args = f"[log record could not be redacted: {type(exc).__name__}]", None
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        setattr(record, _MARK, True)
        if not getattr(record, "correlation_id", None):
            record.correlation_id = correlation.current() or "-"
        return True

    def _redact(self, record: logging.LogRecord) -> None:
        try:
            message = _formatted_message(record)
        except Exception:  # wrong args for the format: keep the format string, drop the args
            message = f"{record.msg} [unformattable arguments]"
        record.msg, record.args = redact_text(message), None
        for name in [key for key in vars(record) if key not in _STANDARD_ATTRS and key != _MARK]:
            value = getattr(record, name)
            if name in MESSAGE_TEXT_FIELDS:
                delattr(record, name)
            elif is_sensitive_key(name):
                setattr(record, name, REDACTED)
            elif name != "correlation_id":
                setattr(record, name, redact_data(value))
        if record.exc_info:
            formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = redact_text(formatted, escape=False)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact_text(record.exc_text, escape=False)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info, escape=False)
