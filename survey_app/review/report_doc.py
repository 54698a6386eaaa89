"""The province report as a DOCX, laid out as a Vietnamese administrative document (Decree
30/2020/NĐ-CP, Appendix I): A4, margins 20/20/30/15 mm, Times New Roman; the issuing body and
the national motto side by side, the number and the date line, the title, the body in 14 pt,
the data appendix as a table (on a landscape page), the signature block and "Nơi nhận";
page numbers centred at the top from the second page; "DỰ THẢO" on every page while anything
still blocks the report.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from survey_app.review import report_text as words
from survey_app.review.services import AreaReport, ReportData, report_data

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from survey_app.models.campaigns import Campaign

FONT = "Times New Roman"


@dataclass
class ReportDocument:
    data: bytes
    is_draft: bool


def report_docx(session: Session, campaign: Campaign, area: str | None, *,
                threshold: int) -> ReportDocument:
    """The report as a DOCX laid out per Decree 30/2020/NĐ-CP. Raises UnknownArea."""
    data = report_data(session, campaign, area, threshold=threshold)
    return ReportDocument(build_docx(data), data.is_draft)
BODY_PT = 14
HEADER_PT = 13
TABLE_PT = 13
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def build_docx(data: ReportData) -> bytes:
    document = Document()
    _base_style(document)
    section = document.sections[0]
    _a4(section, landscape=False)
    section.different_first_page_header_footer = True
    _page_header(section, data.is_draft)
    _heading_block(document, data)
    single = len(data.areas) == 1
    for index, area in enumerate(data.areas):
        if not single:
            _paragraph(document, f"{ROMAN[index % len(ROMAN)]}. NỘI DUNG {area.title.upper()}",
                       bold=True, indent=False, space_before=12)
        _area_body(document, area)
    _signature(document, data)
    _appendix(document, data)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------
# Page set-up
# --------------------------------------------------------------------------


def _base_style(document) -> None:
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_PT)
    # East Asian and complex-script slots too, so that Word never substitutes a font.
    fonts = style.element.rPr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        style.element.rPr.append(fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    style.paragraph_format.space_after = Pt(6)
    style.paragraph_format.line_spacing = 1.15


def _a4(section, *, landscape: bool) -> None:
    width, height = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    section.top_margin, section.bottom_margin = Mm(25), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)


def _page_header(section, is_draft: bool) -> None:
    """Page number centred at the top (not on the first page); the draft mark on every page."""
    for header, numbered in ((section.header, True), (section.first_page_header, False)):
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if numbered:
            _page_field(paragraph)
        if is_draft:  # a small boxed mark at the top right (one-cell table)
            box = header.add_table(1, 1, Cm(3.2))
            box.style = "Table Grid"
            box.alignment = WD_TABLE_ALIGNMENT.RIGHT
            _widths(box, (Cm(3.2),))
            _cell_text(box.cell(0, 0), words.DRAFT_MARK, bold=True, size=HEADER_PT,
                       align=WD_ALIGN_PARAGRAPH.CENTER)


def _page_field(paragraph) -> None:
    run = paragraph.add_run()
    _font(run, HEADER_PT)
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), tag)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


# --------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------


def _font(run, size: float, *, bold=False, italic=False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    fonts = run._r.get_or_add_rPr().find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        run._r.get_or_add_rPr().append(fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)


def _run(paragraph, text: str, *, bold=False, italic=False, size: float = BODY_PT):
    run = paragraph.add_run(text)
    _font(run, size, bold=bold, italic=italic)
    return run


def _paragraph(container, text: str = "", *, bold=False, italic=False, size=BODY_PT,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, space_before=0, space_after=6):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = Cm(1.27) if indent else None
    fmt.space_before, fmt.space_after = Pt(space_before), Pt(space_after)
    if text:
        _run(paragraph, text, bold=bold, italic=italic, size=size)
    return paragraph


def _centered(cell_or_doc, text: str, *, bold=False, italic=False, size=HEADER_PT,
              rule: float | None = None, space_after=0):
    """A centred line; ``rule``: draw the short line under it, inset by that many cm."""
    paragraph = _paragraph(cell_or_doc, text, bold=bold, italic=italic, size=size,
                           align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
                           space_after=space_after)
    paragraph.paragraph_format.line_spacing = 1.0
    if rule is not None:
        _short_rule(cell_or_doc, rule)
    return paragraph


def _short_rule(container, inset_cm: float) -> None:
    """The short solid line under the issuing body, the motto and the title (Decree 30): the
    bottom border of an empty, tiny paragraph indented from both sides."""
    paragraph = container.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Cm(inset_cm)
    fmt.first_line_indent = None
    fmt.space_before, fmt.space_after = Pt(0), Pt(6)
    fmt.line_spacing = 1.0
    _run(paragraph, "", size=2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                       ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    table._tbl.tblPr.append(borders)


def _cell_text(cell, text: str, *, bold=False, italic=False, size=TABLE_PT,
               align=WD_ALIGN_PARAGRAPH.LEFT) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.first_line_indent = None
    paragraph.paragraph_format.line_spacing = 1.0
    _run(paragraph, text, bold=bold, italic=italic, size=size)


# --------------------------------------------------------------------------
# The parts of the document
# --------------------------------------------------------------------------


def _heading_block(document, data: ReportData) -> None:
    """Issuing body and number on the left, national motto and date line on the right."""
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _no_borders(table)
    _widths(table, (Cm(7.0), Cm(9.5)))
    left, right = table.rows[0].cells
    first = left.paragraphs[0]
    first.alignment = WD_ALIGN_PARAGRAPH.CENTER
    first.paragraph_format.space_after = Pt(0)
    if data.issuer_parent:
        _run(first, data.issuer_parent.upper(), size=HEADER_PT - 1)
        _centered(left, data.issuer.upper(), bold=True, rule=2.2)
    else:
        _run(first, data.issuer.upper(), bold=True, size=HEADER_PT)
        _short_rule(left, 2.2)
    _centered(left, words.NUMBER_LINE, size=HEADER_PT)
    motto = right.paragraphs[0]
    motto.alignment = WD_ALIGN_PARAGRAPH.CENTER
    motto.paragraph_format.space_after = Pt(0)
    _run(motto, words.MOTTO_1, bold=True, size=HEADER_PT - 1)
    _centered(right, words.MOTTO_2, bold=True, size=BODY_PT - 1, rule=2.3)
    _centered(right, words.date_line(data.place, data.year), italic=True, size=BODY_PT)
    document.add_paragraph()
    _centered(document, words.DOCUMENT_TYPE, bold=True, size=BODY_PT)
    area_title = data.areas[0].title if len(data.areas) == 1 else None
    for line in words.title_lines(data.campaign.name, area_title):
        _centered(document, line, bold=True, size=BODY_PT)
    _short_rule(document, 6.0)
    if data.is_draft:
        _paragraph(document, words.DRAFT_NOTE, italic=True, size=BODY_PT - 1, indent=False,
                   align=WD_ALIGN_PARAGRAPH.CENTER)


def _area_body(document, area: AreaReport) -> None:
    for number, section in enumerate(area.sections, start=1):
        _paragraph(document, f"{number}. {section.heading}", bold=True, space_before=6)
        if section.key == "results":
            for line in section.lines:
                _paragraph(document, line)
            if not section.lines:
                _placeholder(document)
            continue
        if not section.items:
            _placeholder(document)
        for item in section.items:
            paragraph = _paragraph(document, "- ")
            if item.unit:
                _run(paragraph, f"{item.unit}: ", italic=True)
            _run(paragraph, item.text)
            for sentence in item.evidence:
                _run(paragraph, f" (Căn cứ: {sentence})", italic=True, size=BODY_PT - 1)


def _placeholder(document) -> None:
    paragraph = _paragraph(document, "")
    run = _run(paragraph, words.PLACEHOLDER, italic=True)
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _signature(document, data: ReportData) -> None:
    document.add_paragraph()
    table = document.add_table(rows=1, cols=2)
    table.autofit = False
    _no_borders(table)
    _widths(table, (Cm(8.0), Cm(8.5)))
    left, right = table.rows[0].cells
    heading = left.paragraphs[0]
    heading.paragraph_format.space_after = Pt(0)
    _run(heading, words.RECIPIENTS_HEADING, bold=True, italic=True, size=12)
    department = data.areas[0].department if len(data.areas) == 1 else None
    for line in words.recipients(data.issuer_parent, department):
        paragraph = left.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        _run(paragraph, line, size=11)
    signer = right.paragraphs[0]
    signer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    signer.paragraph_format.space_after = Pt(0)
    _run(signer, words.SIGNER_FOR, bold=True, size=BODY_PT)
    _centered(right, words.SIGNER_TITLE, bold=True, size=BODY_PT)
    for _ in range(4):
        _centered(right, "", size=BODY_PT)


def _appendix(document, data: ReportData) -> None:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    _a4(section, landscape=True)
    section.different_first_page_header_footer = False  # numbered like every later page
    _centered(document, words.APPENDIX_HEADING, bold=True, size=BODY_PT)
    _centered(document, data.campaign.name, italic=True, size=BODY_PT,
              space_after=2)
    _centered(document, f"(Tổng hợp từ báo cáo của {data.units_reporting}/"
                        f"{data.units_expected} đơn vị)", italic=True, size=BODY_PT,
              space_after=8)
    rows = [item for area in data.areas for item in area.appendix]
    table = document.add_table(rows=1, cols=len(words.APPENDIX_COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Cm(1.2), Cm(9.0), Cm(3.0), Cm(2.4), Cm(2.4), Cm(2.4), Cm(2.4), Cm(2.4))
    for cell, text in zip(table.rows[0].cells, words.APPENDIX_COLUMNS, strict=True):
        _cell_text(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _repeat_header(table.rows[0])
    for index, item in enumerate(rows, start=1):
        indicator, total = item.indicator, item.total
        values = (
            str(index),
            indicator.label.get("vi"),
            indicator.unit.get("vi") if indicator.unit else "",
            words.number(total.baseline),
            words.number(total.current),
            words.signed(total.change),
            words.percent(total.change_pct),
            f"{data.units_reporting}/{data.units_expected}",
        )
        cells = table.add_row().cells
        for column, (cell, text) in enumerate(zip(cells, values, strict=True)):
            align = WD_ALIGN_PARAGRAPH.LEFT if column in (1, 2) else WD_ALIGN_PARAGRAPH.RIGHT
            if column == 0:
                align = WD_ALIGN_PARAGRAPH.CENTER
            _cell_text(cell, text, align=align)
    _widths(table, widths)


def _widths(table, widths) -> None:
    """Column widths that Word and LibreOffice both keep (the grid and every cell)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)
