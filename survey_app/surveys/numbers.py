"""Numbers as Vietnamese people write them: one rule for reading and one for writing.

The server (here) and the page (static/js/numbers.js) read typed numbers with the same rule
and write them the same way; tests/vectors/numbers.json runs through both.  The rule, as
surveys/README.md explains it to survey writers:

- ``.`` groups thousands, ``,`` marks decimals: ``1.250`` is 1250, ``1.250.000`` is 1250000,
  ``12,5`` is 12.5 and ``1.250,5`` is 1250.5.  Digits alone (``1250``) are fine too.
- A group dot comes after one to three digits that do not start with 0, then every three
  digits: ``1.25.000`` or ``01.250`` is refused with a message on where the dots go.
- A single ``.`` is taken as a decimal point only where it cannot be a thousands group:
  ``12.5``, ``0.250`` and ``1234.567`` are decimals, ``1.250`` never is.
- ``1,250`` (one to three digits, a comma, exactly three digits) could be the English
  one thousand two hundred and fifty: it is refused, asking for ``1.250`` or ``1,25``.
  English grouping (``1,250,000``, ``1,250.5``) is refused with the Vietnamese writing.
- An optional ``+`` or ``-`` (or the minus sign ``−``) in front; nothing else: no spaces
  inside, no letters, no ``%``, no exponent, at most six decimals and at most 10^15.
- A question that takes whole numbers refuses any decimal part (``12,5``, even ``12,0``).

Nothing is ever guessed: what the rule does not read is a :class:`NumberProblem` whose code
names the message to show (see ``validation.number_message`` and the page's data-messages).
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import NamedTuple

from babel.numbers import format_decimal

__all__ = [
    "MAX_ABS_NUMBER",
    "MAX_DECIMALS",
    "NumberProblem",
    "format_number",
    "input_text",
    "parse_number",
]

MAX_ABS_NUMBER = 10**15
"""Largest accepted magnitude: beyond about 9e15 floats stop holding every whole number."""

MAX_DECIMALS = 6
"""Most digits accepted after the decimal comma; every page shows that many at most."""

# Exactly JavaScript's \s, so that both sides see the same spaces.
_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_SPACES = re.compile(f"[{_SPACE}]")
_EDGES = re.compile(f"^[{_SPACE}]+|[{_SPACE}]+$")
_SIGNS = {"+": "", "-": "-", "\u2212": "-"}
_SHAPE = re.compile(r"[0-9.,]+")
_DIGITS = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"([1-9][0-9]{0,2}(?:\.[0-9]{3})+)(?:,([0-9]+))?")
_COMMA_DECIMAL = re.compile(r"([0-9]*),([0-9]+)")
_AMBIGUOUS = re.compile(r"[1-9][0-9]{0,2},[0-9]{3}")
_POINT_DECIMAL = re.compile(r"(0|[1-9][0-9]*)?\.([0-9]+)")
_ZERO_LED = re.compile(r"0[0-9]+\.[0-9]+")
_ENGLISH = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_MAX_WHOLE_DIGITS = 16  # 10**15 has 16 digits; more is too large whatever they are
_PATTERN = "#,##0.###"  # grouped, with the decimals the (rounded) number has


class NumberProblem(NamedTuple):
    """Why a text is not a number: a code (the message's name) and the message's values."""

    code: str
    params: dict[str, str] = {}  # noqa: RUF012 - never changed: NamedTuple fields are read only


def parse_number(
    text: str, *, integer: bool = False
) -> tuple[int | float | None, NumberProblem | None]:
    """The number a person typed, by the Vietnamese rule of the module docstring.

    Returns (value, None), the value an int when there are no decimals and a float
    otherwise, or (None, problem).  Problem codes: ``malformed``, ``spaces``, ``grouping``,
    ``ambiguous`` (params ``thousands``, ``decimal``), ``english`` (param ``written``),
    ``large``, ``fraction`` (decimals for a whole-number question) and ``decimals``
    (param ``n``).
    """
    rest = _EDGES.sub("", text)
    if _SPACES.search(rest):
        return None, NumberProblem("spaces")
    sign = ""
    if rest[:1] in _SIGNS:
        sign, rest = _SIGNS[rest[0]], rest[1:]
    if not _SHAPE.fullmatch(rest):
        return None, NumberProblem("malformed")
    if _DIGITS.fullmatch(rest):
        whole, fraction = rest, ""
    elif match := _GROUPED.fullmatch(rest):
        whole, fraction = match[1].replace(".", ""), match[2] or ""
    elif match := _COMMA_DECIMAL.fullmatch(rest):
        if _AMBIGUOUS.fullmatch(rest):
            return None, NumberProblem(
                "ambiguous",
                {"thousands": sign + rest.replace(",", "."), "decimal": sign + _as_decimal(rest)},
            )
        whole, fraction = match[1], match[2]
    elif match := _POINT_DECIMAL.fullmatch(rest):
        whole, fraction = match[1] or "", match[2]
    elif _ENGLISH.fullmatch(rest):
        written = rest.translate(str.maketrans(",.", ".,"))
        return None, NumberProblem("english", {"written": sign + written})
    elif _misgrouped(rest):
        return None, NumberProblem("grouping")
    else:
        return None, NumberProblem("malformed")
    return _number(sign, whole, fraction, integer=integer)


def _misgrouped(text: str) -> bool:
    """Dots meant as group marks, but in the wrong places: ``1.25.000``, ``12.50,5``,
    ``01.250``."""
    point = text.find(".")
    return (
        text.count(".") > 1 or 0 <= point < text.rfind(",") or _ZERO_LED.fullmatch(text) is not None
    )


def _as_decimal(text: str) -> str:
    """``1,250`` written so that it can only be a decimal: ``1,25``, ``1,0``, ``1,2550``."""
    whole, fraction = text.split(",")
    shorter = fraction.rstrip("0") or "0"
    return f"{whole},{shorter if shorter != fraction else fraction + '0'}"


def _number(
    sign: str, whole: str, fraction: str, *, integer: bool
) -> tuple[int | float | None, NumberProblem | None]:
    if len(whole.lstrip("0")) > _MAX_WHOLE_DIGITS:
        return None, NumberProblem("large")
    if integer and fraction:
        return None, NumberProblem("fraction")
    if len(fraction) > MAX_DECIMALS:
        return None, NumberProblem("decimals", {"n": str(MAX_DECIMALS)})
    value: int | float = float(f"{whole or '0'}.{fraction}") if fraction else int(whole)
    if abs(value) > MAX_ABS_NUMBER:
        return None, NumberProblem("large")
    if sign and value:
        value = -value
    return value, None


def _decimal(value: float | int) -> Decimal | None:
    """The number's shortest decimal digits (as JavaScript's ``String`` gives them)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return Decimal(repr(value))
    return Decimal(value)


