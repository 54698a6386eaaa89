"""Safer defaults (issue 9, item 7): a new account's role is chosen, not defaulted; closing
a poll link is confirmed and says what it did; a new poll link names no unit until one is
chosen; every page has an icon and /favicon.ico answers."""

import re

import pytest
from sqlalchemy import func, select

from survey_app.models import PollLink, User
from survey_app.polls import services
from survey_app.registry.services import sync_definition
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


def test_closing_a_poll_link_is_confirmed_and_says_what_it_did(client, login_as, worker_poll,
                                                               db):
    link = services.create_link(db.session, worker_poll, "MAU-CDCS-TPKT01")
    db.session.commit()
    login_as("office")
    listing = client.get("/admin/polls").get_data(as_text=True)
    # the list offers a link to the confirmation, not a button that closes at once
    assert f'<a class="button" href="/admin/polls/{link.id}/close">Đóng</a>' in listing

    confirm = client.get(f"/admin/polls/{link.id}/close")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Đóng đường dẫn phiếu ý kiến này?" in html
    assert "CĐCS Công ty TNHH May mặc Kon Tum (mẫu)" in html and f"/p/{link.token}" in html
    assert "sẽ thấy phiếu đã đóng" in html
    assert re.search(rf'<form method="post" action="/admin/polls/{link.id}/close"', html)
    db.session.expire_all()
    assert not db.session.get(PollLink, link.id).is_closed  # asking changes nothing
    assert client.get(f"/p/{link.token}").status_code == 200

    done = client.post(f"/admin/polls/{link.id}/close",
                       data={"csrf_token": csrf_token(client, f"/admin/polls/{link.id}/close")},
                       follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Đã đóng đường dẫn phiếu ý kiến của CĐCS Công ty TNHH May mặc Kon Tum (mẫu)" in text
    assert "người lao động mở đường dẫn hoặc quét mã QR sẽ thấy trang báo phiếu đã đóng" in text
    db.session.expire_all()
    assert db.session.get(PollLink, link.id).is_closed
    assert client.get(f"/p/{link.token}").status_code == 410

    reopened = client.post(f"/admin/polls/{link.id}/reopen",
                           data={"csrf_token": csrf_token(client, "/admin/polls")},
                           follow_redirects=True)
    assert "Đã mở lại đường dẫn phiếu ý kiến" in reopened.get_data(as_text=True)
    assert client.get(f"/p/{link.token}").status_code == 200


def test_closing_needs_the_form_token(client, login_as, worker_poll, db):
    link = services.create_link(db.session, worker_poll, "MAU-CDCS-TPKT01")
    db.session.commit()
    login_as("office")
    assert client.post(f"/admin/polls/{link.id}/close").status_code == 400
    db.session.expire_all()
    assert not db.session.get(PollLink, link.id).is_closed


def test_favicon_answers_and_every_page_links_an_icon(client, login_as):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "max-age=604800" in icon.headers["Cache-Control"]
    login_page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico" sizes="48x48">' in login_page
    touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', login_page).group(1)
    png = client.get(touch)
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    # every page, signed in or not: tests/browser/test_every_page.py
