"""Every stored response of every survey opens: answers that take every branch of each
definition (tests/branches.py) are submitted through the real form and their page is read.

The surveys are the files in surveys/ and in tests/fixtures/surveys/, found at run time, so
a new survey is covered without touching this file.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from flask import render_template_string
from markupsafe import escape

from survey_app.localtime import local_today
from survey_app.models import Answer
from survey_app.registry.services import sync_definition
from survey_app.responses.services import stored_values
from survey_app.surveys.loader import load_file
from survey_app.surveys.model import Audience, Definition, Question
from survey_app.surveys.numbers import format_number
from survey_app.surveys.validation import AnswerValue
from tests.branches import AnswerSet, answer_sets, branches
from tests.conftest import PROJECT_SURVEYS, csrf_token

FIXTURE_SURVEYS = Path(__file__).resolve().parent.parent / "fixtures" / "surveys"
SURVEY_FILES = sorted([*PROJECT_SURVEYS.glob("*.yaml"), *FIXTURE_SURVEYS.glob("*.yaml")])


def test_every_shipped_survey_and_the_all_types_fixture_are_walked():
    names = {path.stem for path in SURVEY_FILES}
    assert {"inspection_2017", "unit_report_2017", "worker_poll_2017", "all_types"} <= names


def _question_of(definition: Definition, key: str) -> Question:
    for question in definition.all_questions():
        if question.key == key or any(row.key == key for row in question.rows):
            return question
    raise AssertionError(f"no question {key}")


def _shown(definition: Definition, answer: AnswerValue) -> str:
    """How the stored-response page writes one answer (HTML-escaped)."""
    if answer.kind == "choice":
        question = _question_of(definition, answer.question_key)
        label = next(c.label for c in question.choices if c.value == answer.value)
        return str(escape(label.get("vi")))
    if answer.kind == "number":
        if _question_of(definition, answer.question_key).is_year:
            return str(int(answer.value))
        return format_number(answer.value)
    if answer.kind == "date":
        return answer.value.strftime("%d/%m/%Y")
    return str(escape(answer.value))


def _check_page(definition: Definition, answers: AnswerSet, html: str) -> None:
    for answer in answers.result.answers:
        assert _shown(definition, answer) in html, (answer, answers.covers)
    # what was typed into questions the answers hid is not stored, so not shown
    for name, values in answers.form.items():
        if name not in answers.result.values:
            for value in values:
                if value.startswith("Đáp án "):
                    assert str(escape(value)) not in html, (name, answers.covers)


def _load(db, path: Path) -> Definition:
    definition = load_file(path)
    sync_definition(db.session, definition, path.read_text(encoding="utf-8"))
    db.session.commit()
    return definition


@pytest.mark.parametrize("path", SURVEY_FILES, ids=[p.stem for p in SURVEY_FILES])
def test_every_branch_of_every_survey_is_stored_and_opens(path, app, client, login_as, db):
    definition = _load(db, path)
    sets = answer_sets(definition, today=local_today())
    covered = set().union(*(s.covers for s in sets))
    assert covered == set(branches(definition))
    if definition.audience is Audience.WORKER_POLL:
        _check_poll(app, db, definition, sets)
        return
    # the role that fills surveys of this audience (an inspector the checklists, a reporter
    # the unit reports)
    login_as("inspector" if definition.audience is Audience.INSPECTION else "reporter")
    for answers in sets:
        data = {
            "csrf_token": csrf_token(client, f"/surveys/{definition.key}/fill"),
            "_response_id": str(uuid.uuid4()),
            **answers.form,
        }
        posted = client.post(f"/surveys/{definition.key}/fill", data=data)
        assert posted.status_code == 303, (answers.covers, posted.get_data(as_text=True)[-3000:])
        page = client.get(posted.headers["Location"])
        assert page.status_code == 200, answers.covers
        _check_page(definition, answers, page.get_data(as_text=True))


def _check_poll(app, db, definition: Definition, sets: list[AnswerSet]) -> None:
    """Poll answers have no page of their own (only suppressed totals): each set is sent
    through a printed link, and the stored-response macro is rendered with its answers."""
    from survey_app.polls.services import create_link

    link = create_link(db.session, definition.key, "KT-DAKHA")
    db.session.commit()
    for answers in sets:
        worker = app.test_client()
        page = worker.get(f"/p/{link.token}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        posted = worker.post(f"/p/{link.token}", data={"csrf_token": token, **answers.form})
        assert posted.status_code == 303, (answers.covers, posted.get_data(as_text=True)[-3000:])
        rows = [
            Answer(question_key=a.question_key, repeat_index=a.repeat_index, part=a.part,
                   **{f"value_{a.kind}": a.value})
            for a in answers.result.answers
        ]
        with app.test_request_context():
            html = render_template_string(
                '{% from "macros/answers.html" import response_view with context %}'
                "{{ response_view(definition, values) }}",
                definition=definition,
                values=stored_values(definition, rows),
            )
        _check_page(definition, answers, html)
