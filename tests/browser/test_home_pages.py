"""Each role's home page and the list of responses on a 360 px phone: every tile reachable
with a thumb, nothing wider than the screen, and the list paged and filtered by unit."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from survey_app.registry.services import sync_surveys
from tests.browser.conftest import PHONE, has_horizontal_scroll, small_tap_targets
from tests.conftest import PASSWORD, PROJECT_SURVEYS
from tests.factories import add_responses

INSPECTION = "Phiếu kiểm tra kết quả thực hiện Nghị quyết số 20-NQ/TW tại đơn vị"
REPORT = "Báo cáo tổng kết 10 năm thực hiện Nghị quyết số 20-NQ/TW và phụ lục số liệu"

# The tiles' headings each role sees, in order, and how many tiles it has.
GROUPS = {
    "admin": (["Phiếu cần điền", "Phiếu đã gửi và kết quả", "Danh mục và thiết lập"], 9),
    "office": (["Phiếu cần điền", "Phiếu đã gửi và kết quả", "Danh mục và thiết lập"], 8),
    "reviewer": (["Phiếu đã gửi và kết quả", "Danh mục và thiết lập"], 4),
    "organization": (["Phiếu đã gửi và kết quả", "Danh mục và thiết lập"], 4),
    # an inspector's own visits come first (issue 11), with or without a campaign
    "inspector": (["Kiểm tra", "Phiếu cần điền"], 2),
    "reporter": (["Phiếu cần điền"], 1),
}


@pytest.fixture
def shipped(db, kontum):
    sync_surveys(db.session, PROJECT_SURVEYS)
    db.session.commit()


def sign_in(page, live_server, user):
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    # an inspector starts on their own visits (issue 11); the home page is one tap away
    page.wait_for_url(lambda url: url in (f"{live_server}/", f"{live_server}/visits"))
    if page.url != f"{live_server}/":
        page.goto(f"{live_server}/")


@pytest.mark.parametrize("role", list(GROUPS))
def test_home_page_fits_a_phone_for_each_role(page, live_server, make_user, shipped, role,
                                              tmp_path):
    sign_in(page, live_server, make_user(role, full_name="Trần Văn Bình"))
    headings, tiles = GROUPS[role]
    assert page.locator(".tile-group h2").all_inner_texts() == headings
    assert page.locator("a.tile").count() == tiles
    assert not has_horizontal_scroll(page)
    assert small_tap_targets(page) == []
    page.screenshot(path=tmp_path / f"home-{role}.png", full_page=True)
    page.set_viewport_size({"width": 320, "height": 640})
    assert not has_horizontal_scroll(page)
    page.set_viewport_size(PHONE)
    # the first tile leads to the work it names
    first = page.locator("a.tile").first
    title = first.locator("strong").inner_text()
    first.click()
    expect(page.locator("h1")).to_contain_text(title)


def test_inspector_is_offered_the_checklist_and_reporter_the_unit_report(
        page, live_server, make_user, shipped, browser_context_args):
    sign_in(page, live_server, make_user("inspector"))
    expect(page.locator("a.tile strong")).to_have_text(["Lịch kiểm tra của tôi", INSPECTION])
    # the reporter on a phone of their own: not the inspector's, whose service worker is
    # still keeping the inspector's pages
    other = page.context.browser.new_context(**browser_context_args)
    try:
        reporter_page = other.new_page()
        sign_in(reporter_page, live_server, make_user("reporter"))
        expect(reporter_page.locator("a.tile strong")).to_have_text([REPORT])
    finally:
        other.close()


def test_reviewer_reaches_responses_by_unit_and_pages_them_on_a_phone(page, live_server, db,
                                                                       make_user, shipped,
                                                                       tmp_path):
    from survey_app.registry.services import get_survey

    survey = get_survey(db.session, "inspection_2017")
    inspector = make_user("inspector", full_name="Nguyễn Thị Hoa")
    add_responses(db, survey, "MAU-CDCS-TPKT01", 30, by=inspector)
    add_responses(db, survey, "KT-DAKHA", 5, by=inspector)
    sign_in(page, live_server, make_user("reviewer"))
    page.locator("a.tile", has_text="Phiếu kiểm tra").click()
    expect(page.locator(".meta[role=status]")).to_have_text("Phiếu 1–25 trên tổng số 35")
    assert not has_horizontal_scroll(page)
    assert small_tap_targets(page) == []
    page.screenshot(path=tmp_path / "responses.png", full_page=True)
    page.set_viewport_size({"width": 320, "height": 640})
    assert not has_horizontal_scroll(page)
    assert small_tap_targets(page) == []
    page.screenshot(path=tmp_path / "responses-320.png")
    page.set_viewport_size(PHONE)

    page.get_by_label("Đơn vị (gồm cả các đơn vị trực thuộc)").select_option("KT-TPKT")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator(".meta[role=status]")).to_have_text(
        "Phiếu 1–25 trên tổng số 30 · LĐLĐ thành phố Kon Tum")
    page.get_by_role("link", name="Trang sau").click()
    expect(page.locator(".meta[role=status]")).to_have_text(
        "Phiếu 26–30 trên tổng số 30 · LĐLĐ thành phố Kon Tum")
    expect(page.locator(".response-list li")).to_have_count(5)
    assert not has_horizontal_scroll(page)
    page.screenshot(path=tmp_path / "responses-page2.png", full_page=True)

    page.locator(".response-list a").first.click()
    expect(page.locator("h1")).to_have_text(INSPECTION)
