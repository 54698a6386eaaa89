"""A database that stops taking writes: /healthz says so, nothing is acknowledged that is not
stored, and every error page is still the Vietnamese one (issue 10).

These tests run an app of their own on a database of their own (a SQLite file, or a
PostgreSQL database of its own with TEST_DATABASE_URL), so that they can delete it or make
it read-only. The tests run as root, for whom file modes do not stop writes, so "read-only"
is made the way each engine really refuses writes without root's help: SQLite opened
read-only (``mode=ro``: what SQLite falls back to on a file it may not write), or
``PRAGMA query_only`` on new connections; PostgreSQL with ``default_transaction_read_only``.
Deleting a SQLite file is real.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from survey_app import create_app
from survey_app.config import Settings, sqlite_url
from survey_app.extensions import db
from tests.conftest import PASSWORD, SAMPLE_SURVEY, _create_postgres_database
from tests.integration.test_polls import POLL

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))
SQLITE_FILES = ("", "-wal", "-shm")


@dataclass
class Own:
    app: Flask
    url: str
    secret: str
    instance: Path
    path: Path | None  # the SQLite file
    username: str
    poll_token: str


def _settings(instance: Path, url: str, secret: str) -> Settings:
    return Settings(instance_path=instance, secret_key=secret, database_url=url, testing=True,
                    healthz_reuse_seconds=0, poll_link_cache_seconds=0)


def _own_app(tmp_path: Path, url: str, path: Path | None) -> Own:
    from survey_app.accounts.services import bootstrap, create_user
    from survey_app.polls.services import create_link
    from survey_app.registry.services import sync_definition
    from survey_app.surveys.loader import load_definition

    secret = secrets.token_urlsafe(32)
    app = create_app(_settings(tmp_path, url, secret))
    with app.app_context():
        upgrade()
        bootstrap(db.session)
        user = create_user(db.session, "kiem-tra", PASSWORD, "inspector")
        sync_definition(db.session, load_definition(SAMPLE_SURVEY), SAMPLE_SURVEY)
        sync_definition(db.session, load_definition(POLL), POLL)
        db.session.commit()
        poll_token = create_link(db.session, "poll_test", "KT-DAKHA").token
        db.session.commit()
        username = user.username
    return Own(app, url, secret, tmp_path, path, username, poll_token)


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def own_sqlite(tmp_path):
    path = tmp_path / "own.sqlite3"
    own = _own_app(tmp_path, sqlite_url(path), path)
    yield own
    _dispose(own.app)


@pytest.fixture
def own(tmp_path):
    """An app on a database of its own, on the backend the suite runs on."""
    if not ON_POSTGRES:
        path = tmp_path / "own.sqlite3"
        own = _own_app(tmp_path, sqlite_url(path), path)
        yield own
        _dispose(own.app)
        return
    url, drop = _create_postgres_database(os.environ["TEST_DATABASE_URL"])
    own = _own_app(tmp_path, url, None)
    yield own
    _dispose(own.app)
    drop()


def sign_in(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def form_token(client) -> str:
    page = client.get("/surveys/sample_check/fill").get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def submit_api(client, token: str, response_id: str | None = None):
    return client.post(
        "/api/surveys/sample_check/responses",
        headers={"X-CSRFToken": token, "Accept": "application/json"},
        json={"id": response_id or str(uuid.uuid4()), "answers": {"has_union": "no"}},
    )


def answer_poll(app: Flask, token: str):
    worker = app.test_client()
    page = worker.get(f"/p/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return worker.post(f"/p/{token}", data={"csrf_token": csrf, "member": "no",
                                            "_response_id": str(uuid.uuid4())})


def stored_ids(path: Path) -> set[str]:
    """Response ids, staff and anonymous, in the SQLite file at ``path``, read by a
    connection of this test's own."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT id FROM responses UNION ALL SELECT id FROM poll_responses")
        return {uuid.UUID(bytes=row[0]) if isinstance(row[0], bytes) else uuid.UUID(row[0])
                for row in rows}


def assert_vietnamese_500(response) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 500, html[:500]
    assert "Internal Server Error" not in html and "Traceback" not in html
    assert '<html lang="vi">' in html and "Đã có lỗi" in html
    return html


