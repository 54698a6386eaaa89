"""Fixtures: a migrated database per test session (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), an app bound to it, clean tables for every test, and clients."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import make_url

from survey_app import create_app
from survey_app.config import Settings, sqlite_url
from survey_app.extensions import db as _db
from survey_app.extensions import limiter
from survey_app.models import Base

# No time limit per Hypothesis example: a deadline is a timed assertion, and on a busy machine
# (parallel workers, a browser beside them) a correct example can take 300 ms. Speed is the
# business of bench/, never of a test.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")

PASSWORD = "mat-khau-thu-nghiem"
PROJECT_SURVEYS = Path(__file__).resolve().parent.parent / "surveys"


def _create_postgres_database(url: str) -> tuple[str, callable]:
    """Make a database with a random name for this session; return its URL and a dropper."""
    base = make_url(url)
    name = f"test_{secrets.token_hex(6)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:
        url, drop = _create_postgres_database(pg)
        yield url
        drop()
    else:
        yield sqlite_url(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def settings(tmp_path_factory, database_url) -> Settings:
    return Settings(
        instance_path=tmp_path_factory.mktemp("instance"),
        secret_key=secrets.token_urlsafe(32),
        database_url=database_url,
        testing=True,
        login_limit="5 per minute",
        redis_url=os.environ.get("REDIS_URL") or None,
        # Tests change links in the database and look at once; test_polls checks the cache.
        poll_link_cache_seconds=0,
    )


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (and so its own ``g`` and db session), as in
    production, even though the test itself holds one open for its own queries."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(settings):
    from flask_migrate import upgrade

    app = create_app(settings)
    app.test_client_class = FreshContextClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """The session, with every table emptied after the test."""
    ctx = app.app_context()
    ctx.push()
    limiter.reset()
    yield _db
    _db.session.rollback()
    _db.session.remove()
    empty_all_tables(_db.engine)
    ctx.pop()


def empty_all_tables(engine) -> None:
    tables = Base.metadata.sorted_tables
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        # Append-only tables refuse DELETE by trigger (finding history): lift the triggers
        # for the wipe inside this transaction and put them back as they were.
        triggers = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        ).all()
        for name, _sql in triggers:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        for table in reversed(tables):
            conn.execute(table.delete())
        for _name, sql in triggers:
            conn.exec_driver_sql(sql)


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def kontum(db):
    """The shipped roster, departments and first admin, as `make run` loads them."""
    from survey_app.accounts.services import bootstrap

    result = bootstrap(db.session)
    db.session.commit()
    return result


@pytest.fixture
def make_user(db, kontum):
    from survey_app.accounts.services import create_user

    def make(role: str = "admin", username: str | None = None, **kwargs):
        defaults = {"reporter": {"unit_code": "KT-DAKHA"}, "reviewer": {"department_code": "CSPL"}}
        options = {**defaults.get(role, {}), **kwargs}
        user = create_user(
            db.session, username or f"{role}-{secrets.token_hex(3)}", PASSWORD, role, **options
        )
        db.session.commit()
        return user

    return make


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the form at ``path`` (as a browser would read it)."""
    import re

    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def login(client):
    def do(user, password: str = PASSWORD):
        token = csrf_token(client)
        response = client.post(
            "/login", data={"username": user.username, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture
def login_as(make_user, login):
    def do(role: str, **kwargs):
        user = make_user(role, **kwargs)
        login(user)
        return user

    return do


def chromium_path() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


@pytest.fixture(scope="session")
def live_server(app):
    """The test app served over HTTP on 127.0.0.1 by threads, as a browser or a phone sees it."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


#: A repeat holding a matrix and an indicator: every field must reach exports and results.
NESTED_SURVEY = """\
key: nested_check
title: {vi: Kiểm tra lồng nhau, en: Nested check}
audience: inspection
choice_lists:
  levels:
    - {value: low, label: {vi: Thấp, en: Low}}
    - {value: high, label: {vi: Cao, en: High}}
sections:
  - key: s1
    title: {vi: Phần 1, en: Part 1}
    questions:
      - key: teams
        type: repeat
        label: {vi: Tổ công đoàn, en: Union groups}
        questions:
          - {key: team_name, type: text, label: {vi: Tên tổ, en: Name}}
          - key: ratings
            type: matrix
            choices: levels
            label: {vi: Đánh giá, en: Ratings}
            rows:
              - {key: r_study, label: {vi: Học tập, en: Study}}
              - {key: r_act, label: {vi: Hoạt động, en: Activity}}
          - key: members
            type: indicator
            number_type: integer
            label: {vi: Đoàn viên, en: Members}
            baseline_label: {vi: Năm 2008, en: "2008"}
            current_label: {vi: Năm 2017, en: "2017"}
"""

SAMPLE_SURVEY = """\
key: sample_check
title: {vi: Phiếu thử, en: Sample form}
audience: inspection
choice_lists:
  level:
    - {value: low, label: {vi: Thấp, en: Low}}
    - {value: high, label: {vi: Cao, en: High}}
sections:
  - key: s_main
    title: {vi: Phần chính, en: Main part}
    area: "1.2"
    questions:
      - key: has_union
        type: yes_no
        label: {vi: "Đơn vị có công đoàn cơ sở không?", en: "Is there a grassroots union?"}
        required: true
      - key: members
        type: integer
        label: {vi: Số đoàn viên, en: Members}
        required: true
        relevant: "${has_union} = 'yes'"
        min: 0
        max: 100000
        constraint: ". <= 5000 or ${level} = 'high'"
        constraint_message: {vi: Số đoàn viên quá lớn với mức đánh giá này, en: Too many members}
      - key: level
        type: single_choice
        label: {vi: Mức độ, en: Level}
        choices: level
      - key: note_text
        type: text
        label: {vi: Ghi chú, en: Note}
        max_length: 50
      - key: models
        type: repeat
        label: {vi: Mô hình mới, en: New models}
        max_rows: 3
        questions:
          - key: model_name
            type: text
            label: {vi: Tên mô hình, en: Name}
            required: true
"""


@pytest.fixture
def sample_survey(db):
    """A small inspection survey loaded as version 1."""
    from survey_app.registry.services import get_survey, sync_definition
    from survey_app.surveys.loader import load_definition

    sync_definition(db.session, load_definition(SAMPLE_SURVEY), SAMPLE_SURVEY)
    db.session.commit()
    return get_survey(db.session, "sample_check")


@pytest.fixture
def count_queries(db):
    """``with count_queries() as q:`` counts the SQL statements run inside (``q.count``,
    ``q.statements``), whichever app context runs them."""
    from contextlib import contextmanager
    from types import SimpleNamespace

    @contextmanager
    def counting():
        seen = SimpleNamespace(count=0, statements=[])

        def before(_conn, _cursor, statement, *_args):
            seen.count += 1
            seen.statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield seen
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def nq20(db, kontum):
    """The shipped surveys and the shipped 2017 campaign, loaded as `make run` loads them."""
    from survey_app.campaigns.services import get_campaign, sync_campaigns
    from survey_app.registry.services import sync_surveys

    sync_surveys(db.session, PROJECT_SURVEYS)
    report = sync_campaigns(db.session, PROJECT_SURVEYS / "campaigns")
    assert report.problems == []
    db.session.commit()
    return get_campaign(db.session, "nq20_2017")
