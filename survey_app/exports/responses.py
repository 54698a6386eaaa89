"""Responses of a survey as XLSX, written for the people who read them: one sheet per version
(answers given to an older version keep their own questions), headers in the reader's
language, choice labels rather than codes, unit names with their codes in a column of their
own, numbers as numbers and dates as dates (dd/mm/yyyy). A last sheet lists every column's
field name and every choice's code, for whoever needs the codes.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.models.responses import Answer, Response
from survey_app.models.surveys import Survey, SurveyVersion
from survey_app.models.units import Unit
from survey_app.models.users import User
from survey_app.registry.services import definition_of
from survey_app.responses.services import stored_values
from survey_app.surveys.model import BASELINE, Definition, QType, Question
from survey_app.surveys.sheets import safe_row


@dataclass(frozen=True)
class Column:
    name: str  # the field name (see surveys/model.py)
    header: str
    question: Question


def _own_columns(question: Question, locale: str) -> list[tuple[str, str, Question]]:
    """(field name, header, question) of one question that is not a repeat: a matrix has a
    column per row, an indicator two (its baseline, then its current value)."""
    label = question.label.get(locale)
    if question.type is QType.MATRIX:
        return [(row.key, f"{label} – {row.label.get(locale)}", question)
                for row in question.rows]
    if question.type is QType.INDICATOR:
        unit = f" ({question.unit.get(locale)})" if question.unit else ""
        baseline = question.baseline_label.get(locale) if question.baseline_label else ""
        current = question.current_label.get(locale) if question.current_label else ""
        return [(f"{question.key}.{BASELINE}", f"{label} – {baseline}{unit}", question),
                (question.key, f"{label} – {current}{unit}", question)]
    if question.type is QType.NOTE:
        return []
    return [(question.key, label, question)]


def columns(
    definition: Definition, max_rows: dict[str, int], locale: str = "vi"
) -> list[Column]:
    """Every answer field in form order, headed in ``locale``; repeats get one column per
    field of each row actually used (a matrix or an indicator in a repeat included)."""
    out: list[Column] = []
    for question in definition.questions():
        if question.type is not QType.REPEAT:
            out.extend(Column(*column) for column in _own_columns(question, locale))
            continue
        label = question.label.get(locale)
        for i in range(max_rows.get(question.key, 0)):
            for child in question.questions:
                out.extend(
                    Column(f"{question.key}.{i}.{name}", f"{label} [{i + 1}] – {header}", q)
                    for name, header, q in _own_columns(child, locale)
                )
    return out


def export_responses_xlsx(session: Session, survey: Survey, locale: str = "vi") -> bytes:
    """Every response of ``survey``; ``locale`` chooses the language of the survey's texts
    (the headers of the app's own columns follow the request's language)."""
    workbook = Workbook(write_only=True)
    versions = session.scalars(
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey.id)
        .order_by(SurveyVersion.number)
    ).all()
    legend: list[list] = []
    for version in versions:
        _write_version(session, workbook, version, locale, legend)
    if not versions:
        workbook.create_sheet(_("Responses"))
    codes = workbook.create_sheet(_("Codes"))
    codes.append(
        safe_row(codes, [_("Sheet"), _("Column"), _("Field"), _("Code"), _("Label")], bold=True)
    )
    for row in legend:
        codes.append(safe_row(codes, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_version(
    session: Session, workbook: Workbook, version: SurveyVersion, locale: str, legend: list
) -> None:
    definition = definition_of(version)
    responses = session.execute(
        select(Response, Unit.code, Unit.name, User.full_name, User.username)
        .outerjoin(Unit, Unit.id == Response.unit_id)
        .outerjoin(User, User.id == Response.submitted_by_id)
        .where(Response.survey_version_id == version.id)
        .order_by(Response.submitted_on, Response.id)
    ).all()
    answers: dict = defaultdict(list)
    ids = [row[0].id for row in responses]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for answer in session.scalars(
            select(Answer).where(Answer.response_id.in_(chunk)).order_by(Answer.id)
        ):
            answers[answer.response_id].append(answer)
    values = {rid: stored_values(definition, answers[rid]) for rid in ids}
    max_rows: dict[str, int] = {}
    for fields in values.values():
        for name in fields:
            parts = name.split(".")
            if len(parts) >= 3 and parts[1].isdigit():  # repeat.N.child[.baseline]
                max_rows[parts[0]] = max(max_rows.get(parts[0], 0), int(parts[1]) + 1)
    cols = columns(definition, max_rows, locale)
    title = _("Version %(n)d", n=version.number)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "B2"
    fixed = [_("Response ID"), _("Submitted on"), _("Submitted by"), _("Unit"), _("Unit code")]
    for letter, width in zip("ABCDE", (38, 12, 24, 40, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append(safe_row(sheet, [*fixed, *(c.header for c in cols)], bold=True))
    for response, unit_code, unit_name, full_name, username in responses:
        fields = values[response.id]
        row = [
            str(response.id),
            response.submitted_on,
            full_name or username,
            unit_name,
            unit_code,
        ]
        row.extend(_value(c.question, fields.get(c.name), locale) for c in cols)
        sheet.append(safe_row(sheet, row))
    for c in cols:
        legend.append([title, c.header, c.name, None, None])
        legend.extend([title, c.header, c.name, choice.value, choice.label.get(locale)]
                      for choice in c.question.choices)


def _value(question: Question, items: list | None, locale: str):
    """One answer as the reader should see it: a label, a number, a date or the text."""
    if not items:
        return None
    if question.is_choice:
        labels = {c.value: c.label.get(locale) for c in question.choices}
        return "; ".join(labels.get(item, item) for item in items)
    if question.type in (QType.INTEGER, QType.DECIMAL, QType.INDICATOR):
        return items[0]  # stored as a number: a numeric cell, an int when whole
    if question.type is QType.DATE:
        try:
            return date.fromisoformat(items[0])
        except ValueError:
            return items[0]
    return " ".join(str(item) for item in items)
