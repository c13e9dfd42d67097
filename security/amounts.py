"""Money amounts: the strict member grammar, exact rendering and the ledger's formatted strings (pure).

Amounts are `Decimal` (or integer minor units), never `float`: `Money`, the denominations and their decimals
are the ledger's rules, kept in `security.ledger_rules`.

Member grammar (`parse_amount`), after trimming surrounding whitespace and reading the everyday names of a
denomination as its code (`security.parse_input.read_amount_text`: ``$5``, ``US$5``, ``5 dollars`` →
``5 USD``, ``50 ZiG`` → ``50 ZWG``):

    [DENOM [spaces]] DIGITS [. DIGITS] [[spaces] DENOM]      e.g. 50, 50.5, 0.25, 50 USD, USD 50, 50usd

- ASCII digits only, at least one on each side of the decimal point (``.5`` and ``5.`` are refused with a
  reason: the strict form costs the member one character and rules out a stray full stop becoming a price);
  no leading zeros (``007``: a mistyped phone number must not become an amount); at most the denomination's
  decimals (USD/CAD/ZWG 2, CXX 3, XAU 4), so ``50.500 USD`` is refused too;
- no sign, exponent, ``inf``/``nan``, thousands separators (``1,000``, ``1_000``, ``1 000``), currency
  symbols other than ``$`` (``50€``) or non-ASCII digits (``١٠٠``, ``５０``);
- more than zero and at most the `max_amount` the caller passes (settings.MAX_AMOUNT); at most
  `MAX_INTEGER_DIGITS` digits before the point (checked before any `Decimal` is built);
- the denomination, in any case, is one of `DECIMAL_PLACES`; written once at most; else the member default.

Every refusal raises `InvalidAmount` whose `reason` is one of the sentences below (some with ``{...}`` filled
in), telling the member what to type instead. `render_amount` gives ``12.50 USD`` — exact, no thousands
separators, so ``parse_amount(render_amount(m)) == m``. `parse_ledger_amount` reads the ledger's own formatted
strings (``"1,234.56 USD"``, ``"-10.00 USD"``), which do carry separators and signs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal

from security.ledger_rules import DECIMAL_PLACES, DENOMINATIONS, MAX_INTEGER_DIGITS, Money
from security.parse_input import read_amount_text
from security.validation import InvalidInput

_EXAMPLE_UNITS = {"USD": 1250, "ZWG": 1250, "CAD": 1250, "XAU": 125, "CXX": 12125}  # 12.50, 0.0125, 12.125
MAX_INPUT_LENGTH = 64

_KNOWN = ", ".join(DENOMINATIONS[:-1]) + " and " + DENOMINATIONS[-1]
EMPTY = "Please type an amount, like 50 or 12.50 USD."
FORMAT = "Please type the amount as digits with an optional denomination, like 50, 12.50 or 12.50 USD."
MISSING_NUMBER = "Please type the amount in digits too, like 50 USD."
UNKNOWN_DENOMINATION = f"I know {_KNOWN}. Please type one of them, like 50 USD."
NOT_ASCII_DIGITS = "Please type the amount with the digits 0-9, like 50."
CURRENCY_SYMBOL = "Please type the denomination as a code instead of a symbol, like 50 USD."
EXPONENT = "Please type the amount in full, like 1000 (not 1e3)."
NOT_A_NUMBER = "Please type the amount as a number, like 50 or 12.50."
SIGN = "Please type the amount without a + or - sign, like 50."
SEPARATORS = "Please type {plain}, without commas, spaces or underscores between the digits."
DECIMAL_COMMA = "Please use a point for decimals and no commas, like 12.50."
DECIMAL_POINT = "Please type a digit on each side of the decimal point, like 0.50 or 5.00."
LEADING_ZEROS = "Please type {plain}, without leading zeros."
TOO_MANY_DECIMALS = "Please type at most {places} decimals for {denom}, like {example}."
ZERO = "The amount must be more than zero, like 0.50 or 10."
TOO_LARGE = "The largest amount I accept is {maximum}. Please type a smaller amount."

_STRICT = re.compile(
    r"(?:(?P<pre>[A-Za-z]+)\s*)?(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]+))?(?:\s*(?P<post>[A-Za-z]+))?", re.ASCII
)
_GROUPED = re.compile(r"[0-9]{1,3}(?P<sep>[,_' ])[0-9]{3}(?:(?P=sep)[0-9]{3})*(?:\.[0-9]+)?", re.ASCII)
_BARE_POINT = re.compile(r"(?:[A-Za-z]+\s*)?(?:\.[0-9]+|[0-9]+\.)(?:\s*[A-Za-z]+)?", re.ASCII)
_EXPONENT = re.compile(r"[0-9.][eE][+\-]?[0-9]", re.ASCII)
_SIGN = re.compile(r"[+\-−]\s*[0-9.]")
_NAN_WORDS = re.compile(r"\b(?:nan|inf|infinity|snan)\b", re.ASCII | re.IGNORECASE)
_DIGIT_SEPARATOR = re.compile(r"[0-9][,_' ][0-9]", re.ASCII)
_LEDGER = re.compile(
    r"(?P<sign>-)?(?P<int>[0-9]{1,3}(?:,[0-9]{3})*|[0-9]+)"
    r"(?:\.(?P<frac>[0-9]+))?(?:\s+(?P<denom>[A-Za-z]{3}))?",
    re.ASCII,
)


class InvalidAmount(InvalidInput):
    """An amount a member typed that breaks the grammar; `reason` says what to type instead."""


class LedgerAmountError(ValueError):
    """A ledger-formatted amount we cannot read exactly (a ledger change or a bug; never member input)."""


def parse_amount(text: str, *, default_denom: str, max_amount: Decimal) -> Money:
    """The amount a member typed (see the module docstring); raises `InvalidAmount` with a reason."""
    if default_denom not in DECIMAL_PLACES:
        raise ValueError(f"unknown default denomination {default_denom!r}")
    if not isinstance(max_amount, Decimal) or not max_amount.is_finite() or max_amount <= 0:
        raise ValueError("max_amount must be a positive finite Decimal")
    cleaned = text.strip() if isinstance(text, str) else ""
    if not cleaned:
        raise InvalidAmount(EMPTY)
    if len(cleaned) > MAX_INPUT_LENGTH:
        too_large = cleaned.isascii() and cleaned.isdigit()
        raise InvalidAmount(
            TOO_LARGE.format(maximum=_maximum(max_amount, default_denom)) if too_large else FORMAT
        )
    cleaned, _named = read_amount_text(cleaned)
    match = _STRICT.fullmatch(cleaned)
    if match is None:
        raise InvalidAmount(_diagnose(cleaned))
    return _checked(match, default_denom=default_denom, max_amount=max_amount)


def _checked(match: re.Match[str], *, default_denom: str, max_amount: Decimal) -> Money:
    """Apply the denomination, size, precision and range rules to a text that has the right shape."""
    pre, post = match["pre"], match["post"]
    if pre and post:
        raise InvalidAmount(FORMAT)
    denom = (pre or post or default_denom).upper()
    if denom not in DECIMAL_PLACES:
        raise InvalidAmount(UNKNOWN_DENOMINATION)
    integer, fraction = match["int"], match["frac"] or ""
    if len(integer) > MAX_INTEGER_DIGITS:
        raise InvalidAmount(TOO_LARGE.format(maximum=_maximum(max_amount, denom)))
    places = DECIMAL_PLACES[denom]
    if len(fraction) > places:
        example = render_amount(from_minor_units(_EXAMPLE_UNITS[denom], denom))
        raise InvalidAmount(TOO_MANY_DECIMALS.format(denom=denom, places=places, example=example))
    value = Decimal(f"{integer}.{fraction}" if fraction else integer)
    if value.is_zero():
        raise InvalidAmount(ZERO)
    if len(integer) > 1 and integer.startswith("0"):
        plain = integer.lstrip("0") or "0"
        raise InvalidAmount(LEADING_ZEROS.format(plain=f"{plain}.{fraction}" if fraction else plain))
    if value > max_amount:
        raise InvalidAmount(TOO_LARGE.format(maximum=_maximum(max_amount, denom)))
    return Money(value, denom)


_SHAPE_RULES: tuple[tuple[Callable[[str], object], str], ...] = (
    (lambda text: any(unicodedata.category(char) == "Sc" for char in text), CURRENCY_SYMBOL),
    (lambda text: any(char.isnumeric() and not char.isascii() for char in text), NOT_ASCII_DIGITS),
    (_EXPONENT.search, EXPONENT),
    (_NAN_WORDS.search, NOT_A_NUMBER),
    (_SIGN.search, SIGN),
)


def _diagnose(text: str) -> str:
    """The most helpful reason for a text that does not have the shape of an amount."""
    for found, reason in _SHAPE_RULES:
        if found(text):
            return reason
    separated = _separators_reason(text)
    if separated is not None:
        return separated
    if _BARE_POINT.fullmatch(text):
        return DECIMAL_POINT
    if not any(char in "0123456789" for char in text):
        words = text.upper().split()
        return MISSING_NUMBER if words and all(word in DECIMAL_PLACES for word in words) else FORMAT
    return FORMAT


def _separators_reason(text: str) -> str | None:
    """Thousands grouping → the plain number to type; a decimal comma → use a point; None otherwise."""
    number = _strip_denomination(text)
    grouped = _GROUPED.fullmatch(number)
    if grouped is not None:
        plain = number.replace(grouped["sep"], "")
        if len(plain.split(".")[0]) > MAX_INTEGER_DIGITS:
            return FORMAT
        return SEPARATORS.format(plain=plain)
    if "," in number and _DIGIT_SEPARATOR.search(number):
        return DECIMAL_COMMA
    return None


def _strip_denomination(text: str) -> str:
    """`text` without a leading or trailing run of ASCII letters (the denomination) and its spaces."""
    return re.sub(r"^[A-Za-z]+\s*|\s*[A-Za-z]+$", "", text, flags=re.ASCII)


def _maximum(max_amount: Decimal, denom: str) -> str:
    """The maximum as the member should read it: ``1000000 USD`` (integral) or ``2500.50 USD``."""
    return f"{format(max_amount, 'f')} {denom}"


def render_number(money: Money) -> str:
    """The amount alone with exactly the denomination's decimals and no separators: ``12.50``."""
    return format(money.amount, "f")


