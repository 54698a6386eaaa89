"""Builders for the review tests: inspection checklists, poll answers and units' reports,
stored through the app's own services as the pages store them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select

from survey_app.models import Unit
from survey_app.models.responses import Channel
from survey_app.polls.services import create_link, find_target, store_poll_response
from survey_app.registry.services import definition_of, get_survey
from survey_app.responses.services import store_response
from survey_app.surveys.model import BASELINE, QType
from survey_app.surveys.validation import AnswerValue

DAY = date(2017, 9, 20)
NOW = datetime(2017, 9, 20, 3, tzinfo=UTC)


def unit(db, code: str) -> Unit:
    return db.session.scalars(select(Unit).where(Unit.code == code)).one()


def answer_values(definition, answers: dict) -> list[AnswerValue]:
    """Typed rows for ``answers`` ({key: value, or a list for multiple choice; "key.baseline"
    for an indicator's baseline}), as validation would make them."""
    values = []
    for name, raw in answers.items():
        key, _, part = name.partition(".")
        question = definition.question(key)
        if question is None:  # a matrix row
            question = next(q for q in definition.all_questions()
                            if any(row.key == key for row in q.rows))
        items = raw if isinstance(raw, list) else [raw]
        for item in items:
            if question.is_choice:
                kind = "choice"
            elif question.type in (QType.INTEGER, QType.DECIMAL, QType.INDICATOR):
                kind = "number"
            else:
                kind = "text"
            values.append(AnswerValue(key, None, BASELINE if part else None, kind, item))
    return values


def inspection(db, campaign, code: str, answers: dict, *, user=None) -> uuid.UUID:
    """A checklist sent for ``campaign`` at unit ``code``."""
    survey = get_survey(db.session, "inspection_2017")
    response_id = uuid.uuid4()
    store_response(
        db.session.connection(), response_id=response_id, version_id=survey.current_version_id,
        survey_id=survey.id, answers=answer_values(definition_of(survey.current_version), answers),
        channel=Channel.WEB, today=DAY, now=NOW, unit_id=unit(db, code).id,
        submitted_by_id=getattr(user, "id", None), campaign_id=campaign.id)
    db.session.commit()
    return response_id


def poll_answers(db, campaign, code: str, answers: list[dict]) -> None:
    """Anonymous poll answers through a poll link of ``campaign`` at unit ``code``."""
    link = create_link(db.session, "worker_poll_2017", code, campaign_key=campaign.key)
    db.session.commit()
    survey = get_survey(db.session, "worker_poll_2017")
    definition = definition_of(survey.current_version)
    target = find_target(db.engine, link.token)
    for one in answers:
        store_poll_response(db.session.connection(), target, sent_id=uuid.uuid4(),
                            answers=answer_values(definition, one), today=DAY,
                            secret_key="test")
    db.session.commit()
