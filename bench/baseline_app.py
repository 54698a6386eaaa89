"""The bare-stack baseline for ``bench/poll_submit.py``: what a poll submission costs without
the app around it.

One endpoint, ``POST /p/<token>``, that stores the same rows a poll submission stores (one
``poll_responses`` row and one ``poll_answers`` row per answered field) through SQLAlchemy
core on the app's own tables, with the same engine options, SQLite pragmas and ``ON CONFLICT
DO NOTHING`` insert, raises a capped link's count by the same conditional UPDATE in the same
transaction, and answers ``303`` like the app. No forms, CSRF, validation, templates,
sessions, rate limiting, keyed hashing of the response id or extensions: Flask, SQLAlchemy
core and the database only.

Served by gunicorn (``gunicorn --pythonpath bench 'baseline_app:create_app()'``) with:

- the app's settings variables (``DATABASE_URL`` or ``INSTANCE_PATH``, see survey_app/config.py);
- ``BENCH_POLL_TOKEN``: the poll link whose survey version, unit and id the rows carry
  (looked up once at start);
- ``BENCH_TEXT_FIELDS``: comma-separated fields stored as ``value_text``; every other
  non-empty field starting with ``p_`` is stored as ``value_choice``.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, abort, redirect, request
from sqlalchemy.dialects import postgresql, sqlite

from survey_app.config import Settings
from survey_app.models import PollAnswer, PollLink, PollResponse, Survey

RESPONSES = PollResponse.__table__
ANSWERS = PollAnswer.__table__
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Link:
    token: str
    id: int
    unit_id: int
    version_id: int
    capped: bool


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """The same pragmas the app sets on every SQLite connection (survey_app/__init__.py)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(database_url: str) -> sa.Engine:
    engine = sa.create_engine(database_url, pool_pre_ping=True)  # as the app's engine
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def find_link(engine: sa.Engine, token: str) -> Link:
    stmt = (
        sa.select(PollLink.id, PollLink.unit_id, Survey.current_version_id,
                  PollLink.max_responses)
        .join(Survey, Survey.id == PollLink.survey_id)
        .where(PollLink.token == token)
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).one_or_none()
    if row is None or row.current_version_id is None:
        raise SystemExit(f"baseline: no poll link with token {token!r}")
    return Link(token=token, id=row.id, unit_id=row.unit_id, version_id=row.current_version_id,
                capped=row.max_responses is not None)


def answer_rows(response_id: uuid.UUID, form, text_fields: frozenset[str]) -> list[dict]:
    rows = []
    for key, value in form.items(multi=True):
        if not key.startswith("p_") or not value:
            continue
        is_text = key in text_fields
        rows.append({
            "response_id": response_id,
            "ordinal": len(rows),
            "question_key": key,
            "repeat_index": None,
            "part": None,
            "value_text": value if is_text else None,
            "value_number": None,
            "value_date": None,
            "value_choice": None if is_text else value,
        })
    return rows


def today() -> date:
    return datetime.now(VIETNAM).date()


def create_app() -> Flask:
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    link = find_link(engine, os.environ["BENCH_POLL_TOKEN"])
    text_fields = frozenset(filter(None, os.environ.get("BENCH_TEXT_FIELDS", "").split(",")))
    dialect_insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    take_one = (
        sa.update(PollLink)
        .where(PollLink.id == sa.bindparam("link_id"),
               PollLink.responses_taken < PollLink.max_responses)
        .values(responses_taken=PollLink.responses_taken + 1)
    )

    app = Flask(__name__)

    @app.post("/p/<token>")
    def submit(token: str):
        if token != link.token:
            abort(404)
        try:
            response_id = uuid.UUID(request.form.get("_response_id", ""))
        except ValueError:
            abort(400)
        row = {
            "id": response_id,
            "survey_version_id": link.version_id,
            "unit_id": link.unit_id,
            "poll_link_id": link.id,
            "submitted_on": today(),
            "is_settled": False,
        }
        insert_response = dialect_insert(RESPONSES).values(**row).on_conflict_do_nothing(
            index_elements=["id"])
        with engine.begin() as conn:
            # SQLAlchemy memoizes an INSERT's rowcount only when asked: psycopg 3 reports -1
            # once the cursor is closed.
            created = conn.execute(insert_response,
                                   execution_options={"preserve_rowcount": True}).rowcount == 1
            answers = answer_rows(response_id, request.form, text_fields)
            full = created and link.capped and conn.execute(
                take_one, {"link_id": link.id}).rowcount != 1
            if full:
                abort(410)
            if created and answers:
                conn.execute(sa.insert(ANSWERS), answers)
        return redirect(f"/p/{token}/thanks", 303)

    @app.get("/healthz")
    def healthz():
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return {"status": "ok"}

    return app
