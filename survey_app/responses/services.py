"""Storing a validated response and its typed answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session

from survey_app.errors import UserError
from survey_app.models.base import insert_ignore
from survey_app.models.responses import Answer, Channel, Response
from survey_app.models.surveys import SurveyVersion
from survey_app.models.units import Unit
from survey_app.models.users import User
from survey_app.paging import PER_PAGE, Page, last_page
from survey_app.surveys.model import Definition
from survey_app.surveys.validation import AnswerValue
from survey_app.units.services import subtree_query


class ReplayRefused(UserError):
    """A response id that is already stored, but not as this sender's copy of this form."""

    status = 409


class ResponseIdTaken(ReplayRefused):
    message = _l("This submission number already belongs to another form. Reload the page.")


class ResponseIdNotYours(ReplayRefused):
    message = _l(
        "This submission number belongs to a form sent by someone else, so nothing was saved."
    )


class BadResponseId(UserError):
    status = 400
    message = _l("The form is missing its submission number. Reload the page and try again.")


def parse_response_id(value: str | None) -> uuid.UUID:
    """The client-made UUID of a submission. Raises BadResponseId."""
    try:
        return uuid.UUID(str(value or ""))
    except ValueError:
        raise BadResponseId() from None


def answer_row(response_id: uuid.UUID, value: AnswerValue) -> dict:
    """The column values of one answer row (staff ``answers`` and anonymous ``poll_answers``
    share these columns)."""
    row = {
        "response_id": response_id,
        "question_key": value.question_key,
        "repeat_index": value.repeat_index,
        "part": value.part,
        "value_text": None,
        "value_number": None,
        "value_date": None,
        "value_choice": None,
    }
    row[f"value_{value.kind}"] = value.value
    return row


def store_response(
    connection: Connection,
    *,
    response_id: uuid.UUID,
    version_id: int,
    survey_id: int,
    answers: Iterable[AnswerValue],
    channel: Channel,
    today: date,
    now: datetime | None = None,
    unit_id: int | None = None,
    submitted_by_id: int | None = None,
    campaign_id: int | None = None,
    visit_id: int | None = None,
) -> bool:
    """Store a staff response once; True when this call stored it, False for a replay of
    ``response_id`` (the same person sending the same form again: the stored one stands).

    Core statements on ``connection`` (an ORM session's ``connection()``); the caller commits.
    Anonymous poll answers go through ``polls.services.store_poll_response`` instead.
    Raises ResponseIdTaken when the id belongs to another survey, ResponseIdNotYours when it
    was sent by someone else.
    """
    # Rows built before the first INSERT: on SQLite the write lock is held from it to the commit.
    rows = [answer_row(response_id, a) for a in answers]
    created = insert_ignore(
        connection,
        Response.__table__,
        {
            "id": response_id,
            "survey_version_id": version_id,
            "unit_id": unit_id,
            "submitted_by_id": submitted_by_id,
            "campaign_id": campaign_id,
            "visit_id": visit_id,
            "channel": channel.value,
            "submitted_on": today,
            "submitted_at": now,
        },
        ["id"],
    )
    if created:
        if rows:
            connection.execute(insert(Answer.__table__), rows)
        return True
    stored = connection.execute(
        select(SurveyVersion.survey_id, Response.submitted_by_id)
        .join(Response, Response.survey_version_id == SurveyVersion.id)
        .where(Response.id == response_id)
    ).one()
    check_replay(stored.survey_id, stored.submitted_by_id, survey_id, submitted_by_id)
    return False


def check_replay(
    stored_survey_id: int, stored_by_id: int | None, survey_id: int, submitted_by_id: int | None
) -> None:
    """Whether a stored response may answer a resend of its id: the same form, sent by the
    same person. Raises ResponseIdTaken, ResponseIdNotYours.

    Anything else would answer "saved" while the sent answers are dropped: a reporter who
    sends another unit's response id must hear that nothing was saved.
    """
    if stored_survey_id != survey_id:
        raise ResponseIdTaken()
    if stored_by_id is None or stored_by_id != submitted_by_id:
        raise ResponseIdNotYours()


