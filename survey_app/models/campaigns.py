"""Review campaigns, their inspection plan (teams and visits) and the units' own reports."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, UTCDateTime, enum_check, utcnow
from survey_app.models.units import Unit
from survey_app.models.users import User


class CampaignSource(StrEnum):
    FILE = "file"  # surveys/campaigns/KEY.yaml, kept up to date by `campaigns sync`
    ADMIN = "admin"  # made (copied) in the admin pages; sync leaves it alone


class Campaign(Base):
    """A review, configured by a file: deadlines, content areas, surveys, inspection quotas.

    ``config`` holds the checked file content; ``campaigns.config.from_data`` turns it back
    into a ``CampaignConfig``. The dates are copied into columns for queries and lists.
    """

    __tablename__ = "campaigns"
    __table_args__ = (enum_check("source", CampaignSource),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str | None] = mapped_column(sa.String(300))
    resolution: Mapped[str] = mapped_column(sa.String(100))
    starts: Mapped[date] = mapped_column(sa.Date)
    ends: Mapped[date] = mapped_column(sa.Date)
    config: Mapped[dict] = mapped_column(sa.JSON)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[str] = mapped_column(sa.String(10), default=CampaignSource.FILE.value)
    #: False when its file was removed from surveys/campaigns/: kept for its data, not offered.
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Set when the Office marks the inspection plan final (every quota met at that moment).
    plan_final_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    plan_final_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def display_name(self, locale: str | None) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name


team_members = sa.Table(
    "inspection_team_members",
    Base.metadata,
    sa.Column(
        "team_id", sa.ForeignKey("inspection_teams.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class InspectionTeam(Base):
    """An inspection team (đoàn kiểm tra): a leader and members, all inspectors."""

    __tablename__ = "inspection_teams"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "name", name="uq_inspection_teams_campaign_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    leader: Mapped[User] = relationship(lazy="joined")
    members: Mapped[list[User]] = relationship(
        secondary=team_members, lazy="selectin", order_by="User.username"
    )


class VisitStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"


class InspectionVisit(Base):
    """A team's visit to a unit on a day inside the campaign's inspection window."""

    __tablename__ = "inspection_visits"
    __table_args__ = (
        enum_check("status", VisitStatus),
        sa.UniqueConstraint("campaign_id", "unit_id", name="uq_inspection_visits_campaign_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inspection_teams.id", ondelete="RESTRICT"), index=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"))
    visit_date: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10), default=VisitStatus.PLANNED.value)
    #: The checklist saved as a draft on the server (field name -> texts), until it is sent;
    #: any member of the team can carry on from it.
    draft: Mapped[dict | None] = mapped_column(sa.JSON)
    draft_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    draft_saved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    team: Mapped[InspectionTeam] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")
    campaign: Mapped[Campaign] = relationship(lazy="joined")


class UnitReport(Base):
    """A unit's own report in a campaign (báo cáo tổng kết): its workflow state.

    The answers are a ``Response`` (``response_id``, the last one sent); a draft saved on the
    server is kept in ``draft`` until it is sent. Lateness goes by ``first_submitted_on``.
    """

    __tablename__ = "unit_reports"
    __table_args__ = (
        sa.CheckConstraint("state IN ('draft', 'submitted', 'returned')", name="state_valid"),
        sa.UniqueConstraint("campaign_id", "unit_id", name="uq_unit_reports_campaign_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"),
                                         index=True)
    state: Mapped[str] = mapped_column(sa.String(10), default="draft")
    #: Field name -> list of texts, as the form posts them (a draft saved on the server).
    draft: Mapped[dict | None] = mapped_column(sa.JSON)
    draft_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="SET NULL")
    )
    first_submitted_on: Mapped[date | None] = mapped_column(sa.Date)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: Why the upper level returned it (shown to the reporter until it is sent again).
    return_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")


class ReportAttachment(Base):
    """The signed report document (PDF or DOCX), stored outside the web root."""

    __tablename__ = "report_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("unit_reports.id", ondelete="CASCADE"), index=True
    )
    #: Random file name in the instance folder's attachments/ (never the uploaded name).
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class ReportEvent(Base):
    """The history of a unit report: who did what, when, from which state to which."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("unit_reports.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(20))
    from_state: Mapped[str | None] = mapped_column(sa.String(10))
    to_state: Mapped[str | None] = mapped_column(sa.String(10))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    response_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="SET NULL")
    )

    actor: Mapped[User | None] = relationship(lazy="joined")


class Notification(Base):
    """An in-app notice for one user (a visit assigned, a report returned)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: What the message needs (unit name, date...): the text is translated when shown.
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    link: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
