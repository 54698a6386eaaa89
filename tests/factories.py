"""Small builders for test data."""

from __future__ import annotations

import io

from openpyxl import Workbook


def roster_xlsx(rows, header=("code", "name", "kind", "parent_code")) -> bytes:
    """An .xlsx roster with ``header`` then ``rows`` on the first sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.create_sheet("ignored").append(["code", "name"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
