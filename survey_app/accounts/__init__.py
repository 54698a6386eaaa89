"""Accounts: creating users, checking passwords, first-run set-up (no Flask views here)."""
