"""Responses of a survey as XLSX: one sheet per version, each with that version's columns,
so that answers given to an older version keep their own questions."""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.catalog.services import definition_of
from survey_app.models.responses import Answer, Response
from survey_app.models.surveys import Survey, SurveyVersion
from survey_app.models.units import Unit
from survey_app.responses.services import stored_values
from survey_app.surveys.model import BASELINE, Definition, QType
from survey_app.surveys.sheets import safe_row


def columns(definition: Definition, max_rows: dict[str, int]) -> list[tuple[str, str]]:
    """(field name, header) for every answer field, in form order; repeats get one column
    per row actually used."""
    out: list[tuple[str, str]] = []
    for question in definition.questions():
        label = question.label.vi
        if question.type is QType.REPEAT:
            for i in range(max_rows.get(question.key, 0)):
                for child in question.questions:
                    out.append(
                        (f"{question.key}.{i}.{child.key}", f"{label} [{i + 1}] – {child.label.vi}")
                    )
        elif question.type is QType.MATRIX:
            out.extend((row.key, f"{label} – {row.label.vi}") for row in question.rows)
        elif question.type is QType.INDICATOR:
            baseline = question.baseline_label.vi if question.baseline_label else BASELINE
            current = question.current_label.vi if question.current_label else ""
            out.append((f"{question.key}.{BASELINE}", f"{label} – {baseline}"))
            out.append((question.key, f"{label} – {current}"))
        elif question.type is not QType.NOTE:
            out.append((question.key, label))
    return out


def export_responses_xlsx(session: Session, survey: Survey) -> bytes:
    workbook = Workbook(write_only=True)
    versions = session.scalars(
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey.id)
        .order_by(SurveyVersion.number)
    ).all()
    for version in versions:
        _write_version(session, workbook, version)
    if not versions:
        workbook.create_sheet("responses")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_version(session: Session, workbook: Workbook, version: SurveyVersion) -> None:
    definition = definition_of(version)
    responses = session.execute(
        select(Response, Unit.code)
        .outerjoin(Unit, Unit.id == Response.unit_id)
        .where(Response.survey_version_id == version.id)
        .order_by(Response.submitted_on, Response.id)
    ).all()
    answers: dict = defaultdict(list)
    ids = [r.id for r, _ in responses]
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
            if len(parts) == 3 and parts[1].isdigit():
                max_rows[parts[0]] = max(max_rows.get(parts[0], 0), int(parts[1]) + 1)
    cols = columns(definition, max_rows)
    sheet = workbook.create_sheet(f"v{version.number}")
    header = ["response_id", "submitted_on", "unit_code"] + [h for _, h in cols]
    sheet.append(safe_row(sheet, header, bold=True))
    sheet.append(safe_row(sheet, ["", "", ""] + [name for name, _ in cols]))
    for response, unit_code in responses:
        fields = values[response.id]
        row = [str(response.id), response.submitted_on, unit_code or ""]
        for name, _ in cols:
            row.append(_cell(definition, name, fields.get(name)))
        sheet.append(safe_row(sheet, row))


def _cell(definition: Definition, name: str, items: list[str] | None):
    if not items:
        return None
    key = name.split(".")[-1] if name.count(".") == 2 else name.split(".")[0]
    question = definition.question(key)
    if question is not None and question.type in (QType.INTEGER, QType.DECIMAL, QType.INDICATOR):
        try:
            return float(items[0]) if "." in items[0] else int(items[0])
        except ValueError:
            return items[0]
    return " ".join(items)
