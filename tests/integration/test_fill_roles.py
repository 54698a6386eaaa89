"""Each role fills in its own kind of staff survey: inspectors the inspection checklists, a
unit's reporter its unit report, the Office and administrators either."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from survey_app.models import Response
from survey_app.registry.services import sync_definition
from survey_app.surveys.loader import load_definition
from tests.conftest import SAMPLE_SURVEY, csrf_token

REPORT = SAMPLE_SURVEY.replace("key: sample_check", "key: sample_report").replace(
    "audience: inspection", "audience: unit_report")
ANSWERS = {"has_union": "yes", "members": "120", "level": "low"}


@pytest.fixture
def both(db, sample_survey):
    sync_definition(db.session, load_definition(REPORT), REPORT)
    db.session.commit()


def stored(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Response))


@pytest.mark.parametrize(("role", "inspection", "report"), [
    ("admin", 200, 200), ("office", 200, 200), ("inspector", 200, 403), ("reporter", 403, 200),
    ("reviewer", 403, 403), ("organization", 403, 403),
])
def test_each_role_opens_only_the_forms_it_fills(client, login_as, both, role, inspection,
                                                 report):
    login_as(role)
    assert client.get("/surveys/sample_check/fill").status_code == inspection
    assert client.get("/surveys/sample_report/fill").status_code == report


def test_a_reporter_cannot_send_an_inspection_checklist(client, login_as, both, db):
    login_as("reporter")
    page = client.get("/surveys/sample_check/fill")
    assert "Phiếu này dành cho vai trò khác" in page.get_data(as_text=True)
    token = csrf_token(client, "/surveys/sample_report/fill")
    response = client.post("/surveys/sample_check/fill", data={
        "csrf_token": token, "_response_id": str(uuid.uuid4()), **ANSWERS})
    assert response.status_code == 403
    response = client.post("/api/surveys/sample_check/responses",
                           json={"id": str(uuid.uuid4()), "answers": ANSWERS},
                           headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 403 and "vai trò khác" in response.get_json()["message"]
    assert stored(db) == 0


def test_an_inspector_cannot_send_a_unit_report(client, login_as, both, db):
    login_as("inspector")
    token = csrf_token(client, "/surveys/sample_check/fill")
    response = client.post("/api/surveys/sample_report/responses",
                           json={"id": str(uuid.uuid4()), "answers": ANSWERS},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 403
    response = client.post("/api/surveys/sample_check/responses",
                           json={"id": str(uuid.uuid4()), "answers": ANSWERS},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert stored(db) == 1
