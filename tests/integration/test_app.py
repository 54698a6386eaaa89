"""The application shell: health check, error pages, security headers, language switch."""

import re

import pytest
import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from survey_app.access import access
from survey_app.errors import ERROR_TITLES, UserError
from survey_app.models.base import utcnow
from tests.conftest import csrf_token


def test_healthz_answers_ok_when_database_takes_a_write(client, db):
    from survey_app.models import Heartbeat

    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "up"}
    beat = db.session.get(Heartbeat, 1)
    assert beat is not None and (utcnow() - beat.beat_at).total_seconds() < 60


def test_healthz_answers_503_when_database_is_down(tmp_path):
    """A server that refuses connections (tests/integration/test_database_failures.py has
    deleted and read-only databases)."""
    from survey_app import create_app
    from survey_app.config import Settings

    down = create_app(Settings(
        instance_path=tmp_path, secret_key="k" * 40, testing=True, healthz_reuse_seconds=0,
        database_url="postgresql+psycopg://nobody:secret@127.0.0.1:9/none?connect_timeout=2"))
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "down"}


def test_unknown_page_is_a_vietnamese_404_without_trace(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Không tìm thấy trang" in html
    assert "Traceback" not in html
    assert 'href="/"' in html


def test_wrong_method_is_405_page(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert "Thao tác này không được phép" in response.get_data(as_text=True)


def test_too_large_upload_is_413_page(app, client):
    original = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 100
    try:
        response = client.post("/login", data={"username": "x" * 500})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = original
    assert response.status_code == 413
    assert "quá lớn" in response.get_data(as_text=True)


def test_unexpected_error_is_a_500_page_without_trace(app, client):
    from survey_app.access import access

    @access(public=True)
    def explode():
        raise RuntimeError("secret internals")

    app.view_functions["main.healthz"], original = explode, app.view_functions["main.healthz"]
    try:
        response = client.get("/healthz", headers={"Accept": "text/html"})
    finally:
        app.view_functions["main.healthz"] = original
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "secret internals" not in html and "Traceback" not in html
    assert "Đã có lỗi" in html


def test_security_headers_on_every_response(client):
    for path in ("/login", "/healthz", "/nowhere"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"


def test_static_files_carry_nosniff_but_not_the_document_headers(client):
    """A script or style sheet is governed by the page's policy; repeating the document
    headers on each file costs a worker's phone 0.4 KB a file on the poll page."""
    response = client.get("/static/css/app.css")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers
    for name in ("Content-Disposition", "Last-Modified", "Accept-Ranges"):
        assert name not in response.headers
    # revalidated by its ETag: unchanged, nothing is sent again
    again = client.get("/static/css/app.css", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_pages_have_no_inline_script_or_style(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html and " onclick=" not in html


def test_session_cookie_is_httponly_lax_and_secure_over_https(client, make_user):
    user = make_user("admin")
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"username": user.username, "password": "mat-khau-thu-nghiem", "csrf_token": token},
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    https = client.application.test_client()
    page = https.get("/login", base_url="https://localhost")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = https.post(
        "/login",
        base_url="https://localhost",
        data={"username": user.username, "password": "mat-khau-thu-nghiem", "csrf_token": token},
        headers={"Referer": "https://localhost/login"},
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_vietnamese_by_default_and_english_switch_is_remembered(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in html and "Đăng nhập" in html
    token = csrf_token(client)
    response = client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html and "Sign in" in html
    html = client.get("/nowhere").get_data(as_text=True)
    assert "Page not found" in html


def test_language_switch_never_redirects_off_site(client):
    token = csrf_token(client)
    response = client.post(
        "/language", data={"lang": "vi", "next": "//evil.example/", "csrf_token": token}
    )
    assert response.headers["Location"] == "/login"


def test_post_without_csrf_token_is_refused(client, make_user):
    user = make_user("admin")
    response = client.post(
        "/login", data={"username": user.username, "password": "mat-khau-thu-nghiem"}
    )
    assert response.status_code == 400
    assert "hết hạn" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


class _Conflict(UserError):
    status = 409


FAILURES = {
    **{status: (lambda status=status: abort(status)) for status in ERROR_TITLES if status != 500},
    500: lambda: (_ for _ in ()).throw(RuntimeError("secret internals")),
    "csrf": lambda: (_ for _ in ()).throw(CSRFError()),
    "user": lambda: (_ for _ in ()).throw(_Conflict("Số phiếu này đã thuộc về phiếu khác.")),
}
EXPECTED_STATUS = {"csrf": 400, "user": 409}


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
@pytest.mark.parametrize("failure", list(FAILURES), ids=str)
def test_error_pages_roll_back_a_failed_write_first(app, client, login_as, failure, accept):
    """The view's write failed (the session needs a rollback) and then it fails: the error
    page, which reads the signed-in user, is the Vietnamese one for every status."""
    from survey_app.extensions import db
    from survey_app.models import User

    login_as("admin")

    @access(public=True)
    def failing_write():
        current_user.full_name = "Tên mới"  # a change the failed flush takes back
        db.session.add(User(username="x"))  # no password or role: refused at flush
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        FAILURES[failure]()

    app.view_functions["main.healthz"], original = failing_write, app.view_functions["main.healthz"]
    try:
        response = client.get("/healthz", headers={"Accept": accept})
    finally:
        app.view_functions["main.healthz"] = original
    status = EXPECTED_STATUS.get(failure, failure)
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body
    if accept == "application/json":
        assert response.json["status"] == status
        title = response.json["error"]
    else:
        assert '<html lang="vi">' in body and "Đăng xuất" in body  # drawn for the user
        title = re.search(r"<h1>(.*?)</h1>", body).group(1)
    assert title == str(ERROR_TITLES[status if status in ERROR_TITLES else 400])
    assert re.search("[ạảãàáâậầấẩẫăắằặẳẵđêềếệểễôồốộổỗơờớợởỡưừứựửữìíịỉĩùúụủũ]", title)
    if failure == "user":
        shown = response.json["message"] if accept == "application/json" else body
        assert "Số phiếu này đã thuộc về phiếu khác." in shown


def test_deeply_nested_json_is_a_400_not_a_500(client, login_as, sample_survey):
    login_as("inspector")
    token = csrf_token(client, "/surveys/sample_check/fill")
    depth = 100_000
    response = client.post(
        "/api/surveys/sample_check/responses",
        data="[" * depth + "]" * depth,
        content_type="application/json",
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "JSON" in response.json["error"]
    nested_answers = '{"id": "5b0d8f0e-4a52-4a37-9f3a-2f5b3c1d9e70", "answers": ' + (
        '{"a":' * depth + "1" + "}" * depth) + "}"
    response = client.post(
        "/api/surveys/sample_check/responses", data=nested_answers,
        content_type="application/json",
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 400
