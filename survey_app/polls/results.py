"""Poll results by unit, counted by the database and passed through small-group suppression
before anything is shown (pages, exports and the API all come through here)."""

from __future__ import annotations

import hashlib
import hmac
import io
from dataclasses import dataclass, field

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.models.polls import PollAnswer, PollLink, PollResponse
from survey_app.models.surveys import Survey, SurveyVersion
from survey_app.models.units import Unit
from survey_app.polls.suppression import Breakdown, SafeBreakdown, suppress
from survey_app.registry.services import definition_of
from survey_app.surveys.model import TEXT_TYPES, Choice, QType, Text
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
class TextGroup:
    """The free-text answers of one shown unit, in an order that says nothing of time."""

    code: str
    name: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class TextResult:
    """A free-text question: who wrote is a breakdown like any other (respondents = people
    who wrote an answer), suppressed the same way; only shown units' answers are kept."""

    key: str
    label: Text
    safe: SafeBreakdown
    groups: tuple[TextGroup, ...]

    @property
    def any_hidden(self) -> bool:
        return self.safe.any_hidden


@dataclass(frozen=True)
class PollResults:
    survey: Survey
    title: Text
    units: dict[str, str]  # unit code -> name, in display order
    questions: list[QuestionResult]
    threshold: int
    texts: list[TextResult] = field(default_factory=list)

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


def poll_results(
    session: Session, survey: Survey, threshold: int, *, order_key: bytes = b""
) -> PollResults:
    """Every choice question's answers by unit, suppressed for small groups, and the
    free-text answers of the units that may be shown (``_text_results``; ``order_key``, a
    secret, orders them)."""
    poll_responses = (
        select(PollResponse.id, PollResponse.unit_id)
        .join(SurveyVersion, SurveyVersion.id == PollResponse.survey_version_id)
        .where(SurveyVersion.survey_id == survey.id)
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
        select(
            poll_responses.c.unit_id,
            PollAnswer.question_key,
            PollAnswer.value_choice,
            func.count(),
        )
        .join(poll_responses, poll_responses.c.id == PollAnswer.response_id)
        .where(PollAnswer.value_choice.is_not(None))
        .group_by(poll_responses.c.unit_id, PollAnswer.question_key, PollAnswer.value_choice)
    )
    respondents_stmt = (
        select(
            poll_responses.c.unit_id,
            PollAnswer.question_key,
            func.count(func.distinct(PollAnswer.response_id)),
        )
        .join(poll_responses, poll_responses.c.id == PollAnswer.response_id)
        .group_by(poll_responses.c.unit_id, PollAnswer.question_key)
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
    texts = _text_results(
        session, definition, poll_responses, units, code_of, threshold, order_key
    )
    return PollResults(survey, definition.title, units, questions, threshold, texts)


def _text_results(
    session: Session, definition, poll_responses, units, code_of, threshold, order_key
) -> list[TextResult]:
    """Free-text answers (issue 9, item 8): only for units whose writers pass the threshold
    (and its complementary suppression: a unit hidden to protect another stays hidden), with
    nothing finer than the unit, in an order that does not follow the time of answering:
    sorted by a keyed hash of the response id, the same on every request."""
    questions = [q for q in definition.questions() if q.type in TEXT_TYPES]
    if not questions:
        return []
    rows = session.execute(
        select(poll_responses.c.unit_id, PollAnswer.question_key, PollAnswer.response_id,
               PollAnswer.value_text)
        .join(poll_responses, poll_responses.c.id == PollAnswer.response_id)
        .where(
            PollAnswer.question_key.in_([q.key for q in questions]),
            PollAnswer.value_text.is_not(None),
            PollAnswer.value_text != "",
        )
    )
    written: dict[str, dict[str, list[tuple[bytes, str]]]] = {}
    for unit_id, key, response_id, text in rows:
        if unit_id not in code_of:
            continue
        place = hmac.new(order_key, response_id.bytes + key.encode(), hashlib.sha256).digest()
        written.setdefault(key, {}).setdefault(code_of[unit_id], []).append((place, text))
    results = []
    for question in questions:
        by_unit = written.get(question.key, {})
        safe = suppress(
            Breakdown(list(units), (), {}, {code: len(a) for code, a in by_unit.items()}),
            threshold,
        )
        groups = tuple(
            TextGroup(code, name, tuple(text for _place, text in sorted(by_unit[code])))
            for code, name in units.items()
            if code in by_unit and not safe.group_totals[code].hidden
        )
        results.append(TextResult(question.key, question.label, safe, groups))
    return results


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
        "texts": [_texts_as_dict(t, results, locale) for t in results.texts],
    }


def _texts_as_dict(text: TextResult, results: PollResults, locale: str) -> dict:
    """A hidden unit has null respondents and null answers."""
    answers = {g.code: list(g.answers) for g in text.groups}
    return {
        "key": text.key,
        "label": text.label.get(locale),
        "respondents": text.safe.total.value,
        "by_unit": {
            code: {
                "respondents": text.safe.group_totals[code].value,
                "answers": None
                if text.safe.group_totals[code].hidden
                else answers.get(code, []),
            }
            for code in results.units
        },
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
    texts_sheet: str = "texts"
    texts_note: str = ""
    question: str = ""
    answer: str = ""


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
    if results.texts:
        _texts_sheet(workbook.create_sheet(words.texts_sheet), results, locale, words)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _texts_sheet(sheet, results: PollResults, locale: str, words: SheetTexts) -> None:
    """Every free-text answer of the shown units: question, unit, code, answer."""
    sheet.append(safe_row(sheet, [words.texts_note]))
    sheet.append(
        safe_row(sheet, [words.question, words.unit, words.unit_code, words.answer], bold=True)
    )
    for text in results.texts:
        label = text.label.get(locale)
        for group in text.groups:
            for answer in group.answers:
                sheet.append(safe_row(sheet, [label, group.name, group.code, answer]))
    for letter, width in zip("ABCD", (36, 36, 18, 80), strict=True):
        sheet.column_dimensions[letter].width = width


def _shown(cell, mark: str):
    return mark if cell.hidden else cell.value


def campaign_poll_responses(survey_id: int, campaign_id: int):
    """The anonymous responses given through a campaign's poll links for ``survey_id``:
    ``select(id, unit_id)`` (more conditions and joins may be added to it).

    The review pages (``review.results``) count these in SQL and show them only through
    ``suppression``; with ``poll_answer_rows`` this is the one place outside this module's
    own queries that says where poll answers are stored (``poll_responses``, apart from
    staff responses, under random keys).
    """
    return (
        select(PollResponse.id, PollResponse.unit_id)
        .join(PollLink, PollLink.id == PollResponse.poll_link_id)
        .where(PollLink.campaign_id == campaign_id, PollLink.survey_id == survey_id)
    )


def poll_answer_rows(responses):
    """The answer rows of poll ``responses`` (a subquery with ``id, unit_id``):
    ``response_id, unit_id, question_key, part, repeat_index, value_choice, value_number,
    value_text``."""
    return (
        select(responses.c.id.label("response_id"), responses.c.unit_id,
               PollAnswer.question_key, PollAnswer.part, PollAnswer.repeat_index,
               PollAnswer.value_choice, PollAnswer.value_number, PollAnswer.value_text)
        .join(PollAnswer, PollAnswer.response_id == responses.c.id)
    )
