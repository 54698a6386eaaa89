"""The heartbeat row GET /healthz rewrites to prove that the database takes writes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base, UTCDateTime


class Heartbeat(Base):
    """One row (id 1): when a health check last wrote to the database."""

    __tablename__ = "heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
