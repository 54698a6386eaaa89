"""Storing responses: idempotent on the client-made UUID (no Flask views here)."""
