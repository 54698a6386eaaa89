"""Searching as Vietnamese is typed on a phone, in Chromium: the unit tree's live filter
and the unit picker of the account form find "Đắk Hà" from "dak ha" (issue 9, item 6)."""

from playwright.sync_api import expect
from sqlalchemy import select

from survey_app.models import User
from tests.browser.test_phone_layout import sign_in


def test_tree_filter_matches_without_accents(page, live_server, make_user):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, make_user("admin"))
    page.goto(f"{live_server}/admin/units")
    page.get_by_placeholder("Tìm theo tên hoặc mã").fill("dak ha")
    expect(page.get_by_text("LĐLĐ huyện Đắk Hà")).to_be_visible()
    expect(page.get_by_text("CĐCS Công ty Cà phê Đắk Hà (mẫu)")).to_be_visible()
    assert not page.get_by_text("LĐLĐ huyện Sa Thầy").is_visible()
    # the edit links ("Sửa") and kind badges are not searched: only names and codes
    page.get_by_placeholder("Tìm theo tên hoặc mã").fill("sua")
    assert not page.get_by_text("LĐLĐ huyện Đắk Hà").is_visible()
    page.get_by_placeholder("Tìm theo tên hoặc mã").fill("kt-sathay")
    expect(page.get_by_text("LĐLĐ huyện Sa Thầy")).to_be_visible()
    assert not page.get_by_text("LĐLĐ huyện Đắk Hà").is_visible()
    assert errors == []


def test_unit_picker_finds_dak_ha_and_the_account_is_saved_with_it(page, live_server,
                                                                    make_user, db):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, make_user("admin"))
    page.goto(f"{live_server}/admin/users/new")
    unit = page.get_by_label("Đơn vị", exact=True)
    assert unit.input_value() == ""
    search = page.get_by_role("searchbox", name="Tìm đơn vị")
    assert search.get_attribute("placeholder") == "Tìm theo tên hoặc mã"
    search.fill("dak ha")
    labels = [t.strip() for t in unit.locator("option").all_text_contents()]
    assert labels == ["— không —", "Tổng Liên đoàn Lao động Việt Nam",
                      "Liên đoàn Lao động tỉnh Kon Tum", "LĐLĐ huyện Đắk Hà",
                      "CĐCS Công ty Cà phê Đắk Hà (mẫu)"]
    expect(page.get_by_text("2 đơn vị khớp.")).to_be_visible()
    assert unit.input_value() == ""  # nothing chosen for the admin
    search.fill("ha noi")
    expect(page.get_by_text("Không có đơn vị nào khớp.")).to_be_visible()
    search.fill("dak ha")
    search.press("Enter")  # looks, does not send the form
    assert page.url.endswith("/admin/users/new")
    unit.select_option("KT-DAKHA")
    search.fill("sa thay")  # the chosen unit stays chosen while searching again
    assert unit.input_value() == "KT-DAKHA"

    page.get_by_label("Tên đăng nhập").fill("lan")
    page.get_by_label("Vai trò").select_option("reporter")
    page.get_by_label("Mật khẩu", exact=True).fill("mat-khau-123")
    page.get_by_label("Nhập lại mật khẩu").fill("mat-khau-123")
    page.get_by_role("button", name="Tạo tài khoản").click()
    page.wait_for_url(f"{live_server}/admin/users")
    db.session.expire_all()
    user = db.session.scalars(select(User).where(User.username == "lan")).one()
    assert user.unit.code == "KT-DAKHA"
    assert errors == []
