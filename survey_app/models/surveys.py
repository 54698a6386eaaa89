"""Survey definitions as loaded into the database, one row per version."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, UTCDateTime, enum_check, utcnow
from survey_app.surveys.model import Audience


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (enum_check("audience", Audience),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    audience: Mapped[str] = mapped_column(sa.String(20))
    #: The version new responses use; older versions stay for the responses that have them.
    current_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_versions.id", use_alter=True, ondelete="SET NULL")
    )
    #: False when the file was removed from surveys/: nothing new is collected.
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    current_version: Mapped[SurveyVersion | None] = relationship(
        foreign_keys=[current_version_id], lazy="joined", post_update=True
    )


class SurveyVersion(Base):
    __tablename__ = "survey_versions"
    __table_args__ = (
        sa.UniqueConstraint("survey_id", "number", name="survey_number"),
        sa.UniqueConstraint("survey_id", "content_hash", name="survey_content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    #: The YAML as it was synced: the definition is rebuilt from it, so old responses keep
    #: the exact questions they answered. Deferred: only a definition cache miss reads it
    #: (``registry.services.definition_of``), not every page that loads a survey.
    source_text: Mapped[str] = mapped_column(sa.Text, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    survey: Mapped[Survey] = relationship(foreign_keys=[survey_id], lazy="joined")
