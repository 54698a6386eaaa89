"""Excel workbooks out (openpyxl, streamed where large)."""
