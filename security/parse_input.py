"""Forgiving readers of what members type, one per kind (pure: standard library and the ledger's rules).

Members type the way they talk: `+263 77 123 4567`, `$5`, `21 Dec`, `1` for the first option. Each reader
here turns one such kind into the canonical form the strict validators (`security.validation`,
`security.amounts`) and the ledger take, or answers None when the text is not of that kind, so the validator
gives its reason. No reader guesses: what cannot be read exactly is left to the validator's question.

- `read_phone(text, own)`: a phone number as the ledger's handle, the digits with country code.
  ``+263 77 123 4567``, ``263771234567``, ``00263…`` and ``(077) 123-4567`` style separators are read; a local
  number (one leading ``0``, the trunk prefix) takes the country code of `own`, the member's own number:
  the part of `own` before a national number as long as the typed one (``0771 234 567`` with own
  ``263…`` → ``263771234567``). A result must be E.164 digits (6–15, no leading 0).
- `read_amount_text(text)`: ``$5``, ``US$5``, ``5 dollars``, ``5 bucks`` → ``5 USD``; ``ZiG``/``ZWG``
  → ``ZWG``; with whether the member named a denomination at all (an unnamed one may be a question).
- `read_date(text, today)`: ``2026-12-21``, ``21/12/2026`` (day first, as in Zimbabwe), ``21 Dec``,
  ``21 December 2026``, ``Dec 21``; a date without a year is the next one on or after `today`.
  None when the text is not a date; `ValueError` when it is shaped like one that does not exist (31/02).
- `read_ordinal(text)`: ``1`` … ``10`` → the option number a member typed (WhatsApp shows at most 10).
"""

from __future__ import annotations

import re
from datetime import date

SPOKEN_NAMES = {"ZWG": "ZiG"}  # what members call a denomination, when it differs from its code
_E164 = re.compile(r"[1-9][0-9]{5,14}", re.ASCII)  # the digits of `security.validation.WA_ID_PATTERN`
_PHONE = re.compile(r"(?P<plus>\+|00)?(?P<digits>\(?[0-9][0-9 ().\-]*[0-9])", re.ASCII)
_LOCAL = re.compile(r"0[1-9][0-9]{4,13}", re.ASCII)
_DOLLAR = re.compile(r"(?:us\s*\$|\$)", re.ASCII)
_ALIASES = {"dollar": "USD", "dollars": "USD", "bucks": "USD", "zig": "ZWG", "zigs": "ZWG"}
_WORD = re.compile(r"[a-z]+", re.ASCII)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ISO = re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})", re.ASCII)
_DMY = re.compile(r"(?P<d>[0-9]{1,2})/(?P<m>[0-9]{1,2})/(?P<y>[0-9]{4})", re.ASCII)
_D_MON = re.compile(r"(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?\s+(?P<mon>[a-z]{3,9})\.?(?:,?\s+(?P<y>[0-9]{4}))?")
_MON_D = re.compile(r"(?P<mon>[a-z]{3,9})\.?\s+(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<y>[0-9]{4}))?")
_ORDINAL = re.compile(r"[1-9][0-9]?", re.ASCII)


def read_phone(text: str, own: str = "") -> str | None:
    """The handle digits of a typed phone number, or None when `text` is not one (see the module doc)."""
    match = _PHONE.fullmatch(text.strip()) if isinstance(text, str) and text.isascii() else None
    if match is None:
        return None
    digits = re.sub(r"[^0-9]", "", match["digits"])
    if not match["plus"] and _LOCAL.fullmatch(digits):
        national = digits[1:]
        if not _E164.fullmatch(own or "") or len(own) <= len(national):
            return None
        digits = own[: len(own) - len(national)] + national
    return digits if _E164.fullmatch(digits) else None


def read_amount_text(text: str) -> tuple[str, bool]:
    """(the text with denomination aliases as codes, whether a denomination was named at all)."""
    if not isinstance(text, str):
        return "", False
    if not text.isascii():  # left as typed: the strict grammar explains what is wrong with it
        return text.strip(), any(char.isalpha() for char in text)
    lowered = _DOLLAR.sub(" USD ", text.strip().lower())
    lowered = _WORD.sub(lambda word: _ALIASES.get(word[0], word[0]), lowered)
    canonical = " ".join(lowered.split())
    named = any(char.isalpha() for char in canonical)
    return canonical, named


def spoken(denom: str) -> str:
    """``ZWG (ZiG)`` for a denomination members call otherwise, else the code alone."""
    name = SPOKEN_NAMES.get(denom)
    return f"{denom} ({name})" if name else denom


def _month(word: str) -> int | None:
    word = word.lower()
    for index, prefix in enumerate(_MONTHS, start=1):
        if word.startswith(prefix) and (len(word) == 3 or _full_month(index).startswith(word)):
            return index
    return None


def _full_month(index: int) -> str:
    return date(2000, index, 1).strftime("%B").lower()


def read_date(text: str, *, today: date) -> date | None:
    """The date a member typed (see the module doc); None when not a date, `ValueError` when unreal."""
    cleaned = " ".join(text.strip().lower().split()) if isinstance(text, str) and text.isascii() else ""
    for pattern in (_ISO, _DMY):
        match = pattern.fullmatch(cleaned)
        if match is not None:
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
    match = _D_MON.fullmatch(cleaned) or _MON_D.fullmatch(cleaned)
    month = _month(match["mon"]) if match is not None else None
    if match is None or month is None:
        return None
    day = int(match["d"])
    if match["y"]:
        return date(int(match["y"]), month, day)
    date(2000, month, day)  # a day that exists in some year (29 Feb in a leap year), else ValueError
    for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found >= today:
            return found
    return None


def read_ordinal(text: str) -> int | None:
    """The option number a member typed (``1`` … ``99``, plain ASCII digits, no leading 0), or None."""
    cleaned = text.strip() if isinstance(text, str) else ""
    return int(cleaned) if _ORDINAL.fullmatch(cleaned) else None
