"""Staff responses (one per submission, keyed by a client-made UUID) and their typed answers.

Anonymous poll responses live in their own tables (``models.polls``): these rows are timed
and numbered in order, which must say nothing about a poll answer.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, UTCDateTime, enum_check
from survey_app.models.surveys import SurveyVersion


class Channel(StrEnum):
    WEB = "web"
    OFFLINE = "offline"
    API = "api"


class Response(Base):
    __tablename__ = "responses"
    __table_args__ = (enum_check("channel", Channel),)

    #: Made by the client (a hidden field or the API body), so that a repeated submission
    #: finds the stored row instead of adding one.
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    survey_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_versions.id", ondelete="RESTRICT"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: The review campaign a staff response belongs to (an inspection or a unit's report).
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    #: The inspection visit a checklist was filled at: one checklist per visit.
    visit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("inspection_visits.id", ondelete="SET NULL"), unique=True
    )
    channel: Mapped[str] = mapped_column(sa.String(12))
    submitted_on: Mapped[date] = mapped_column(sa.Date, index=True)
    #: The exact time of submission (staff only: poll responses keep the day alone).
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    version: Mapped[SurveyVersion] = relationship(lazy="joined")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response",
        lazy="raise_on_sql",
        cascade="all, delete-orphan",
        order_by="Answer.id",
    )


class Answer(Base):
    """One typed value: a multiple-choice answer has one row per selected choice, an
    indicator one row per part, a repeat row's answers carry their row index."""

    __tablename__ = "answers"
    __table_args__ = (sa.Index("ix_answers_question_choice", "question_key", "value_choice"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    response_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    question_key: Mapped[str] = mapped_column(sa.String(64))
    repeat_index: Mapped[int | None]
    part: Mapped[str | None] = mapped_column(sa.String(16))
    value_text: Mapped[str | None] = mapped_column(sa.Text)
    value_number: Mapped[float | None] = mapped_column(sa.Double)
    value_date: Mapped[date | None] = mapped_column(sa.Date)
    value_choice: Mapped[str | None] = mapped_column(sa.String(64))

    response: Mapped[Response] = relationship(back_populates="answers", lazy="raise_on_sql")