def render_amount(money: Money) -> str:
    """``12.50 USD``: exact, unambiguous, and accepted back by `parse_amount` (for positive amounts)."""
    return f"{render_number(money)} {money.denom}"


def parse_ledger_amount(text: str, *, denom: str | None = None) -> Money:
    """An amount formatted by the ledger: ``"1,234.56 USD"``, ``"-10.00 USD"``, ``"0.0312 XAU"``.

    Thousands separators (correctly grouped) and a leading minus are allowed here. A text without a
    denomination takes `denom`; a text whose denomination differs from `denom` is refused. Raises
    `LedgerAmountError` rather than ever rounding.
    """
    match = _LEDGER.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or len(match["int"].replace(",", "")) > MAX_INTEGER_DIGITS:
        raise LedgerAmountError("not a ledger amount")
    found = match["denom"].upper() if match["denom"] else None
    if found and denom and found != denom:
        raise LedgerAmountError(f"expected {denom}, the ledger said {found}")
    chosen = found or denom
    if chosen not in DECIMAL_PLACES:
        raise LedgerAmountError(f"unknown denomination {chosen!r}")
    number = match["int"].replace(",", "") + (f".{match['frac']}" if match["frac"] else "")
    try:
        return Money(Decimal(f"{match['sign'] or ''}{number}"), chosen)
    except ValueError as exc:
        raise LedgerAmountError(str(exc)) from None


def to_minor_units(money: Money) -> int:
    """The amount in the denomination's smallest unit: 12.50 USD → 1250, 0.0125 XAU → 125."""
    return int(money.amount.scaleb(money.places))


def from_minor_units(units: int, denom: str) -> Money:
    """The inverse of `to_minor_units`."""
    if isinstance(units, bool) or not isinstance(units, int):
        raise TypeError("minor units are an int")
    if denom not in DECIMAL_PLACES:
        raise ValueError(f"unknown denomination {denom!r}")
    places = DECIMAL_PLACES[denom]
    if abs(units) >= 10 ** (MAX_INTEGER_DIGITS + places):
        raise ValueError(f"more than {MAX_INTEGER_DIGITS} digits before the decimal point")
    return Money(Decimal(units).scaleb(-places), denom)
