"""Migrations build the models' schema from an empty database, and go down and up again."""

import os
import secrets

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