def get_response(session: Session, response_id: uuid.UUID) -> Response | None:
    return session.get(Response, response_id)


def replayed_response(
    session: Session, response_id: uuid.UUID, *, survey_id: int, submitted_by_id: int
) -> Response | None:
    """The stored response when ``response_id`` is a resend of this person's form, None when
    the id is new. Raises ResponseIdTaken, ResponseIdNotYours."""
    stored = get_response(session, response_id)
    if stored is not None:
        check_replay(stored.version.survey_id, stored.submitted_by_id, survey_id, submitted_by_id)
    return stored


def answers_of(session: Session, response_id: uuid.UUID) -> list[Answer]:
    return list(
        session.scalars(select(Answer).where(Answer.response_id == response_id).order_by(Answer.id))
    )


def stored_values(
    definition: Definition, answers: Iterable[Answer]
) -> dict[str, list[str | int | float]]:
    """Answer rows back by field name (to show or export a response): numbers as numbers (an
    int when whole; pages write them with the ``number`` filter), everything else as text."""
    parents = {
        key: q.key
        for q in definition.questions()
        for child in q.questions
        for key in (child.key, *(row.key for row in child.rows))  # a matrix answers by row
    }
    values: dict[str, list[str | int | float]] = {}
    for answer in answers:
        name = answer.question_key
        if answer.repeat_index is not None and name in parents:
            name = f"{parents[name]}.{answer.repeat_index}.{name}"
        if answer.part:  # after the row: an indicator's baseline in a repeat is rep.N.key.part
            name = f"{name}.{answer.part}"
        values.setdefault(name, []).append(_value(answer))
    return values


def _value(answer: Answer) -> str | int | float:
    if answer.value_choice is not None:
        return answer.value_choice
    if answer.value_number is not None:
        number = answer.value_number
        return int(number) if float(number).is_integer() else float(number)
    if answer.value_date is not None:
        return answer.value_date.isoformat()
    return answer.value_text or ""


@dataclass(frozen=True)
class ResponseRow:
    """One staff response in a list: what a reader needs to tell it apart and open it."""

    id: uuid.UUID
    submitted_on: date
    submitted_at: datetime | None
    unit_code: str | None
    unit_name: str | None
    submitted_by: str | None
    version: int


def staff_responses(
    session: Session,
    survey_id: int,
    *,
    unit_id: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[ResponseRow]:
    """A page of a survey's staff responses, newest first; with ``unit_id``, only those of that
    unit and the units below it. Anonymous poll answers are never listed (only their
    suppressed totals are ever shown). A page past the end gives the last page.

    Two queries whatever the page size: the count and the page, names joined in.
    """
    where = [SurveyVersion.survey_id == survey_id]  # poll answers live apart (poll_responses)
    if unit_id is not None:
        where.append(Response.unit_id.in_(subtree_query(unit_id)))
    total = session.scalar(
        select(func.count())
        .select_from(Response)
        .join(SurveyVersion, Response.survey_version_id == SurveyVersion.id)
        .where(*where)
    ) or 0
    number = min(max(page, 1), last_page(total, per_page))
    stmt = (
        select(
            Response.id,
            Response.submitted_on,
            Response.submitted_at,
            Unit.code,
            Unit.name,
            func.coalesce(func.nullif(User.full_name, ""), User.username),
            SurveyVersion.number,
        )
        .join(SurveyVersion, Response.survey_version_id == SurveyVersion.id)
        .outerjoin(Unit, Response.unit_id == Unit.id)
        .outerjoin(User, Response.submitted_by_id == User.id)
        .where(*where)
        .order_by(
            Response.submitted_on.desc(),
            Response.submitted_at.desc().nulls_last(),
            Response.id,
        )
        .limit(per_page)
        .offset((number - 1) * per_page)
    )
    rows = [ResponseRow(*row) for row in session.execute(stmt)]
    return Page(items=rows, number=number, per_page=per_page, total=total)
