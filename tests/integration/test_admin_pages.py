"""Admin pages: add, edit and move units; create, change, reset and disable users."""

import re

from sqlalchemy import select

from survey_app.models import Unit, User
from tests.conftest import csrf_token


def unit(db, code):
    db.session.expire_all()
    return db.session.scalars(select(Unit).where(Unit.code == code)).one_or_none()


def test_admin_adds_a_unit_under_a_district(client, login_as, db):
    login_as("admin")
    token = csrf_token(client, "/admin/units/new")
    response = client.post("/admin/units/new", data={
        "csrf_token": token, "code": "KT-DAKHA-NEW", "name": "CĐCS Trường Tiểu học Mới",
        "kind": "grassroots", "parent_code": "KT-DAKHA"})
    assert response.status_code == 302
    added = unit(db, "KT-DAKHA-NEW")
    assert added.parent_id == unit(db, "KT-DAKHA").id
    tree = client.get("/admin/units?q=Tiểu học Mới").get_data(as_text=True)
    assert "CĐCS Trường Tiểu học Mới" in tree and "LĐLĐ huyện Đắk Hà" in tree


def test_moving_a_unit_checks_kinds_and_cycles(client, login_as, db):
    login_as("admin")
    token = csrf_token(client, "/admin/units/MAU-CDCS-DAKHA01/edit")
    moved = client.post("/admin/units/MAU-CDCS-DAKHA01/edit", data={
        "csrf_token": token, "code": "MAU-CDCS-DAKHA01", "name": "CĐCS Cà phê",
        "kind": "grassroots", "parent_code": "KT-SATHAY"})
    assert moved.status_code == 302
    assert unit(db, "MAU-CDCS-DAKHA01").parent_id == unit(db, "KT-SATHAY").id
    wrong_kind = client.post("/admin/units/KT-SATHAY/edit", data={
        "csrf_token": token, "code": "KT-SATHAY", "name": "LĐLĐ huyện Sa Thầy",
        "kind": "district", "parent_code": "KT-DAKHA"})
    assert wrong_kind.status_code == 200
    assert "không thể trực thuộc" in wrong_kind.get_data(as_text=True)
    cycle = client.post("/admin/units/KT/edit", data={
        "csrf_token": token, "code": "KT", "name": "Liên đoàn Lao động tỉnh Kon Tum",
        "kind": "province", "parent_code": "KT-SATHAY"})
    assert cycle.status_code == 200
    assert unit(db, "KT").parent_id == unit(db, "VGCL").id


def test_admin_manages_users(client, login_as, db, app):
    admin = login_as("admin")
    token = csrf_token(client, "/admin/users/new")
    created = client.post("/admin/users/new", data={
        "csrf_token": token, "username": "lan", "full_name": "Nguyễn Thị Lan",
        "role": "reporter", "unit_code": "KT-DAKHA", "department_code": "",
        "password": "mat-khau-123", "confirm": "mat-khau-123"})
    assert created.status_code == 302
    user = db.session.scalars(select(User).where(User.username == "lan")).one()
    other = app.test_client()
    assert other.post("/login", data={"username": "lan", "password": "mat-khau-123",
                                      "csrf_token": csrf_token(other)}).status_code == 302

    changed = client.post(f"/admin/users/{user.id}/edit", data={
        "csrf_token": token, "full_name": "Nguyễn Thị Lan", "role": "inspector",
        "unit_code": "", "department_code": "", "is_active": ""})
    assert changed.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.role == "inspector" and not user.is_active
    assert other.get("/").status_code == 302  # disabled: signed out

    reset = client.post(f"/admin/users/{user.id}/password", data={
        "csrf_token": token, "password": "mat-khau-moi-1", "confirm": "mat-khau-moi-1"})
    assert reset.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("mat-khau-moi-1")

    self_demote = client.post(f"/admin/users/{admin.id}/edit", data={
        "csrf_token": token, "full_name": "", "role": "office", "unit_code": "",
        "department_code": "", "is_active": "y"})
    assert "không thể tự bỏ quyền quản trị" in self_demote.get_data(as_text=True)


def test_new_passwords_must_match_and_be_long_enough(client, login_as, db, make_user):
    login_as("admin")
    token = csrf_token(client, "/admin/users/new")
    mismatch = client.post("/admin/users/new", data={
        "csrf_token": token, "username": "binh", "full_name": "", "role": "reporter",
        "unit_code": "KT-DAKHA", "department_code": "",
        "password": "mat-khau-123", "confirm": "mat-khau-124"})
    assert mismatch.status_code == 200
    assert "Hai lần nhập mật khẩu không khớp." in mismatch.get_data(as_text=True)
    assert db.session.scalars(select(User).where(User.username == "binh")).first() is None

    user = make_user("reporter")  # of KT-DAKHA
    page = client.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="KT-DAKHA"|<option[^>]*value="KT-DAKHA"'
                     r'[^>]*selected', page)
    short = client.post(f"/admin/users/{user.id}/password", data={
        "csrf_token": token, "password": "ngan", "confirm": "ngan"})
    assert short.status_code == 400
    html = short.get_data(as_text=True)
    assert "Nhập lại mật khẩu" in html and "Mật khẩu mới" in html
    assert re.search(r'<option[^>]*selected[^>]*value="KT-DAKHA"|<option[^>]*value="KT-DAKHA"'
                     r'[^>]*selected', html)  # the account form beside it still shows the unit
    db.session.expire_all()
    assert not db.session.get(User, user.id).check_password("ngan")
