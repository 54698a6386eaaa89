"""Safer defaults (issue 9, item 7): a new account's role is chosen, not defaulted; a new
poll link names no unit until one is chosen."""

import re

import pytest
from sqlalchemy import func, select

from survey_app.catalog.services import sync_definition
from survey_app.models import PollLink, User
from survey_app.surveys.loader import load_definition
from tests.conftest import PROJECT_SURVEYS, csrf_token


def selected_options(html: str, select_id: str) -> list[str]:
    body = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option[^>]*\bselected\b[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"'
                      r'[^>]*\bselected\b', body)


def first_option(html: str, select_id: str) -> str:
    body = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.search(r"<option[^>]*>[^<]*</option>", body).group(0)


def test_a_new_account_has_no_role_until_one_is_chosen(client, login_as, db):
    login_as("admin")
    html = client.get("/admin/users/new").get_data(as_text=True)
    assert first_option(html, "role") == '<option value="">— Chọn vai trò —</option>'
    assert selected_options(html, "role") == []
    users = db.session.scalar(select(func.count()).select_from(User))

    refused = client.post("/admin/users/new", data={
        "csrf_token": csrf_token(client, "/admin/users/new"), "username": "minh",
        "full_name": "Phạm Minh", "role": "", "unit_code": "", "department_code": "",
        "password": "mat-khau-123", "confirm": "mat-khau-123"})
    assert refused.status_code == 200
    assert "Hãy chọn vai trò cho tài khoản mới." in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == users

    missing = client.post("/admin/users/new", data={
        "csrf_token": csrf_token(client, "/admin/users/new"), "username": "minh",
        "password": "mat-khau-123", "confirm": "mat-khau-123"})
    assert "Hãy chọn vai trò cho tài khoản mới." in missing.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == users


@pytest.fixture
def worker_poll(db, kontum):
    text = (PROJECT_SURVEYS / "worker_poll_2017.yaml").read_text(encoding="utf-8")
    sync_definition(db.session, load_definition(text, expected_key="worker_poll_2017"), text)
    db.session.commit()
    return "worker_poll_2017"


def test_a_new_poll_link_names_no_unit_until_one_is_chosen(client, login_as, worker_poll, db):
    login_as("office")
    html = client.get("/admin/polls").get_data(as_text=True)
    assert first_option(html, "unit") == '<option value="">— Chọn đơn vị —</option>'
    assert selected_options(html, "unit") == []

    token = csrf_token(client, "/admin/polls")
    refused = client.post("/admin/polls", data={"csrf_token": token, "survey": worker_poll,
                                                "unit": ""}, follow_redirects=True)
    assert "Hãy chọn đơn vị sẽ dùng đường dẫn phiếu ý kiến này." in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PollLink)) == 0

    made = client.post("/admin/polls", data={"csrf_token": token, "survey": worker_poll,
                                             "unit": "KT-DAKHA"}, follow_redirects=True)
    assert "LĐLĐ huyện Đắk Hà" in made.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PollLink)) == 1
