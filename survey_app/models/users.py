"""Accounts, roles and the departments that own content areas."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app.models.base import Base, UTCDateTime, enum_check, utcnow
from survey_app.models.units import Unit
from survey_app.search import search_text


class Role(StrEnum):
    ADMIN = "admin"
    OFFICE = "office"
    REVIEWER = "reviewer"
    ORGANIZATION = "organization"
    INSPECTOR = "inspector"
    REPORTER = "reporter"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.OFFICE: _l("Office"),
    Role.REVIEWER: _l("Department reviewer"),
    Role.ORGANIZATION: _l("Organization department"),
    Role.INSPECTOR: _l("Inspector"),
    Role.REPORTER: _l("Unit reporter"),
}


class Department(Base):
    """A department (ban chuyên môn) of the provincial federation."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Content areas (e.g. ["1.3", "1.4"]) whose results the department reads and writes up.
    content_areas: Mapped[list[str]] = mapped_column(sa.JSON, default=list)


def new_login_id() -> str:
    return secrets.token_urlsafe(24)


SEARCH_TEXT_LENGTH = 300


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (enum_check("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Username and full name folded for search (survey_app/search.py), kept up to date on
    #: every flush.
    search_text: Mapped[str] = mapped_column(sa.String(SEARCH_TEXT_LENGTH), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="SET NULL")
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    #: What the session cookie carries; changing it signs the account out everywhere.
    login_id: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_login_id)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")

    def get_id(self) -> str:
        return self.login_id

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.login_id = new_login_id()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


@sa.event.listens_for(User, "before_insert")
@sa.event.listens_for(User, "before_update")
def _fold_user_for_search(_mapper, _connection, user: User) -> None:
    user.search_text = search_text(user.username, user.full_name, limit=SEARCH_TEXT_LENGTH)
