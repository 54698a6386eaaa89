"""User accounts and first-run data."""

from __future__ import annotations

import functools
import math
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app.errors import UserError
from survey_app.models import audit
from survey_app.models.base import utcnow
from survey_app.models.units import Unit
from survey_app.models.users import Department, Role, User, new_login_id
from survey_app.search import query_words
from survey_app.units import roster

DEPARTMENTS_FILE = Path(__file__).resolve().parent.parent / "data" / "departments.yaml"
MIN_PASSWORD_LENGTH = 8
USERS_PER_PAGE = 50


class AccountError(UserError):
    status = 400


def get_user(session: Session, username: str) -> User | None:
    return session.scalars(
        select(User).where(func.lower(User.username) == username.strip().lower())
    ).first()


@dataclass
class UserPage:
    users: list[User]
    page: int
    pages: int
    total: int


def search_users(
    session: Session, query: str = "", *, page: int = 1, per_page: int = USERS_PER_PAGE
) -> UserPage:
    """One page of users by username; with ``query``, those whose username, full name or
    unit (name or code) hold every word of it, without diacritics and with d for đ."""
    stmt = select(User)
    words = query_words(query)
    if words:
        unit = aliased(Unit)
        stmt = stmt.outerjoin(unit, User.unit_id == unit.id)
        for word in words:
            stmt = stmt.where(
                or_(
                    User.search_text.contains(word, autoescape=True),
                    unit.search_text.contains(word, autoescape=True),
                )
            )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    users = session.scalars(
        stmt.order_by(User.username).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return UserPage(list(users), page, pages, total)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )


def _resolve(session: Session, role: str, unit_code: str | None, department_code: str | None):
    try:
        role_enum = Role(role)
    except ValueError:
        raise AccountError(
            _(
                "Unknown role “%(role)s”; use one of: %(roles)s.",
                role=role,
                roles=", ".join(r.value for r in Role),
            )
        ) from None
    unit = department = None
    if unit_code:
        unit = session.scalars(select(Unit).where(Unit.code == unit_code)).first()
        if unit is None:
            raise AccountError(_("Unknown unit code: %(code)s", code=unit_code))
    if department_code:
        department = session.scalars(
            select(Department).where(Department.code == department_code)
        ).first()
        if department is None:
            raise AccountError(_("Unknown department code: %(code)s", code=department_code))
    if role_enum is Role.REPORTER and unit is None:
        raise AccountError(_("A unit reporter needs a unit."))
    if role_enum is Role.REVIEWER and department is None:
        raise AccountError(_("A department reviewer needs a department."))
    return role_enum, unit, department


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    unit_code: str | None = None,
    department_code: str | None = None,
    full_name: str = "",
    actor=None,
) -> User:
    """Create an account. Raises AccountError."""
    username = username.strip()
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        raise AccountError(_("A username has 1 to 80 characters and no spaces."))
    role_enum, unit, department = _resolve(session, role, unit_code, department_code)
    if get_user(session, username) is not None:
        raise AccountError(_("The username %(name)s is already taken.", name=username))
    check_password_rules(password)
    user = User(
        username=username,
        role=role_enum.value,
        unit=unit,
        department=department,
        full_name=full_name.strip(),
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    audit.record(session, "user.create", username, actor=actor, role=role_enum.value)
    return user


def update_user(
    session: Session,
    user: User,
    *,
    role: str,
    unit_code: str | None,
    department_code: str | None,
    full_name: str,
    is_active: bool,
    actor=None,
) -> User:
    """Change role, unit, department, name or the active flag; a change of the first four
    ends the user's sessions. Raises AccountError."""
    role_enum, unit, department = _resolve(session, role, unit_code, department_code)
    if actor is not None and user.id == actor.id and (role_enum is not Role.ADMIN or not is_active):
        raise AccountError(_("You cannot take away your own administrator access."))
    before = (user.role, user.unit, user.department, user.is_active)
    user.role, user.unit, user.department = role_enum.value, unit, department
    user.full_name, user.is_active = full_name.strip(), is_active
    # What the account may reach changed: whoever holds one of its sessions signs in again.
    # Administrators editing themselves keep their session (they cannot lower their access).
    if before != (user.role, user.unit, user.department, user.is_active) and (
        actor is None or actor.id != user.id
    ):
        user.login_id = new_login_id()
    session.flush()
    audit.record(
        session,
        "user.update",
        user.username,
        actor=actor,
        role=role_enum.value,
        is_active=is_active,
    )
    return user


def reset_password(session: Session, user: User, password: str, *, actor=None) -> None:
    """Set a new password (which also ends the user's other sessions). Raises AccountError."""
    check_password_rules(password)
    user.set_password(password)
    session.flush()
    audit.record(session, "user.password_reset", user.username, actor=actor)


def sign_out_everywhere(session: Session, user: User) -> None:
    """End every session of ``user`` (a new login_id: the cookies carry the old one)."""
    user.login_id = new_login_id()
    session.flush()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work either way)."""
    user = get_user(session, username)
    if user is None or not user.is_active:
        # Spend the same time as a real check so that usernames cannot be probed.
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


@dataclass
class BootstrapResult:
    departments: int = 0
    units: int = 0
    admin_password: str | None = None


def bootstrap(session: Session) -> BootstrapResult:
    """First-run data: departments, the shipped roster when no unit exists, the admin account."""
    result = BootstrapResult()
    data = yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8"))
    for item in data["departments"]:
        if session.scalars(select(Department).where(Department.code == item["code"])).first():
            continue
        session.add(
            Department(
                code=item["code"], name=item["name"], content_areas=list(item["content_areas"])
            )
        )
        result.departments += 1
    session.flush()
    if session.scalar(select(func.count()).select_from(Unit)) == 0:
        result.units = roster.apply(session, roster.shipped_rows()).created
    if session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN)) == 0:
        result.admin_password = secrets.token_urlsafe(12)
        create_user(
            session, "admin", result.admin_password, Role.ADMIN.value, full_name="Quản trị hệ thống"
        )
    return result
