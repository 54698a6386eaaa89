"""An append-only record of who changed what."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    #: The admin's audit page filters by action (a prefix) and lists newest first.
    __table_args__ = (sa.Index("ix_audit_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(60))
    target: Mapped[str] = mapped_column(sa.String(200), default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)


def record(session, action: str, target: str = "", *, actor=None, **details) -> AuditEvent:
    """Add an audit event to ``session`` (the caller commits)."""
    event = AuditEvent(
        action=action, target=target, actor_id=getattr(actor, "id", None), details=details
    )
    session.add(event)
    return event
