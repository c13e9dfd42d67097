"""Alerts for operators: `raise_alert(key, message, severity=..., details=...)`.

Every call is logged on "security.alerts" (at the severity's level, with the outcome). Then, unless the
same `key` was sent within ALERT_DEDUPE_SECONDS or has been sent ALERT_MAX_PER_HOUR times this hour (one
Lua script on the cache Redis decides, atomically, for every process), the alert goes to each configured
channel, each in its own thread with its own ALERT_CHANNEL_TIMEOUT_SECONDS:
- webhook: POST of the JSON payload to ALERT_WEBHOOK_URL, signed the Standard Webhooks way with
  ALERT_WEBHOOK_SECRET (`whsec_` + base64): headers `webhook-id`, `webhook-timestamp` and
  `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` (receivers reject stamps more
  than 5 minutes off); redirects are not followed;
- e-mail to ALERT_EMAIL_TO (django.core.mail, Django's EMAIL_* settings);
- Telegram: sendMessage to ALERT_TELEGRAM_CHAT_ID through ALERT_TELEGRAM_API_URL with the bot token.
The caller waits at most the timeout (plus a few ms), however many channels hang; a hung channel's thread
is left to its own timeout. A channel failure is logged by channel name and error type only (a request
error would repeat the URL, and the Telegram URL holds the token). The message and `details` go through
the log redaction (`security.logfilter`): no secret values, tokens or full phone numbers in any payload.
If the cache Redis is down, alerts are sent without deduplication (better twice than never). Nothing
here ever raises into the caller.

Counters for "N events in a window" alerts: `note_signature_failure(request)` (the webhook's rejected
signatures: SIGNATURE_FAILURE_ALERT_PER_MINUTE within a minute → one audit row and one alert) and
`note_processing_failure()` (PROCESSING_FAILURES_ALERT failed inbox rows within 10 minutes → one alert).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings
from django.core import mail
from django.core.cache import caches

from security import correlation
from security.logfilter import redact_data, redact_text
from security.secrets import Secret

logger = logging.getLogger("security.alerts")

LEVELS = {
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}
SENT, DUPLICATE, RATE_LIMITED, FAILED = "sent", "duplicate", "rate_limited", "failed"
JOIN_MARGIN_SECONDS = 0.05
SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
PROCESSING_FAILURES_ALERT = 5
PROCESSING_FAILURE_WINDOW_SECONDS = 600
SIGNATURE_FAILURE_WINDOW_SECONDS = 60
_KEY_CHARS = re.compile(r"[^A-Za-z0-9_.:\-]")

# KEYS: dedupe flag, hourly counter. ARGV: dedupe seconds, max per hour. → send | duplicate | rate_limited
_ADMIT = """
if tonumber(ARGV[1]) > 0 and not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return 'duplicate'
end
local sent = redis.call('INCR', KEYS[2])
if sent == 1 then redis.call('EXPIRE', KEYS[2], 3600) end
if sent > tonumber(ARGV[2]) then return 'rate_limited' end
return 'send'
"""
# KEYS: counter. ARGV: window ms. → the count in the window that began with the first event.
_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
"""

Channel = Callable[[dict, float], None]


def raise_alert(key: str, message: str, *, severity: str = "warning", details: dict | None = None) -> str:
    """Log the alert and, unless deduplicated or rate limited, send it to every channel; the outcome."""
    try:
        key = _KEY_CHARS.sub("_", str(key))[:100] or "alert"
        payload = _payload(key, message, severity, details)
        outcome = _admit(key)
        logger.log(
            LEVELS.get(severity, logging.WARNING),
            "alert %s: %s (%s)",
            key,
            payload["message"],
            outcome,
            extra={"alert": key, "alert_outcome": outcome, "alert_details": payload["details"]},
        )
        if outcome == SENT:
            _fan_out(configured_channels(), payload, float(settings.ALERT_CHANNEL_TIMEOUT_SECONDS))
        return outcome
    except Exception as exc:  # an alert must never break what raised it
        logger.error("alert %s could not be raised (%s)", key, type(exc).__name__)
        return FAILED


