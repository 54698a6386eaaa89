"""Storing a validated response and its typed answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from survey_app.errors import UserError
from survey_app.models.base import insert_ignore
from survey_app.models.responses import Answer, Channel, Response
from survey_app.models.surveys import SurveyVersion
from survey_app.surveys.model import Definition
from survey_app.surveys.validation import AnswerValue


class ResponseIdTaken(UserError):
    status = 409
    message = _l("This submission number already belongs to another form. Reload the page.")


class BadResponseId(UserError):
    status = 400
    message = _l("The form is missing its submission number. Reload the page and try again.")


def parse_response_id(value: str | None) -> uuid.UUID:
    """The client-made UUID of a submission. Raises BadResponseId."""
    try:
        return uuid.UUID(str(value or ""))
    except ValueError:
        raise BadResponseId() from None


def _answer_row(response_id: uuid.UUID, value: AnswerValue) -> dict:
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
    poll_link_id: int | None = None,
    campaign_id: int | None = None,
    visit_id: int | None = None,
) -> bool:
    """Store a response once; True when this call stored it, False for a replay of ``response_id``.

    Core statements on ``connection`` (an ORM session's ``connection()``, or an engine
    connection: no objects loaded, a poll submission pays for two INSERTs only); the caller
    commits. Raises ResponseIdTaken when the id belongs to another survey.
    """
    # Rows built before the first INSERT: on SQLite the write lock is held from it to the commit.
    rows = [_answer_row(response_id, a) for a in answers]
    created = insert_ignore(
        connection,
        Response.__table__,
        {
            "id": response_id,
            "survey_version_id": version_id,
            "unit_id": unit_id,
            "submitted_by_id": submitted_by_id,
            "poll_link_id": poll_link_id,
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
    stored_survey = connection.scalar(
        select(SurveyVersion.survey_id)
        .join(Response, Response.survey_version_id == SurveyVersion.id)
        .where(Response.id == response_id)
    )
    if stored_survey != survey_id:
        raise ResponseIdTaken()
    return False


def get_response(session: Session, response_id: uuid.UUID) -> Response | None:
    return session.get(Response, response_id)


def answers_of(session: Session, response_id: uuid.UUID) -> list[Answer]:
    return list(
        session.scalars(select(Answer).where(Answer.response_id == response_id).order_by(Answer.id))
    )


def stored_values(definition: Definition, answers: Iterable[Answer]) -> dict[str, list[str]]:
    """Answer rows back as field names and typed strings (to show or export a response)."""
    parents = {child.key: q.key for q in definition.questions() for child in q.questions}
    values: dict[str, list[str]] = {}
    for answer in answers:
        name = answer.question_key
        if answer.part:
            name = f"{name}.{answer.part}"
        if answer.repeat_index is not None and name in parents:
            name = f"{parents[name]}.{answer.repeat_index}.{name}"
        values.setdefault(name, []).append(_as_text(answer))
    return values


def _as_text(answer: Answer) -> str:
    if answer.value_choice is not None:
        return answer.value_choice
    if answer.value_number is not None:
        number = answer.value_number
        return str(int(number)) if float(number).is_integer() else repr(number)
    if answer.value_date is not None:
        return answer.value_date.isoformat()
    return answer.value_text or ""
