"""Cells for every workbook the app writes (exports, the roster, poll results, XLSForm).

Text typed by people (answers, unit codes and names, choice labels, user names) must reach a
workbook as text, never as a formula: openpyxl turns any string that starts with "=" into a
live formula, and Excel or LibreOffice run a cell that starts with "=", "+", "-" or "@"
once someone edits it. So every value goes through ``safe_cell`` (or ``safe_row``):

- a string is always a string cell, with control characters that XML cannot carry removed
  and OOXML escapes such as "_x003D_" kept as typed (Excel would read that one as "=");
  one that starts with "=", "+", "-", "@", a tab, a carriage return or a null character
  (OWASP's list for CSV injection) is also marked *quote prefix*: Excel and LibreOffice show
  it exactly as typed and keep it text when the cell is edited, and readers such as
  python-calamine read back the original text (no apostrophe is added to the value);
- numbers, booleans and dates stay typed cells (a number is never turned into text); dates
  are shown dd/mm/yyyy.

Pure openpyxl, no Flask: the survey engine's XLSForm export uses it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font

#: What a spreadsheet may read as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
PERCENT_FORMAT = "0.0%"
#: Excel's limit for the text of one cell.
MAX_TEXT = 32767

_BOLD = Font(bold=True)


_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def clean_text(value: str) -> str:
    """``value`` as a workbook can hold it: no XML-illegal control characters, line breaks
    as line feeds (XML reads a carriage return as one anyway), at most 32,767 characters."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_TEXT]


def _stored(text: str) -> str:
    """Excel and calamine read "_x003D_" in a cell as "=": typed text keeps its underscore."""
    return _OOXML_ESCAPE.sub(r"_x005F_\1", text)


def needs_quote_prefix(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


def safe_cell(
    sheet, value: Any, *, bold: bool = False, number_format: str | None = None
) -> Cell | None:
    """A cell for ``sheet`` (write-only or not) holding ``value`` as data, never as a formula.

    ``None`` stays an empty cell. ``number_format`` applies to numbers (e.g. PERCENT_FORMAT).
    """
    if value is None:
        if not bold:
            return None
        cell = WriteOnlyCell(sheet, None)
    elif isinstance(value, str):
        # The OWASP check also runs on the raw text: a leading null character is dropped
        # by clean_text, and what follows it must not become a formula either.
        risky = needs_quote_prefix(value)
        text = clean_text(value)
        cell = WriteOnlyCell(sheet, _stored(text))
        # openpyxl would make "=..." a formula and "#N/A" an error: text stays text.
        cell.data_type = "s"
        if risky or needs_quote_prefix(text):
            cell.quotePrefix = True
    elif isinstance(value, bool | int | float):
        cell = WriteOnlyCell(sheet, value)
        if number_format:
            cell.number_format = number_format
    elif isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATE_FORMAT
    else:
        raise TypeError(f"no workbook cell for {type(value).__name__}")
    if bold:
        cell.font = _BOLD
    return cell


def safe_row(sheet, values: Iterable[Any], *, bold: bool = False) -> list[Cell | None]:
    """``safe_cell`` for each value: what ``sheet.append`` should be given."""
    return [safe_cell(sheet, value, bold=bold) for value in values]
