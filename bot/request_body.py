"""`read_capped_body(request, cap)`: a view's raw request body, refused past `cap` bytes without reading it.

Shared by the webhook and `POST /bot/notify`, which each set their own cap. `request.body` is not used: it
applies Django's global 2.5 MB limit, below a Meta batch.
"""

from __future__ import annotations

from django.http import HttpRequest


def read_capped_body(request: HttpRequest, cap: int) -> bytes | None:
    """The raw body, or None when it exceeds `cap` (a declared length over it is refused unread)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > cap:
        return None
    body = request.read(cap + 1)
    return None if len(body) > cap else body
