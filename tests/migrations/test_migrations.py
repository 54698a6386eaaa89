"""Migrations build the models' schema from an empty database, and go down and up again."""

import datetime as dt
import os
import secrets
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from survey_app import create_app
from survey_app.config import Settings, sqlite_url
from survey_app.extensions import db
from survey_app.models import Base
from tests.conftest import _create_postgres_database


@pytest.fixture
def empty_app(tmp_path):
    pg = os.environ.get("TEST_DATABASE_URL")
    drop = None
    if pg:
        url, drop = _create_postgres_database(pg)
    else:
        url = sqlite_url(tmp_path / "empty.sqlite3")
    app = create_app(
        Settings(
            instance_path=tmp_path, secret_key=secrets.token_hex(16), database_url=url, testing=True
        )
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()


def schema_diff(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_upgrade_from_empty_matches_the_models(empty_app):
    upgrade()
    assert schema_diff(db.engine) == []


def test_downgrade_to_empty_and_upgrade_again(empty_app):
    upgrade()
    downgrade(revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert schema_diff(db.engine) == []


def test_foreign_keys_are_enforced_on_every_backend(empty_app):
    upgrade()
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO units (code, name, kind, parent_id, search_text, created_at, "
                "updated_at) VALUES ('X', 'X', 'grassroots', 9999, 'x', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_unit_kind_is_checked_by_the_database(empty_app):
    upgrade()
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO units (code, name, kind, search_text, created_at, updated_at) "
                "VALUES ('X', 'X', 'kingdom', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )


def test_search_text_is_filled_for_existing_units_and_users(empty_app):
    upgrade(revision="d1989278ecff")
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO units (code, name, kind, created_at, updated_at) VALUES "
            "('KT-DAKHA', 'LĐLĐ huyện Đắk Hà', 'district', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ))
        conn.execute(sa.text(
            "INSERT INTO users (username, full_name, password_hash, role, is_active, login_id, "
            "created_at) VALUES ('duc', 'Nguyễn Văn Đức', 'x', 'admin', true, 'l1', "
            "CURRENT_TIMESTAMP)"
        ))
    upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT search_text FROM units")).scalar() == (
            "ldld huyen dak ha kt-dakha"
        )
        assert conn.execute(sa.text("SELECT search_text FROM users")).scalar() == (
            "duc nguyen van duc"
        )


# ---- 7f1f56765ec8: anonymous poll rows apart; 05a89ca7564c: a capped link's count ---------

BEFORE_POLL_TABLES = "5e4c1a9b7d20"  # the revision before 7f1f56765ec8


def _legacy_data(conn):
    """Staff and poll responses interleaved as the app stored them before 7f1f56765ec8:
    one table, poll answers numbered by the same counter. Returns (staff, poll) as
    {response id: [answer values in order]} (poll: [(link id, values)])."""
    now = "2026-11-20 08:00:00"
    conn.execute(sa.text(
        "INSERT INTO units (id, code, name, kind, search_text, created_at, updated_at) VALUES "
        f"(1, 'U1', 'Unit 1', 'grassroots', 'unit 1 u1', '{now}', '{now}'),"
        f"(2, 'U2', 'Unit 2', 'grassroots', 'unit 2 u2', '{now}', '{now}')"))
    conn.execute(sa.text(
        "INSERT INTO surveys (id, key, title, audience, is_active, created_at, updated_at) "
        f"VALUES (1, 'poll', 'Poll', 'worker_poll', TRUE, '{now}', '{now}'),"
        f"(2, 'check', 'Check', 'inspection', TRUE, '{now}', '{now}')"))
    conn.execute(sa.text(
        "INSERT INTO survey_versions (id, survey_id, number, content_hash, source_text, "
        f"created_at) VALUES (1, 1, 1, 'a', 'x', '{now}'), (2, 2, 1, 'b', 'y', '{now}')"))
    conn.execute(sa.text(
        "INSERT INTO poll_links (id, token, survey_id, unit_id, is_closed, created_at) VALUES "
        f"(1, 'tok1', 1, 1, FALSE, '{now}'), (2, 'tok2', 1, 2, FALSE, '{now}')"))
    responses = sa.table("responses", *(sa.column(c) for c in (
        "survey_version_id", "unit_id", "poll_link_id", "channel", "submitted_on",
        "submitted_at")), sa.column("id", sa.Uuid()))
    answers = sa.table("answers", sa.column("response_id", sa.Uuid()), sa.column("question_key"),
                       sa.column("value_choice"), sa.column("value_text"),
                       sa.column("value_number", sa.Float()))
    staff, poll = {}, {}
    for i in range(12):
        rid = uuid.uuid4()
        is_poll = i % 3 != 0
        link = 1 + i % 2
        conn.execute(responses.insert().values(
            id=rid, survey_version_id=1 if is_poll else 2, unit_id=link if is_poll else 1,
            poll_link_id=link if is_poll else None, channel="poll" if is_poll else "web",
            submitted_on=dt.date(2026, 11, 20),
            submitted_at=None if is_poll else dt.datetime(2026, 11, 20, 8, i)))
        values = [("q1", f"c{i}", None, None), ("q2", None, f"text {i}", None),
                  ("q3", None, None, float(i))][: 1 + i % 3]
        for key, choice, text, number in values:
            conn.execute(answers.insert().values(response_id=rid, question_key=key,
                                                 value_choice=choice, value_text=text,
                                                 value_number=number))
        (poll.setdefault(rid, (link, values)) if is_poll else staff.setdefault(rid, values))
    return staff, poll


def _staff_rows(conn):
    rows = conn.execute(sa.text(
        "SELECT a.id, a.response_id, a.question_key, a.value_choice, a.value_text, "
        "a.value_number FROM answers a ORDER BY a.id")).all()
    by_response = {}
    for _id, rid, key, choice, text, number in rows:
        by_response.setdefault(uuid.UUID(str(rid)), []).append((key, choice, text, number))
    return [r[0] for r in rows], by_response


def test_upgrade_moves_poll_rows_apart_and_closes_the_gaps_and_back(empty_app):
    upgrade(revision=BEFORE_POLL_TABLES)
    with db.engine.begin() as conn:
        staff, poll = _legacy_data(conn)
    upgrade()
    with db.engine.connect() as conn:
        answer_ids, staff_answers = _staff_rows(conn)
        assert staff_answers == staff
        # renumbered: the poll answers' ids left no gap between staff answers
        assert answer_ids == list(range(1, len(answer_ids) + 1))
        stored = conn.execute(sa.text(
            "SELECT r.id, r.poll_link_id, r.is_settled, a.question_key, a.value_choice, "
            "a.value_text, a.value_number FROM poll_responses r "
            "JOIN poll_answers a ON a.response_id = r.id ORDER BY r.id, a.ordinal")).all()
        moved = {}
        for rid, link, settled, *value in stored:
            assert settled
            moved.setdefault(uuid.UUID(str(rid)), (link, []))[1].append(tuple(value))
        # every poll response with its answers, under a new key
        assert sorted(moved.values()) == sorted(poll.values())
        assert not set(moved) & set(poll)
        assert conn.execute(sa.text(
            "SELECT count(*) FROM responses WHERE id IN :ids").bindparams(
                sa.bindparam("ids", list(poll), expanding=True, type_=sa.Uuid()))).scalar() == 0
        taken = dict(conn.execute(sa.text("SELECT id, responses_taken FROM poll_links")).all())
        assert taken == {1: 4, 2: 4}
        if db.engine.dialect.name == "sqlite":
            rowids = conn.execute(sa.text("SELECT rowid FROM responses ORDER BY rowid")).scalars()
            assert list(rowids) == list(range(1, len(staff) + 1))
    with db.engine.begin() as conn:  # the answer counter goes on after the last id
        rid = next(iter(staff))
        conn.execute(sa.text(
            "INSERT INTO answers (response_id, question_key) VALUES (:r, 'new')").bindparams(
                sa.bindparam("r", rid, type_=sa.Uuid())))
        assert conn.execute(sa.text("SELECT max(id) FROM answers")).scalar() == len(answer_ids) + 1
        conn.execute(sa.text("DELETE FROM answers WHERE question_key = 'new'"))

    downgrade(revision=BEFORE_POLL_TABLES)
    with db.engine.connect() as conn:
        assert "responses_taken" not in {
            c["name"] for c in sa.inspect(conn).get_columns("poll_links")}
        rows = conn.execute(sa.text(
            "SELECT r.poll_link_id, a.question_key, a.value_choice, a.value_text, a.value_number "
            "FROM responses r JOIN answers a ON a.response_id = r.id "
            "WHERE r.channel = 'poll' ORDER BY r.id, a.id")).all()
        assert sorted(tuple(r) for r in rows) == sorted(
            (link, *v) for link, vs in poll.values() for v in vs)
        after = _staff_rows(conn)[1]
        assert {rid: after[rid] for rid in staff} == staff
    upgrade()
    assert schema_diff(db.engine) == []
    with db.engine.connect() as conn:
        assert _staff_rows(conn)[1] == staff
        assert conn.execute(sa.text("SELECT count(*) FROM poll_responses")).scalar() == len(poll)
        assert conn.execute(sa.text("SELECT count(*) FROM poll_answers")).scalar() == sum(
            len(vs) for _, vs in poll.values())


def test_rebuilding_a_table_on_sqlite_keeps_the_rows_that_point_at_it(empty_app):
    """Batch mode rebuilds units (search_text added then dropped) by dropping the old table:
    with foreign keys on, that would delete the unit's poll links and null its responses."""
    upgrade()
    now = "2026-11-20 08:00:00"
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO units (id, code, name, kind, search_text, created_at, updated_at) "
            f"VALUES (1, 'U1', 'Unit 1', 'grassroots', 'unit 1 u1', '{now}', '{now}')"))
        conn.execute(sa.text(
            "INSERT INTO surveys (id, key, title, audience, is_active, created_at, updated_at) "
            f"VALUES (1, 'poll', 'Poll', 'worker_poll', TRUE, '{now}', '{now}')"))
        conn.execute(sa.text(
            "INSERT INTO poll_links (id, token, survey_id, unit_id, is_closed, responses_taken, "
            f"created_at) VALUES (1, 'tok1', 1, 1, FALSE, 0, '{now}')"))
    downgrade(revision="d1989278ecff")
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT unit_id FROM poll_links")).all() == [(1,)]
    upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT unit_id FROM poll_links")).all() == [(1,)]
