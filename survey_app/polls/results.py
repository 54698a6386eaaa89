"""Poll results by unit, counted by the database and passed through small-group suppression
before anything is shown (pages, exports and the API all come through here)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.catalog.services import definition_of
from survey_app.models.responses import Answer, Channel, Response
from survey_app.models.surveys import Survey, SurveyVersion
from survey_app.models.units import Unit
from survey_app.polls.suppression import Breakdown, SafeBreakdown, suppress
from survey_app.surveys.model import Choice, QType, Text
from survey_app.surveys.sheets import PERCENT_FORMAT, safe_cell, safe_row


@dataclass(frozen=True)
class Figure:
    """One shown or hidden count, and its share of the row's respondents."""

    count: int | None  # None when hidden
    share: float | None  # None when hidden or when nobody in the row answered

    @property
    def hidden(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class ResultRow:
    code: str | None  # None for the row of all units
    name: str
    figures: tuple[Figure, ...]  # one per choice, in the question's order
    respondents: Figure


@dataclass(frozen=True)
class QuestionResult:
    key: str
    label: Text
    choices: tuple[Choice, ...]
    safe: SafeBreakdown

    def row(self, code: str, name: str) -> ResultRow:
        return self._row(
            code,
            name,
            [self.safe.cells[(code, c.value)] for c in self.choices],
            self.safe.group_totals[code],
        )

    def overall(self, name: str) -> ResultRow:
        return self._row(
            None,
            name,
            [self.safe.choice_totals[c.value] for c in self.choices],
            self.safe.total,
        )

    @staticmethod
    def _row(code, name, cells, total) -> ResultRow:
        def share(cell) -> float | None:
            if cell.hidden or total.hidden or not total.value:
                return None
            return cell.value / total.value

        figures = tuple(Figure(cell.value, share(cell)) for cell in cells)
        return ResultRow(code, name, figures, Figure(total.value, None))


@dataclass(frozen=True)
class PollResults:
    survey: Survey
    title: Text
    units: dict[str, str]  # unit code -> name, in display order
    questions: list[QuestionResult]
    threshold: int

    @property
    def any_hidden(self) -> bool:
        return any(q.safe.any_hidden for q in self.questions)

    def rows(self, question: QuestionResult) -> list[ResultRow]:
        return [question.row(code, name) for code, name in self.units.items()]


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
    return PollResults(survey, definition.title, units, questions, threshold)


def results_as_dict(results: PollResults, locale: str) -> dict:
    """The API's view: hidden figures are null, never a number; shares are fractions of the
    row's respondents."""

    def figures(row: ResultRow, choices) -> dict:
        return {
            "respondents": row.respondents.count,
            "counts": {c.value: f.count for c, f in zip(choices, row.figures, strict=True)},
            "shares": {
                c.value: None if f.share is None else round(f.share, 4)
                for c, f in zip(choices, row.figures, strict=True)
            },
        }

    return {
        "survey": results.survey.key,
        "title": results.title.get(locale),
        "threshold": results.threshold,
        "units": results.units,
        "questions": [
            {
                "key": q.key,
                "label": q.label.get(locale),
                "choices": {c.value: c.label.get(locale) for c in q.choices},
                "by_unit": {row.code: figures(row, q.choices) for row in results.rows(q)},
                "overall": figures(q.overall(""), q.choices),
            }
            for q in results.questions
        ],
    }


@dataclass(frozen=True)
class SheetTexts:
    """The words of the results workbook, in the reader's language (the view translates)."""

    note: str
    hidden: str  # what a hidden figure shows
    unit: str
    unit_code: str
    people: str
    share: str
    respondents: str
    all_units: str


def results_xlsx(results: PollResults, locale: str, words: SheetTexts) -> bytes:
    """One sheet: for each question a block of units × choices, each choice with its count
    and its share of the unit's respondents; hidden figures are marked."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "results"
    sheet.append(safe_row(sheet, [results.title.get(locale)], bold=True))
    sheet.append(safe_row(sheet, [words.note]))
    for q in results.questions:
        sheet.append([])
        sheet.append(safe_row(sheet, [q.label.get(locale)], bold=True))
        first = sheet.max_row + 1
        labels: list = [words.unit, words.unit_code]
        for c in q.choices:
            labels += [c.label.get(locale), None]
        sheet.append(safe_row(sheet, [*labels, words.respondents], bold=True))
        sheet.append(
            safe_row(sheet, ["", "", *[words.people, words.share] * len(q.choices), ""], bold=True)
        )
        for i in range(len(q.choices)):
            column = 3 + 2 * i
            sheet.merge_cells(
                start_row=first, start_column=column, end_row=first, end_column=column + 1
            )
        for row in [*results.rows(q), q.overall(words.all_units)]:
            cells: list = [
                safe_cell(sheet, row.name, bold=row.code is None),
                safe_cell(sheet, row.code),
            ]
            for figure in row.figures:
                cells.append(safe_cell(sheet, words.hidden if figure.hidden else figure.count))
                cells.append(
                    safe_cell(sheet, words.hidden if figure.hidden else figure.share,
                              number_format=PERCENT_FORMAT)
                )
            total = row.respondents
            cells.append(safe_cell(sheet, words.hidden if total.hidden else total.count))
            sheet.append(cells)
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 18
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
