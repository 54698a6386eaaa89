"""Reading the responses export back as a person's program would: by field name."""

from __future__ import annotations

import io

from python_calamine import CalamineWorkbook


def exported_rows(data: bytes, sheet: str = "Phiên bản 1") -> list[dict]:
    """Each response of ``sheet`` as {field name: cell}; the "Mã" sheet names each column's
    field (headers are in the reader's language)."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    header, *rows = book.get_sheet_by_name(sheet).to_python()
    field_of = {r[1]: r[2] for r in book.get_sheet_by_name("Mã").to_python()[1:]
                if r[0] == sheet and r[3] in (None, "")}
    return [{field_of[h]: value for h, value in zip(header, row, strict=True) if h in field_of}
            for row in rows]
