"""Files the app hands out: Excel workbooks (openpyxl, streamed where large) and archives.

Every workbook cell goes through ``survey_app.surveys.sheets.safe_cell``; every file name
made from data (unit codes, survey keys) goes through ``safe_file_name``.
"""

import re
import unicodedata

from flask import Response

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def safe_file_name(text: str, fallback: str = "file") -> str:
    """``text`` as one part of a file name (in a ZIP or a download): ASCII letters, digits,
    "-" and "_" only, so no "/", "..", drive letter or control character gets through."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE.sub("_", ascii_text).strip("_-")[:80]
    return name or fallback


def unique_names(names):
    """The names in order, "-2", "-3"… added to repeats (before the extension)."""
    seen: set[str] = set()
    for name in names:
        stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{stem}-{n}{dot}{ext}"
        seen.add(candidate)
        yield candidate


def xlsx_download(body: bytes, filename: str) -> Response:
    """A workbook the browser saves as ``filename``."""
    return Response(
        body,
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