def format_number(value: float | int | None, decimals: int | None = MAX_DECIMALS) -> str:
    """A number as Vietnamese people write it: ``1.250``, ``12,5``, ``-1.250.000,75``.

    Rounded half away from zero to ``decimals`` places (None: every digit the number
    has), without trailing zeros; ``""`` for None or a number that is not finite.  Every
    page shows numbers this way, whatever its language (static/js/numbers.js agrees).
    """
    number = _decimal(value) if value is not None else None
    if number is None:
        return ""
    with localcontext() as context:
        context.prec = 800  # every digit of any double
        if decimals is not None:
            number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        if number == 0:
            number = Decimal(0)  # no "-0"
        # Already rounded: Babel only groups and writes the separators.
        return format_decimal(number, format=_PATTERN, locale="vi", decimal_quantization=False)


def input_text(value: float | int) -> str:
    """A number as typed text that :func:`parse_number` reads back as the same number.

    For numbers given as numbers (a JSON answer, a definition's default): like
    :func:`format_number` with every digit, and a ``0`` after three decimals that could
    otherwise be read as a thousands group (1.125 is ``1,1250``, not the ambiguous ``1,125``).
    """
    text = format_number(value, None)
    if _AMBIGUOUS.fullmatch(text.lstrip("-")):
        text += "0"
    return text
