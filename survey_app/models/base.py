"""Declarative base shared by every model, with named constraints for Alembic batch mode."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def enum_check(column: str, enum: type[StrEnum]) -> sa.CheckConstraint:
    """A CHECK constraint keeping ``column`` to the values of ``enum`` on every backend."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return sa.CheckConstraint(f"{column} IN ({values})", name=f"{column}_valid")


@functools.cache
def _insert_ignore_statement(dialect: str, table: sa.Table, index_elements: tuple[str, ...]):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only the two supported engines are deployed
        raise NotImplementedError(dialect)
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=list(index_elements))
        .returning(*(table.c[name] for name in index_elements))
    )


def insert_ignore(
    connection: sa.Connection, table: sa.Table, values: dict, index_elements: list[str]
) -> bool:
    """INSERT a row unless one with the same key exists; True when this call inserted it.

    One statement (``ON CONFLICT DO NOTHING``) instead of check-then-insert, so that
    concurrent submissions of the same key can never both insert. SQLite and PostgreSQL
    spell it the same way but SQLAlchemy builds it from each dialect's own ``insert``
    (once per table: the values travel as parameters).
    """
    statement = _insert_ignore_statement(connection.dialect.name, table, tuple(index_elements))
    # RETURNING gives the row only when this statement inserted it; rowcount is not
    # reliable here (psycopg reports -1).
    return connection.execute(statement, values).first() is not None
