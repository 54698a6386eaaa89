"""The database as the app opens it, and the proof that it still takes writes.

A SQLite file is made once, readable by its owner only, and opened read-write without
ever being made again: a file deleted under a running app is not silently replaced by an
empty one. SQLite keeps writing to a file deleted or replaced under it through the
descriptors it holds, so every submission would be acknowledged and lost with the old
file: connections whose file is no longer the one at the path are refused before use and
before every commit (issue 10).
"""

from __future__ import annotations

import os
import re
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from survey_app.config import ConfigError
from survey_app.models.base import insert_ignore
from survey_app.models.health import Heartbeat

#: The SQLite file's mode: like ``secret_key``, the owner only (SQLite gives its -wal and
#: -shm files the same mode).
SQLITE_FILE_MODE = 0o600


class DatabaseFileChanged(SQLAlchemyError):
    """The SQLite file a connection writes to is no longer the one at the configured path."""


def shown_url(url: str | URL) -> str:
    """A database URL fit for a message (no password)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL, but it may still hold a password: user:password@host
        return re.sub(r"(?<=:)[^:@/]*(?=@)", "***", str(url))


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
        parsed.get_dialect().import_dbapi()
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        raise ConfigError(
            _l("DATABASE_URL is not a database address this app can use (%(url)s): %(reason)s",
               url=shown_url(url), reason=str(exc) or type(exc).__name__)
        ) from None
    return parsed


def sqlite_file(url: URL, instance_path: Path) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    if not url.drivername.startswith("sqlite"):
        return None
    database = url.database or ""
    is_uri = str(url.query.get("uri", "")).lower() in ("true", "1")
    if is_uri:
        if not database.startswith("file:") or url.query.get("mode") == "memory":
            return None
        database = unquote(database[len("file:"):].split("?", 1)[0])
    if database in ("", ":memory:"):
        return None
    path = Path(database)
    return path if path.is_absolute() else Path(instance_path) / path


def prepare_url(url: str, instance_path: Path) -> tuple[str, Path | None]:
    """The URL to open and, for SQLite, its file, created (owner only) when missing.

    Raises ConfigError, naming the address or the path, when either is unusable.
    """
    parsed = _parse(url)
    path = sqlite_file(parsed, instance_path)
    if path is None:
        return url, None
    _create_sqlite_file(path)
    if "mode" in parsed.query:
        return url, path  # the operator chose how to open it
    query = {k: v for k, v in parsed.query.items() if k != "uri"}
    opened = parsed.set(database="file:" + quote(str(path)),
                        query={**query, "mode": "rw", "uri": "true"})
    return opened.render_as_string(hide_password=False), path


def _create_sqlite_file(path: Path) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(
            _l("The folder of the SQLite database %(path)s does not exist.", path=folder)
        )
    if path.exists():
        if not path.is_file():
            raise ConfigError(_l("The SQLite database %(path)s is not a file.", path=path))
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SQLITE_FILE_MODE))
    except FileExistsError:
        return  # another process made it first
    except OSError as exc:
        raise ConfigError(
            _l("The SQLite database %(path)s cannot be created: %(reason)s",
               path=path, reason=exc.strerror or str(exc))
        ) from None


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def watch_sqlite_file(engine: Engine, path: Path) -> None:
    """Refuse connections, and commits, on a file no longer at ``path``.

    A pooled connection whose file was deleted or replaced is dropped when checked out (the
    pool then opens the file now at the path, or fails when there is none), and a commit on
    it raises DatabaseFileChanged before anything is acknowledged. Two ``stat`` calls per
    request that writes.
    """

    @sa.event.listens_for(engine, "connect")
    def remember(_dbapi_connection, record) -> None:
        record.info["sqlite_file"] = _identity(path)

    @sa.event.listens_for(engine, "checkout")
    def check_out(_dbapi_connection, record, _proxy) -> None:
        if record.info.get("sqlite_file") != _identity(path):
            raise DisconnectionError(f"{path} was deleted or replaced")

    @sa.event.listens_for(engine, "commit")
    def check_commit(connection) -> None:
        if connection.connection.info.get("sqlite_file") != _identity(path):
            raise DatabaseFileChanged(f"{path} was deleted or replaced: nothing was saved")


_fresh_engines: dict[str, Engine] = {}
_fresh_lock = threading.Lock()


def _fresh_engine(engine: Engine) -> Engine:
    """An engine whose every connection is new: a pooled connection opened while the
    database took writes may go on writing after new ones are refused (a SQLite file made
    read-only, PostgreSQL's default_transaction_read_only), which the next worker to start
    would meet on every request."""
    key = engine.url.render_as_string(hide_password=False)
    with _fresh_lock:
        if key not in _fresh_engines:
            _fresh_engines[key] = sa.create_engine(engine.url, poolclass=NullPool)
        return _fresh_engines[key]


class HeartbeatCheck:
    """Commits one small write, as a submission would; a success is reused for a moment so
    that a public /healthz polled hard cannot queue writes behind the real ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ok = float("-inf")

    def check(self, engine: Engine, *, now: datetime, reuse_seconds: float) -> None:
        """Raises SQLAlchemyError when the database does not take the write."""
        with self._lock:
            if time.monotonic() - self._last_ok < reuse_seconds:
                return
            with _fresh_engine(engine).begin() as connection:
                beat(connection, now)
            self._last_ok = time.monotonic()

    def forget(self) -> None:
        with self._lock:
            self._last_ok = float("-inf")


def beat(connection: sa.Connection, now: datetime) -> None:
    """Rewrite the heartbeat row (made if missing)."""
    table = Heartbeat.__table__
    updated = connection.execute(sa.update(table).where(table.c.id == 1).values(beat_at=now))
    if not updated.rowcount:
        insert_ignore(connection, table, {"id": 1, "beat_at": now}, ["id"])
