"""Poll results by unit, counted by the database and passed through small-group suppression
before anything is shown (pages, exports and the API all come through here)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.catalog.services import definition_of
from survey_app.models.responses import Answer, Channel, Response
from survey_app.models.surveys import Survey, SurveyVersion
from survey_app.models.units import Unit
from survey_app.polls.suppression import Breakdown, SafeBreakdown, suppress
from survey_app.surveys.model import Choice, QType, Text


@dataclass(frozen=True)
class QuestionResult:
    key: str
    label: Text
    choices: tuple[Choice, ...]
    safe: SafeBreakdown


@dataclass(frozen=True)
class PollResults:
    survey: Survey
    units: dict[str, str]  # unit code -> name, in display order
    questions: list[QuestionResult]
    threshold: int

    @property
    def any_hidden(self) -> bool:
        return any(q.safe.any_hidden for q in self.questions)


def _choice_questions(definition):
    """(key, label, choices) for every question answered with choices, matrix rows apart."""
    for question in definition.questions():
        if question.type is QType.MATRIX:
            for row in question.rows:
                yield (
                    row.key,
                    Text(
                        f"{question.label.vi} – {row.label.vi}",
                        f"{question.label.get('en')} – {row.label.get('en')}",
                    ),
                    question.choices,
                )
        elif question.is_choice:
            yield question.key, question.label, question.choices


def poll_results(session: Session, survey: Survey, threshold: int) -> PollResults:
    """Every choice question's answers by unit, suppressed for small groups."""
    poll_responses = (
        select(Response.id, Response.unit_id)
        .join(SurveyVersion, SurveyVersion.id == Response.survey_version_id)
        .where(SurveyVersion.survey_id == survey.id, Response.channel == Channel.POLL.value)
        .subquery()
    )
    unit_rows = session.execute(
        select(Unit.code, Unit.name)
        .where(Unit.id.in_(select(poll_responses.c.unit_id)))
        .order_by(Unit.name)
    ).all()
    units = {code: name for code, name in unit_rows}
    code_of = dict(
        session.execute(select(Unit.id, Unit.code).where(Unit.code.in_(list(units)))).all()
    )
    counts_stmt = (
        select(poll_responses.c.unit_id, Answer.question_key, Answer.value_choice, func.count())
        .join(poll_responses, poll_responses.c.id == Answer.response_id)
        .where(Answer.value_choice.is_not(None))
        .group_by(poll_responses.c.unit_id, Answer.question_key, Answer.value_choice)
    )
    respondents_stmt = (
        select(
            poll_responses.c.unit_id,
            Answer.question_key,
            func.count(func.distinct(Answer.response_id)),
        )
        .join(poll_responses, poll_responses.c.id == Answer.response_id)
        .group_by(poll_responses.c.unit_id, Answer.question_key)
    )
    counts: dict[str, dict[tuple[str, str], int]] = {}
    for unit_id, key, choice, n in session.execute(counts_stmt):
        counts.setdefault(key, {})[(code_of[unit_id], choice)] = n
    respondents: dict[str, dict[str, int]] = {}
    for unit_id, key, n in session.execute(respondents_stmt):
        respondents.setdefault(key, {})[code_of[unit_id]] = n

    definition = definition_of(survey.current_version)
    questions = []
    groups = list(units)
    for key, label, choices in _choice_questions(definition):
        breakdown = Breakdown(
            groups, [c.value for c in choices], counts.get(key, {}), respondents.get(key, {})
        )
        questions.append(QuestionResult(key, label, choices, suppress(breakdown, threshold)))
    return PollResults(survey, units, questions, threshold)


def results_as_dict(results: PollResults, locale: str) -> dict:
    """The API's view: hidden figures are null, never a number."""
    return {
        "survey": results.survey.key,
        "threshold": results.threshold,
        "units": results.units,
        "questions": [
            {
                "key": q.key,
                "label": q.label.get(locale),
                "choices": {c.value: c.label.get(locale) for c in q.choices},
                "by_unit": {
                    unit: {
                        "respondents": q.safe.group_totals[unit].value,
                        "counts": {c.value: q.safe.cells[(unit, c.value)].value for c in q.choices},
                    }
                    for unit in results.units
                },
                "overall": {
                    "respondents": q.safe.total.value,
                    "counts": {c.value: q.safe.choice_totals[c.value].value for c in q.choices},
                },
            }
            for q in results.questions
        ],
    }


def results_xlsx(results: PollResults, locale: str, hidden_mark: str, note: str) -> bytes:
    """One sheet: for each question a block of units × choices; hidden figures are marked."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "results"
    sheet.append([note])
    for q in results.questions:
        sheet.append([])
        sheet.append([q.label.get(locale)])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        sheet.append(["", *[c.label.get(locale) for c in q.choices], "n"])
        for unit, name in results.units.items():
            sheet.append(
                [
                    name,
                    *[_shown(q.safe.cells[(unit, c.value)], hidden_mark) for c in q.choices],
                    _shown(q.safe.group_totals[unit], hidden_mark),
                ]
            )
        sheet.append(
            [
                "Σ",
                *[_shown(q.safe.choice_totals[c.value], hidden_mark) for c in q.choices],
                _shown(q.safe.total, hidden_mark),
            ]
        )
    sheet.column_dimensions["A"].width = 48
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _shown(cell, mark: str):
    return mark if cell.hidden else cell.value


def campaign_poll_responses(survey_id: int, campaign_id: int):
    """The anonymous responses given through a campaign's poll links for ``survey_id``:
    ``select(id, unit_id)`` (more conditions and joins may be added to it).

    The review pages (``review.results``) count these in SQL and show them only through
    ``suppression``; with ``poll_answer_rows`` this is the one place outside this module's
    own queries that says where poll answers are stored.
    TODO(issue 10 item 4): when anonymous answers move to their own table (random keys),
    select the same columns from it here and in ``poll_answer_rows``.
    """
    from survey_app.models.polls import PollLink

    return (
        select(Response.id, Response.unit_id)
        .join(PollLink, PollLink.id == Response.poll_link_id)
        .where(PollLink.campaign_id == campaign_id, PollLink.survey_id == survey_id,
               Response.channel == Channel.POLL.value)
    )


def poll_answer_rows(responses):
    """The answer rows of poll ``responses`` (a subquery with ``id, unit_id``):
    ``response_id, unit_id, question_key, part, repeat_index, value_choice, value_number,
    value_text``. TODO(issue 10 item 4): see ``campaign_poll_responses``."""
    return (
        select(responses.c.id.label("response_id"), responses.c.unit_id, Answer.question_key,
               Answer.part, Answer.repeat_index, Answer.value_choice, Answer.value_number,
               Answer.value_text)
        .join(Answer, Answer.response_id == responses.c.id)
    )
