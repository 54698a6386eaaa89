"""Findings (nhận định) that the departments draw from a campaign's results, and their history.

A finding belongs to a campaign and a content area (and optionally a unit), is of one of the
kinds a report states (DOMAIN.md), cites its evidence, and goes draft → submitted → approved,
or → returned (with a reason) → submitted again. ``FindingEvent`` keeps every change; the
database itself refuses to UPDATE or DELETE a history row (triggers made by the migration,
issue 13), so no code path can rewrite it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, UTCDateTime, enum_check, utcnow
from survey_app.models.units import Unit
from survey_app.models.users import User


class FindingKind(StrEnum):
    """In the order the seed asks a report to state them (section I and II.1)."""

    STRENGTH = "strength"
    LIMITATION = "limitation"
    CAUSE = "cause"
    LESSON = "lesson"
    SOLUTION = "solution"
    RECOMMENDATION = "recommendation"

    @property
    def label(self) -> str:
        return str(FINDING_KIND_LABELS[self])


FINDING_KIND_LABELS = {
    FindingKind.STRENGTH: _l("Strengths"),
    FindingKind.LIMITATION: _l("Limitations and weaknesses"),
    FindingKind.CAUSE: _l("Causes"),
    FindingKind.LESSON: _l("Lessons learned"),
    FindingKind.SOLUTION: _l("Directions, tasks and solutions"),
    FindingKind.RECOMMENDATION: _l("Recommendations"),
}


class FindingStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return str(FINDING_STATUS_LABELS[self])


FINDING_STATUS_LABELS = {
    FindingStatus.DRAFT: _l("Draft"),
    FindingStatus.SUBMITTED: _l("Submitted for approval"),
    FindingStatus.APPROVED: _l("Approved"),
    FindingStatus.RETURNED: _l("Returned for correction"),
}


class Finding(Base):
    __tablename__ = "findings"
    __table_args__ = (
        enum_check("kind", FindingKind),
        enum_check("status", FindingStatus),
        sa.Index("ix_findings_campaign_area", "campaign_id", "area"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT: a finding has history that nothing may delete, so neither may its campaign go.
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="RESTRICT"))
    area: Mapped[str] = mapped_column(sa.String(8))
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: The unit the finding is about; None for the whole province.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(sa.String(10), default=FindingStatus.DRAFT.value)
    text: Mapped[str] = mapped_column(sa.Text)
    #: What backs it: [{"type": "question", "survey": KEY, "key": Q}, {"type": "indicator",
    #: "key": K}, {"type": "response", "id": UUID}] (review.findings checks each item).
    evidence: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Why it was last returned (shown to the department until it is submitted again).
    return_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit | None] = relationship(lazy="joined")

    @property
    def kind_enum(self) -> FindingKind:
        return FindingKind(self.kind)

    @property
    def status_enum(self) -> FindingStatus:
        return FindingStatus(self.status)


class FindingEvent(Base):
    """One change of a finding: who, when, from which status to which, why, and the text and
    evidence as they stood after it. Append-only, enforced by the database."""

    __tablename__ = "finding_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        sa.ForeignKey("findings.id", ondelete="RESTRICT"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # No ON DELETE action: SET NULL would be an UPDATE, which the history refuses.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The actor's name as it was then (the history reads the same if the account changes).
    actor_name: Mapped[str] = mapped_column(sa.String(200), default="")
    action: Mapped[str] = mapped_column(sa.String(20))
    from_status: Mapped[str | None] = mapped_column(sa.String(10))
    to_status: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    text: Mapped[str] = mapped_column(sa.Text)
    evidence: Mapped[list] = mapped_column(sa.JSON, default=list)

    actor: Mapped[User | None] = relationship(lazy="joined")