def _payload(key: str, message: str, severity: str, details: dict | None) -> dict:
    return {
        "id": uuid.uuid4().hex,
        "key": key,
        "severity": severity if severity in LEVELS else "warning",
        "message": redact_text(str(message))[:1000],
        "details": redact_data(dict(details or {})),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": str(getattr(settings, "DJANGO_ENV", "")),
        "correlation_id": correlation.current(),
    }


def _admit(key: str) -> str:
    """SENT, DUPLICATE or RATE_LIMITED for this key now (SENT when the cache Redis cannot say)."""
    prefix = f"{settings.REDIS_KEY_PREFIX}:alert"
    try:
        verdict = _redis().register_script(_ADMIT)(
            keys=[f"{prefix}:dedupe:{key}", f"{prefix}:hour:{key}"],
            args=[max(0, int(settings.ALERT_DEDUPE_SECONDS)), max(0, int(settings.ALERT_MAX_PER_HOUR))],
        )
    except Exception as exc:
        logger.warning("alert deduplication unavailable (%s); sending anyway", type(exc).__name__)
        return SENT
    return {b"duplicate": DUPLICATE, b"rate_limited": RATE_LIMITED}.get(verdict, SENT)


def _redis() -> Any:
    return caches["default"].client.get_client(write=True)


def configured_channels() -> list[tuple[str, Channel]]:
    """(name, sender) of every channel whose settings are complete."""
    channels: list[tuple[str, Channel]] = []
    if settings.ALERT_WEBHOOK_URL:
        if settings.ALERT_WEBHOOK_SECRET:
            channels.append(("webhook", send_webhook))
        else:
            logger.warning("alert webhook channel skipped: ALERT_WEBHOOK_SECRET is not set")
    if settings.ALERT_EMAIL_TO:
        channels.append(("email", send_email))
    if settings.ALERT_TELEGRAM_BOT_TOKEN and settings.ALERT_TELEGRAM_CHAT_ID:
        channels.append(("telegram", send_telegram))
    return channels


def _fan_out(channels: list[tuple[str, Channel]], payload: dict, timeout: float) -> None:
    """Run every channel in its own thread; wait for them at most `timeout` (+ a margin) in all."""
    threads = [
        threading.Thread(target=_run, args=(name, send, payload, timeout), name=f"alert-{name}", daemon=True)
        for name, send in channels
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout + JOIN_MARGIN_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    for thread in threads:
        if thread.is_alive():
            logger.warning("alert %s: channel %s still busy after %ss", payload["key"], thread.name, timeout)


def _run(name: str, send: Channel, payload: dict, timeout: float) -> None:
    try:
        send(payload, timeout)
    except Exception as exc:
        logger.warning("alert %s: channel %s failed (%s)", payload["key"], name, type(exc).__name__)


def webhook_key(secret: str) -> Secret:
    """The HMAC key of a Standard Webhooks secret (`whsec_` + base64, the prefix optional)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        return Secret(base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True))
    except (binascii.Error, ValueError):
        raise ValueError("ALERT_WEBHOOK_SECRET is not whsec_ + base64") from None


def signed_headers(body: bytes, key: Secret, *, msg_id: str, timestamp: int) -> dict[str, str]:
    """The Standard Webhooks headers of `body`: webhook-id, webhook-timestamp, webhook-signature."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    with key.bytes_view() as raw:
        signature = base64.b64encode(hmac.new(raw, signed, hashlib.sha256).digest()).decode("ascii")
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp), "webhook-signature": f"v1,{signature}"}