def test_deleted_sqlite_file_is_reported_and_no_submission_is_acknowledged(own_sqlite):
    client = own_sqlite.app.test_client()
    sign_in(client, own_sqlite.username)
    token = form_token(client)
    before = submit_api(client, token)
    assert before.status_code == 201
    assert answer_poll(own_sqlite.app, own_sqlite.poll_token).status_code == 303
    assert client.get("/healthz").status_code == 200
    backup = own_sqlite.instance / "backup.sqlite3"
    with sqlite3.connect(own_sqlite.path) as source, sqlite3.connect(backup) as target:
        source.backup(target)

    for suffix in SQLITE_FILES:
        Path(f"{own_sqlite.path}{suffix}").unlink(missing_ok=True)

    health = client.get("/healthz")
    assert health.status_code == 503 and health.json == {"status": "unavailable",
                                                          "database": "down"}
    lost = submit_api(client, token)
    assert lost.status_code == 500 and lost.json["status"] == 500
    assert "Đã có lỗi" in lost.json["error"]
    form = client.post("/surveys/sample_check/fill", data={
        "csrf_token": token, "_response_id": str(uuid.uuid4()), "has_union": "no"})
    assert_vietnamese_500(form)
    # an anonymous answer goes through an engine connection of its own, not the session
    assert_vietnamese_500(answer_poll(own_sqlite.app, own_sqlite.poll_token))
    # pages that need the signed-in user cannot be drawn: the plain Vietnamese page
    plain = assert_vietnamese_500(client.get("/", headers={"Accept": "text/html"}))
    assert "Đăng xuất" not in plain
    assert not own_sqlite.path.exists()  # the app made no empty file in its place

    shutil.copy(backup, own_sqlite.path)  # the operator restores the backup: a new file
    assert client.get("/healthz").status_code == 200
    after = submit_api(client, token)
    assert after.status_code == 201
    assert answer_poll(own_sqlite.app, own_sqlite.poll_token).status_code == 303
    ids = stored_ids(own_sqlite.path)
    assert len(ids) == 4  # a staff response and a poll answer before, and after
    assert {uuid.UUID(before.json["id"]), uuid.UUID(after.json["id"])} <= ids


def test_a_commit_after_the_file_was_deleted_is_refused(own_sqlite):
    from survey_app.database import DatabaseFileChanged
    from survey_app.models import Heartbeat

    with own_sqlite.app.app_context():
        connection = db.engine.connect()
        connection.execute(sa.insert(Heartbeat.__table__).values(id=7, beat_at=sa.func.now()))
        own_sqlite.path.unlink()
        with pytest.raises(DatabaseFileChanged):
            connection.commit()
        connection.close()


def test_sqlite_file_is_made_readable_by_its_owner_only(own_sqlite):
    client = own_sqlite.app.test_client()
    sign_in(client, own_sqlite.username)
    assert submit_api(client, form_token(client)).status_code == 201
    for suffix in SQLITE_FILES:
        made = Path(f"{own_sqlite.path}{suffix}")
        assert made.exists(), suffix
        assert stat.S_IMODE(made.stat().st_mode) == 0o600, suffix


def _refuse_new_writes(own: Own):
    """New connections cannot write; the pool's open ones still can. Returns an undo."""
    if own.path is not None:

        def query_only(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA query_only=ON")

        sa.event.listen(sa.engine.Engine, "connect", query_only)
        return lambda: sa.event.remove(sa.engine.Engine, "connect", query_only)
    set_read_only(own, True)
    return lambda: set_read_only(own, False)


def set_read_only(own: Own, on: bool) -> None:
    """PostgreSQL: make new connections to the app's database read-only, or not."""
    database = sa.engine.make_url(own.url).database
    admin = sa.create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT",
                             poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'ALTER DATABASE "{database}" SET default_transaction_read_only = '
                             + ("on" if on else "off"))
    admin.dispose()


def test_healthz_checks_a_fresh_connection_can_write(own):
    client = own.app.test_client()
    sign_in(client, own.username)
    token = form_token(client)
    assert client.get("/healthz").status_code == 200
    undo = _refuse_new_writes(own)
    try:
        assert client.get("/healthz").status_code == 503
        # a pooled connection opened earlier still writes, and what it acknowledges is kept
        assert submit_api(client, token).status_code == 201
    finally:
        undo()
    assert client.get("/healthz").status_code == 200


def _read_only_twin(own: Own) -> Flask:
    """A second app (as after a restart) on the same database, which now refuses writes."""
    if own.path is not None:
        url = f"sqlite:///file:{own.path}?mode=ro&uri=true"
    else:
        _refuse_new_writes(own)
        url = own.url
    return create_app(_settings(own.instance, url, own.secret))


def test_every_write_on_a_read_only_database_gets_the_vietnamese_page(own):
    writable = own.app.test_client()
    sign_in(writable, own.username)
    token = form_token(writable)
    twin = _read_only_twin(own)
    try:
        client = twin.test_client()
        client.set_cookie("session", writable.get_cookie("session").value)
        assert client.get("/healthz").status_code == 503
        page = client.get("/")
        assert page.status_code == 200  # reading still works

        form = client.post("/surveys/sample_check/fill", data={
            "csrf_token": token, "_response_id": str(uuid.uuid4()), "has_union": "no"})
        html = assert_vietnamese_500(form)
        assert "Đăng xuất" in html  # the full page, drawn for the signed-in user

        api = submit_api(client, token)
        assert api.status_code == 500 and "Đã có lỗi" in api.json["error"]

        fresh = twin.test_client()  # signing in writes the time of the sign-in
        login_page = fresh.get("/login").get_data(as_text=True)
        login_token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                                login_page).group(1)
        assert_vietnamese_500(fresh.post("/login", data={
            "username": own.username, "password": PASSWORD, "csrf_token": login_token}))
    finally:
        if own.path is None:
            set_read_only(own, False)
        _dispose(twin)
