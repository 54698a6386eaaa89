"""All models, imported here so that Alembic and the app see one metadata."""

from survey_app.models.audit import AuditEvent
from survey_app.models.base import Base
from survey_app.models.campaigns import (
    Campaign,
    InspectionTeam,
    InspectionVisit,
    Notification,
    ReportAttachment,
    ReportEvent,
    UnitReport,
)
from survey_app.models.findings import Finding, FindingEvent
from survey_app.models.health import Heartbeat
from survey_app.models.polls import PollAnswer, PollLink, PollResponse
from survey_app.models.responses import Answer, Channel, Response
from survey_app.models.surveys import Survey, SurveyVersion
from survey_app.models.units import Unit, UnitKind
from survey_app.models.users import Department, Role, User

__all__ = [
    "Answer",
    "AuditEvent",
    "Base",
    "Campaign",
    "Channel",
    "Department",
    "Finding",
    "FindingEvent",
    "Heartbeat",
    "InspectionTeam",
    "InspectionVisit",
    "Notification",
    "PollAnswer",
    "PollLink",
    "PollResponse",
    "ReportAttachment",
    "ReportEvent",
    "Response",
    "Role",
    "Survey",
    "SurveyVersion",
    "Unit",
    "UnitKind",
    "UnitReport",
    "User",
]
