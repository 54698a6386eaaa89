"""All models, imported here so that Alembic and the app see one metadata."""

from survey_app.models.audit import AuditEvent
from survey_app.models.base import Base
from survey_app.models.units import Unit, UnitKind
from survey_app.models.users import Department, Role, User

__all__ = ["AuditEvent", "Base", "Department", "Role", "Unit", "UnitKind", "User"]
