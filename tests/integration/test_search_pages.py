"""Search as Vietnamese is typed on phones (issue 9, item 6): the unit tree, the user list
and every unit picker match without diacritics and with d for đ."""

import re

from sqlalchemy import select

from survey_app.accounts.services import search_users
from survey_app.models import Unit, User
from survey_app.units import services as units
from tests.conftest import csrf_token


def names(tree) -> list[str]:
    out = []

    def walk(nodes):
        for node in nodes:
            if node.matches:
                out.append(node.unit.name)
            walk(node.children)

    walk(tree)
    return out


def test_unit_tree_finds_dak_ha_without_accents(db, kontum):
    assert names(units.unit_tree(db.session, "dak ha")) == [
        "LĐLĐ huyện Đắk Hà", "CĐCS Công ty Cà phê Đắk Hà (mẫu)"]
    assert names(units.unit_tree(db.session, "ĐẮK HÀ")) == names(
        units.unit_tree(db.session, "dak ha"))
    assert names(units.unit_tree(db.session, "ha dak cdcs")) == ["CĐCS Công ty Cà phê Đắk Hà (mẫu)"]
    assert names(units.unit_tree(db.session, "kt-sathay")) == ["LĐLĐ huyện Sa Thầy"]
    assert names(units.unit_tree(db.session, "%")) == []


def test_units_page_searches_without_accents(client, login_as):
    login_as("office")
    html = client.get("/admin/units?q=dak+ha").get_data(as_text=True)
    assert "LĐLĐ huyện Đắk Hà" in html and "LĐLĐ huyện Sa Thầy" not in html
    # each unit carries its folded text, for the live filter (unit-tree.js)
    assert 'data-search="ldld huyen dak ha kt-dakha"' in html


def test_search_text_follows_every_change(client, login_as, db):
    login_as("admin")
    token = csrf_token(client, "/admin/units/KT-DAKHA/edit")
    client.post("/admin/units/KT-DAKHA/edit", data={
        "csrf_token": token, "code": "KT-DAKHA", "name": "LĐLĐ huyện Đắk Hà Mới",
        "kind": "district", "parent_code": "KT"})
    db.session.expire_all()
    unit = db.session.scalars(select(Unit).where(Unit.code == "KT-DAKHA")).one()
    assert unit.search_text == "ldld huyen dak ha moi kt-dakha"
    assert names(units.unit_tree(db.session, "ha moi")) == ["LĐLĐ huyện Đắk Hà Mới"]


def test_user_list_finds_names_usernames_and_units_without_accents(client, login_as, make_user,
                                                                   db):
    login_as("admin")
    duc = make_user("inspector", "duc.nv", full_name="Nguyễn Văn Đức")
    lan = make_user("reporter", "lan", full_name="Trần Thị Lan", unit_code="KT-DAKHA")
    make_user("reporter", "hoa", full_name="Lê Thị Hoa", unit_code="KT-SATHAY")

    def found(query):
        return {u.username for u in search_users(db.session, query).users}

    assert found("duc") == {"duc.nv"}
    assert found("nguyen van đuc") == {"duc.nv"}
    assert found("dak ha") == {"lan"}
    assert found("thi") == {"lan", "hoa"}
    assert found("thi sa thay") == {"hoa"}
    assert found("kt-sathay") == {"hoa"}
    assert found("%") == set() and found("_") == set()

    html = client.get("/admin/users?q=dak+ha").get_data(as_text=True)
    assert "lan" in html and "duc.nv" not in html and "1 người dùng khớp với" in html
    db.session.expire_all()
    assert db.session.get(User, duc.id).search_text == "duc.nv nguyen van duc"

    # renamed: found by the new name only
    token = csrf_token(client, f"/admin/users/{lan.id}/edit")
    client.post(f"/admin/users/{lan.id}/edit", data={
        "csrf_token": token, "full_name": "Đặng Thị Lan", "role": "reporter",
        "unit_code": "KT-DAKHA", "department_code": "", "is_active": "y"})
    assert found("dang thi lan") == {"lan"} and found("tran") == set()


def test_user_list_is_paged(client, login_as, make_user, db):
    login_as("admin")
    for i in range(55):
        make_user("inspector", f"kiem-tra-{i:02d}")
    first = search_users(db.session, "kiem tra")
    assert (first.total, first.pages, len(first.users)) == (55, 2, 50)
    second = search_users(db.session, "kiem tra", page=2)
    assert [u.username for u in second.users] == [f"kiem-tra-{i}" for i in range(50, 55)]
    assert search_users(db.session, "kiem tra", page=99).page == 2
    html = client.get("/admin/users?q=kiem+tra&page=2").get_data(as_text=True)
    assert "Trang 2/2" in html and "kiem-tra-54" in html and "kiem-tra-00" not in html
    assert 'href="/admin/users?q=kiem+tra&amp;page=1"' in html


def test_every_unit_picker_is_searchable(client, login_as, make_user, db):
    login_as("admin")
    user = make_user("reporter")
    for path in ("/admin/users/new", f"/admin/users/{user.id}/edit", "/admin/units/new",
                 "/admin/units/KT-DAKHA/edit", "/admin/polls"):
        html = client.get(path).get_data(as_text=True)
        select_tag = re.search(r"<select[^>]*data-unit-picker[^>]*>", html)
        assert select_tag, path
        assert 'data-placeholder="Tìm theo tên hoặc mã"' in (
            select_tag.group(0)), path
        [option] = re.findall(r'<option[^>]*value="KT-SATHAY"[^>]*>', html)
        assert 'data-search="ldld huyen sa thay kt-sathay"' in option, path
        assert 'data-depth="2"' in option, path
        assert "js/unit-picker.js" in html, path
