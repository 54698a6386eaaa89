"""Excel workbooks out (openpyxl, streamed where large)."""

from flask import Response

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_download(body: bytes, filename: str) -> Response:
    """A workbook the browser saves as ``filename``."""
    return Response(
        body,
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
