"""Redaction of personal data before it reaches logs (pure).

`mask_phone` keeps only the last 4 digits of a phone number / WhatsApp id, behind a fixed-width mask, so
log lines can still be correlated by a human without revealing the number or even its length.
`mask_address` keeps only the network of an IP address (IPv4 /24, IPv6 /48): enough to block it, not to
name the client.
`mask_bsuid` does for a WhatsApp business-scoped user id (BSUID, `bot.identity`) what `mask_phone` does for
a number: the country prefix and the last 4 characters stay (``ZW.•••5843``), the rest never reaches a log.
`mask_member` masks whichever of the three names of a member it is given: number, BSUID or `u…` key.
"""

from __future__ import annotations

import ipaddress
import re

MASK = "•••••••"
VISIBLE_DIGITS = 4
MIN_DIGITS_TO_SHOW = 8  # shorter values (test ids, typos) are masked entirely
BSUID_MASK = "•••"
_BSUID_PREFIX = re.compile(r"[A-Z]{2}(?:\.ENT)?", re.ASCII)


def mask_phone(value: object) -> str:
    """`•••••••1234` for a number ending in 1234; the bare mask when there are too few digits to hide."""
    digits = "".join(char for char in str(value or "") if char.isascii() and char.isdigit())
    if len(digits) < MIN_DIGITS_TO_SHOW:
        return MASK
    return MASK + digits[-VISIBLE_DIGITS:]


def mask_bsuid(value: object) -> str:
    """`ZW.•••5843` for ZW.1502576394655843 (`US.ENT.•••…` for a parent BSUID); the bare mask otherwise."""
    prefix, _, rest = str(value or "").rpartition(".")
    if not _BSUID_PREFIX.fullmatch(prefix) or not rest:
        return BSUID_MASK
    return f"{prefix}.{BSUID_MASK}{rest[-VISIBLE_DIGITS:] if len(rest) >= MIN_DIGITS_TO_SHOW else ''}"


def mask_member(value: str) -> str:
    """A member's number (`mask_phone`), BSUID (`mask_bsuid`) or key ``u…`` (``u•••`` and its last 4)."""
    if value.isascii() and value.isdigit():
        return mask_phone(value)
    if _BSUID_PREFIX.match(value):
        return mask_bsuid(value)
    return "u" + BSUID_MASK + value[-VISIBLE_DIGITS:] if len(value) >= MIN_DIGITS_TO_SHOW else BSUID_MASK


def mask_address(value: object) -> str:
    """`203.0.113.0/24` for 203.0.113.66, `2001:db8:1::/48` for an IPv6 address in it; "unknown" otherwise."""
    try:
        address = ipaddress.ip_address(str(value or ""))
    except ValueError:
        return "unknown"
    if address.version == 6 and address.ipv4_mapped:  # ::ffff:203.0.113.66 from a dual-stack socket
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
