"""What `POST /bot/notify` (`bot.notify`) sends, and that it sends a notification only once.

- Inside WhatsApp's 24-hour customer-service window (the member's last inbound message, by Meta's timestamp
  on our inbox row, is under 24 hours old) the receipt goes as a plain text message; outside it Meta allows
  only an approved template, so it goes as `incoming_notification` (`bot.notify.notification_reply`).
- A notification that carries a `notificationID` is claimed once on the cache Redis (`cache.add`, one
  atomic SET NX, kept `CLAIM_SECONDS`): a second delivery of the same ID, concurrent or later, sends nothing.
  A send that failed gives the claim back, so the ledger's retry is sent. Without an ID nothing is
  deduplicated.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import caches
from django.utils import timezone

from bot.models import InboxMessage
from security import ratelimit

WINDOW = timedelta(hours=24)
CLAIM_SECONDS = 7 * 24 * 3600


def in_window(wa_id: str) -> bool:
    """Whether the member wrote to us within the last 24 hours (a free-form message may be sent)."""
    since = timezone.now() - WINDOW
    return InboxMessage.objects.filter(wa_id=wa_id, message_ts__gt=since).exists()


def _claim_key(notification_id: str) -> str:
    return f"notify-sent:{ratelimit.fingerprint(notification_id)}"


def claim(notification_id: str | None) -> bool:
    """True when this notification may be sent now (first delivery of its ID, or no ID)."""
    if notification_id is None:
        return True
    return bool(caches["default"].add(_claim_key(notification_id), 1, timeout=CLAIM_SECONDS))


def release(notification_id: str | None) -> None:
    """Give the claim back after a failed send, so a retry of the same ID is sent."""
    if notification_id is not None:
        caches["default"].delete(_claim_key(notification_id))
