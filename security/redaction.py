"""Redaction of personal data before it reaches logs (pure).

`mask_phone` keeps only the last 4 digits of a phone number / WhatsApp id, behind a fixed-width mask, so
log lines can still be correlated by a human without revealing the number or even its length.
"""

from __future__ import annotations

MASK = "•••••••"
VISIBLE_DIGITS = 4
MIN_DIGITS_TO_SHOW = 8  # shorter values (test ids, typos) are masked entirely


def mask_phone(value: object) -> str:
    """`•••••••1234` for a number ending in 1234; the bare mask when there are too few digits to hide."""
    digits = "".join(char for char in str(value or "") if char.isascii() and char.isdigit())
    if len(digits) < MIN_DIGITS_TO_SHOW:
        return MASK
    return MASK + digits[-VISIBLE_DIGITS:]
