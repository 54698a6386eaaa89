"""Poll links (the printed QR codes that lead workers to an anonymous poll) and the
anonymous responses that come through them.

Anonymous rows live apart from staff responses and carry no order: keys are random, there
is no serial id and, on SQLite, no rowid (``WITHOUT ROWID``), so their place among timed
staff rows cannot be read from the database. On PostgreSQL the heap keeps rows in insertion
order and ``xmin`` numbers the writing transaction: ``survey-app polls settle`` rewrites the
rows of past days in random order, in one transaction (see ``polls.services.settle``).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, UTCDateTime, utcnow
from survey_app.models.surveys import Survey
from survey_app.models.units import Unit

#: 16 random bytes = 128 bits, URL-safe (22 characters): unguessable, short enough to type.
TOKEN_BYTES = 16


def new_token() -> str:
    """A random token that never starts with "-" (a command line would read it as an option:
    ``survey-app polls qr -Abc… out.png``)."""
    while True:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        if not token.startswith("-"):
            return token


class PollLink(Base):
    __tablename__ = "poll_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"),
                                           index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"),
                                         index=True)
    #: The review campaign the poll is part of (results can be filtered by it).
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_responses: Mapped[int | None]
    #: Responses counted against ``max_responses``, raised in the transaction that stores
    #: one by a conditional UPDATE (so a cap holds under concurrent posts). Kept for capped
    #: links only: an uncapped link's submissions do not queue on its row. (The server
    #: default stays: dropping it would rebuild the table on SQLite, see the migration.)
    responses_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    is_closed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    survey: Mapped[Survey] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")


class PollResponse(Base):
    """One anonymous submission: which poll, which unit, which day; nothing else."""

    __tablename__ = "poll_responses"
    __table_args__ = {"sqlite_with_rowid": False}

    #: Random (``polls.services.poll_response_key``), never the id the page sent.
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    survey_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_versions.id", ondelete="RESTRICT"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    poll_link_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("poll_links.id", ondelete="SET NULL"), index=True
    )
    #: The day of submission: nothing finer is kept.
    submitted_on: Mapped[date] = mapped_column(sa.Date, index=True)
    #: True once ``settle`` has rewritten the row (PostgreSQL's row order and transaction
    #: id then say no more than "before the day it ran").
    is_settled: Mapped[bool] = mapped_column(default=False)


class PollAnswer(Base):
    """One typed value of an anonymous response (the same columns as ``answers``), keyed by
    its response and its place in it: no serial id."""

    __tablename__ = "poll_answers"
    __table_args__ = {"sqlite_with_rowid": False}

    response_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("poll_responses.id", ondelete="CASCADE"), primary_key=True
    )
    #: The answer's place within its response (0, 1, …), in form order.
    ordinal: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    question_key: Mapped[str] = mapped_column(sa.String(64))
    repeat_index: Mapped[int | None]
    part: Mapped[str | None] = mapped_column(sa.String(16))
    value_text: Mapped[str | None] = mapped_column(sa.Text)
    value_number: Mapped[float | None] = mapped_column(sa.Double)
    value_date: Mapped[date | None] = mapped_column(sa.Date)
    value_choice: Mapped[str | None] = mapped_column(sa.String(64))
