"""The union hierarchy: tree queries, edits and the XLSX roster (no Flask views here)."""