def send_webhook(payload: dict, timeout: float) -> None:
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
    key = webhook_key(settings.ALERT_WEBHOOK_SECRET)
    headers = signed_headers(body, key, msg_id=f"msg_{payload['id']}", timestamp=int(time.time()))
    headers["Content-Type"] = "application/json"
    answer = requests.post(
        settings.ALERT_WEBHOOK_URL,
        data=body,
        headers=headers,
        timeout=(timeout, timeout),
        allow_redirects=False,
    )
    _check(answer, "webhook", payload)


def alert_text(payload: dict) -> str:
    """The alert as a few lines of text (e-mail body, Telegram message)."""
    details = json.dumps(payload["details"], sort_keys=True, ensure_ascii=False)
    return (
        f"[{payload['severity'].upper()}] {payload['key']}\n{payload['message']}\n"
        f"details: {details}\nat: {payload['at']} env: {payload['environment']}"
    )


def send_email(payload: dict, timeout: float) -> None:
    subject = f"[VimbisoPay {payload['severity']}] {payload['key']}"
    connection = mail.get_connection(timeout=timeout)
    mail.send_mail(subject, alert_text(payload), None, list(settings.ALERT_EMAIL_TO), connection=connection)


def send_telegram(payload: dict, timeout: float) -> None:
    base = settings.ALERT_TELEGRAM_API_URL.rstrip("/")
    url = f"{base}/bot{settings.ALERT_TELEGRAM_BOT_TOKEN}/sendMessage"
    body = {"chat_id": settings.ALERT_TELEGRAM_CHAT_ID, "text": alert_text(payload)[:4096]}
    answer = requests.post(url, json=body, timeout=(timeout, timeout), allow_redirects=False)
    _check(answer, "telegram", payload)


def _check(answer: requests.Response, channel: str, payload: dict) -> None:
    if not 200 <= answer.status_code < 300:
        logger.warning("alert %s: channel %s answered HTTP %s", payload["key"], channel, answer.status_code)


def note_event(name: str, *, threshold: int, window_seconds: float) -> bool:
    """Count one event; True exactly once per window (which starts at its first event): at `threshold`."""
    if threshold <= 0:
        return False
    count = _redis().register_script(_COUNT)(
        keys=[f"{settings.REDIS_KEY_PREFIX}:alert:count:{name}"], args=[int(window_seconds * 1000)]
    )
    return int(count) == threshold


def note_signature_failure(request: Any) -> None:
    """One rejected webhook signature; at the threshold within a minute, one audit row and one alert."""
    from security import audit  # noqa: PLC0415 - the audit model needs the app registry, alerts do not

    threshold = int(settings.SIGNATURE_FAILURE_ALERT_PER_MINUTE)
    try:
        burst = note_event("webhook.signature_failure", threshold=threshold, window_seconds=60)
    except Exception as exc:
        logger.warning("signature failures not counted (%s)", type(exc).__name__)
        return
    if burst:
        figures = {"failures": threshold, "window_seconds": SIGNATURE_FAILURE_WINDOW_SECONDS}
        audit.record(
            "webhook.signature_failure_burst", actor=audit.SYSTEM, obj="webhook", new=figures, request=request
        )
        message = f"{threshold} webhook deliveries with a bad signature within a minute"
        raise_alert("webhook.signature_failure_burst", message, severity="error", details=figures)


def note_processing_failure() -> None:
    """One inbox row that failed; at PROCESSING_FAILURES_ALERT within 10 minutes, one alert."""
    try:
        burst = note_event(
            "processing.failure",
            threshold=PROCESSING_FAILURES_ALERT,
            window_seconds=PROCESSING_FAILURE_WINDOW_SECONDS,
        )
    except Exception as exc:
        logger.warning("processing failures not counted (%s)", type(exc).__name__)
        return
    if burst:
        message = f"{PROCESSING_FAILURES_ALERT} inbox rows failed to process within 10 minutes"
        raise_alert("processing.failures", message, severity="error", details={"window_seconds": 600})
