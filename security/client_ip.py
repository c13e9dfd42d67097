"""The client's IP address as far as we can trust it: `client_ip(request)`.

With `settings.TRUSTED_PROXY_COUNT = 0` (no reverse proxy) it is REMOTE_ADDR, and X-Forwarded-For is
ignored entirely: a client can write anything there. With N > 0 trusted proxies in front of the app, each
appends the address it received the request from, so the N-th entry from the right of X-Forwarded-For was
written by our outermost proxy and is the client; everything left of it is client-supplied and ignored.
When the header has fewer than N entries, or that entry is not an IP address (a proxy that does not
append, a request that bypassed the proxy), REMOTE_ADDR is used. The count must match the deployment:
too high and a forged entry counts, too low and the proxy's own address is recorded.
Returned addresses are normalised (`ipaddress`), with a port or IPv6 brackets removed; "" when unknown.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str:
    """The trusted client address of a Django request (see the module docstring)."""
    meta = request.META
    remote = _normalised(meta.get("REMOTE_ADDR", "")) or ""
    hops = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if hops <= 0:
        return remote
    entries = [item.strip() for item in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    entries = [item for item in entries if item]
    if len(entries) < hops:
        return remote
    return _normalised(entries[-hops]) or remote


def _normalised(value: str) -> str | None:
    """`value` as a canonical IP address (ports and brackets removed), or None when it is not one."""
    text = str(value).strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # 203.0.113.7:5555
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
