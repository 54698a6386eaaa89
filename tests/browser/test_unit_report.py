"""A unit's report on a 360 px phone, as issue 11 tells it: a grassroots reporter fills in
the report, attaches the signed PDF and sends it; the district returns it with a reason; the
grassroots reporter reads the reason, corrects and sends again; the district sees the
corrected report, and the Office's dashboard counts it. Every page on the way is measured
and photographed."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey_app.models import ReportAttachment, Unit, UnitReport
from tests.browser.conftest import PHONE, layout_problems
from tests.conftest import PASSWORD
from tests.integration.test_reports import minimal_pdf

REASON = "Số đoàn viên năm 2017 chưa khớp với sổ theo dõi: đề nghị kiểm tra lại."


@pytest.fixture
def on_time(monkeypatch):
    """The pages' clock on 04/10/2017, the day before the grassroots deadline."""
    import survey_app.localtime
    import survey_app.reports.views

    day = date(2017, 10, 4)
    monkeypatch.setattr(survey_app.reports.views, "local_today", lambda: day)
    monkeypatch.setattr(survey_app.localtime, "local_today", lambda: day)


def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def sign_in(page, live_server, username):
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server}/")


def measured(page, shots, name):
    """No broken word, nothing wider than the phone, every control a thumb's size."""
    page.screenshot(path=shots / f"{name}.png", full_page=True)
    assert layout_problems(page, PHONE["width"]) == [], name


def field(page, name):
    return page.locator(f'[name="{name}"]')


def choose(page, name, value):
    page.locator(f'input[name="{name}"][value="{value}"]').check()


def next_page(page):
    page.get_by_role("button", name="Tiếp theo").click()


def fill_report(page, members: str):
    """Every page of the unit report, Next by Next, as a person on a phone fills it."""
    expect(page.locator(".progress-text")).to_contain_text("1")
    field(page, "nguoi_lap").fill("Nguyễn Văn A, Chủ tịch CĐCS")
    field(page, "dien_thoai").fill("0905123456")
    choose(page, "hinh_thuc_tong_ket", "hoi_nghi_tong_ket")
    field(page, "ngay_hoi_nghi").fill("2017-09-28")
    choose(page, "lay_y_kien", "no")
    next_page(page)  # 1.1: nothing required
    next_page(page)  # 1.2: the figures the resolution is judged by
    field(page, "a12_ind_doan_vien.baseline").fill("100")
    field(page, "a12_ind_doan_vien").fill(members)
    field(page, "a12_ind_cdcs.baseline").fill("4")
    field(page, "a12_ind_cdcs").fill("5")
    next_page(page)  # 1.3
    next_page(page)  # 1.4
    next_page(page)  # new models
    choose(page, "co_mo_hinh", "no")
    next_page(page)  # lessons and directions
    field(page, "kl_bai_hoc").fill("Phải bám sát cơ sở, lắng nghe người lao động.")
    field(page, "kl_dinh_huong").fill("Tiếp tục phát triển đoàn viên khu vực ngoài nhà nước.")


def last_page(page):
    while page.get_by_role("button", name="Tiếp theo").is_visible():
        next_page(page)


def report_of(db, code) -> UnitReport:
    db.session.expire_all()
    unit_id = db.session.scalar(select(Unit.id).where(Unit.code == code))
    return db.session.scalars(select(UnitReport).where(UnitReport.unit_id == unit_id)).one()


def test_report_sent_returned_corrected_and_seen_again(browser, live_server, db, nq20,
                                                      make_user, on_time, tmp_path):
    make_user("reporter", username="cdcs", unit_code="MAU-CDCS-DAKHA01")
    make_user("reporter", username="huyen", unit_code="KT-DAKHA", full_name="Trần Thị Huyện")
    make_user("office", username="vanphong")
    shots = tmp_path

    # --- the grassroots union writes its report
    cdcs = phone(browser)
    sign_in(cdcs, live_server, "cdcs")
    tile = cdcs.locator("a.tile", has_text="Báo cáo của đơn vị")
    expect(tile).to_contain_text("Chưa bắt đầu · còn 1 ngày")
    tile.click()
    expect(cdcs.locator("h1")).to_have_text("Báo cáo của đơn vị")
    expect(cdcs.locator(".report-state")).to_contain_text("05/10/2017")
    measured(cdcs, shots, "1-own-report")

    cdcs.set_input_files("#document", files=[{
        "name": "Báo cáo tổng kết đã ký.pdf", "mimeType": "application/pdf",
        "buffer": minimal_pdf()}])
    # no signal: the page stays and says why, the file still chosen (never the browser's
    # error page in place of the report)
    cdcs.context.set_offline(True)
    here = cdcs.url
    cdcs.get_by_role("button", name="Tải tệp lên").click()
    expect(cdcs.locator("form.upload .offline-refusal")).to_have_text(
        "Không có mạng: việc này cần có mạng. Hãy thử lại khi có sóng.")
    assert cdcs.url == here
    assert cdcs.evaluate("document.getElementById('document').files.length") == 1
    cdcs.context.set_offline(False)
    cdcs.get_by_role("button", name="Tải tệp lên").click()
    expect(cdcs.locator(".flash-success")).to_contain_text("Báo cáo tổng kết đã ký.pdf")
    expect(cdcs.locator(".attachments")).to_contain_text("Báo cáo tổng kết đã ký.pdf")

    # half the first page, kept on the server: the page comes back with it, no "restored"
    field(cdcs, "nguoi_lap").fill("Nguyễn Văn A, Chủ tịch CĐCS")
    cdcs.get_by_role("button", name="Lưu nháp").click()
    expect(cdcs.locator(".flash-success")).to_contain_text("Đã lưu bản nháp")
    expect(field(cdcs, "nguoi_lap")).to_have_value("Nguyễn Văn A, Chủ tịch CĐCS")
    expect(cdcs.locator(".draft-notice")).to_have_count(0)
    assert report_of(db, "MAU-CDCS-DAKHA01").draft["nguoi_lap"] == ["Nguyễn Văn A, Chủ tịch CĐCS"]

    fill_report(cdcs, "125")
    measured(cdcs, shots, "2-last-page")
    cdcs.get_by_role("button", name="Gửi báo cáo").click()
    expect(cdcs.locator(".report-state")).to_contain_text("Đã gửi đúng hạn")
    expect(cdcs.locator(".attachments")).to_contain_text("Báo cáo tổng kết đã ký.pdf")
    measured(cdcs, shots, "3-sent")
    first = report_of(db, "MAU-CDCS-DAKHA01")
    assert first.state == "submitted" and first.first_submitted_on == date(2017, 10, 4)
    first_id = first.response_id

    # --- the district federation reads it and returns it with a reason
    huyen = phone(browser)
    sign_in(huyen, live_server, "huyen")
    huyen.locator("a.tile", has_text="Báo cáo của đơn vị trực thuộc").click()
    expect(huyen.locator("h1")).to_have_text("Báo cáo của đơn vị trực thuộc")
    measured(huyen, shots, "4-units-reports")
    huyen.get_by_role("link", name="CĐCS Công ty Cà phê Đắk Hà (mẫu)").click()
    expect(huyen.locator("h1")).to_have_text("CĐCS Công ty Cà phê Đắk Hà (mẫu)")
    expect(huyen.locator("main")).to_contain_text("Năm 2008: 100 · Năm 2017: 125")
    with huyen.expect_download() as download:
        huyen.get_by_role("link", name="Báo cáo tổng kết đã ký.pdf").click()
    assert download.value.suggested_filename == "Báo cáo tổng kết đã ký.pdf"
    measured(huyen, shots, "5-unit-report-read")
    huyen.get_by_role("link", name="Trả lại để chỉnh sửa").click()
    huyen.get_by_label("Lý do: đơn vị cần chỉnh sửa những gì?").fill(REASON)
    huyen.locator("#return").get_by_role("button", name="Trả lại để chỉnh sửa").click()
    expect(huyen.locator(".report-state")).to_contain_text("Bị trả lại để chỉnh sửa")
    expect(huyen.locator("#history")).to_contain_text(REASON)

    # --- the grassroots union sees why, corrects and sends again
    cdcs.goto(f"{live_server}/")
    expect(cdcs.locator("a.tile", has_text="Báo cáo của đơn vị")).to_contain_text(
        "Bị trả lại để chỉnh sửa")
    cdcs.locator("a.tile", has_text="Báo cáo của đơn vị").click()
    reason = cdcs.locator(".returned-reason")
    expect(reason).to_contain_text(REASON)
    expect(reason).to_contain_text("Trần Thị Huyện")
    measured(cdcs, shots, "6-returned")
    expect(field(cdcs, "nguoi_lap")).to_have_value("Nguyễn Văn A, Chủ tịch CĐCS")
    next_page(cdcs)
    next_page(cdcs)
    expect(field(cdcs, "a12_ind_doan_vien")).to_have_value("125")  # the answers sent before
    field(cdcs, "a12_ind_doan_vien").fill("132")
    last_page(cdcs)
    cdcs.get_by_role("button", name="Gửi báo cáo").click()
    expect(cdcs.locator(".report-state")).to_contain_text("Đã gửi đúng hạn")
    expect(cdcs.locator("#history")).to_contain_text("Gửi lại sau khi chỉnh sửa")
    assert report_of(db, "MAU-CDCS-DAKHA01").response_id != first_id

    # --- the district sees the corrected report, and every step of it
    huyen.reload()
    expect(huyen.locator(".report-state")).to_contain_text("Đã gửi đúng hạn")
    expect(huyen.locator("main")).to_contain_text("Năm 2008: 100 · Năm 2017: 132")
    history = huyen.locator("#history li")
    expect(history).to_have_count(4)  # attached, sent, returned, sent again
    expect(history.nth(2)).to_contain_text(REASON)
    measured(huyen, shots, "7-corrected")
    assert db.session.scalar(select(ReportAttachment.original_name)) == \
        "Báo cáo tổng kết đã ký.pdf"

    # --- the Office's dashboard shows it sent on time, among every unit expected
    office = phone(browser)
    sign_in(office, live_server, "vanphong")
    office.locator("a.tile", has_text="Tình hình nộp báo cáo").click()
    expect(office.locator("h1")).to_have_text("Tình hình nộp báo cáo")
    expect(office.locator(".figures .headline")).to_contain_text("Đã nộp 1 / 28 báo cáo")
    office.get_by_label("Tình trạng").select_option("submitted")
    office.get_by_role("button", name="Xem").click()
    cards = office.locator(".report-list li")
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text("CĐCS Công ty Cà phê Đắk Hà (mẫu)")
    expect(cards).to_contain_text("Đã gửi đúng hạn")
    expect(cards).to_contain_text("gửi ngày 04/10/2017")
    measured(office, shots, "8-office-dashboard")
    cards.get_by_role("link").click()
    expect(office.locator("#history li")).to_have_count(4)
    assert cdcs.errors == [] and huyen.errors == [] and office.errors == []


def test_upper_level_fills_its_figures_from_its_units_on_a_phone(browser, live_server, db, nq20,
                                                                  make_user, on_time, tmp_path):
    from tests.integration.test_reports import ANSWERS, send

    send(db, nq20, make_user("reporter", unit_code="MAU-CDCS-DAKHA01"), "MAU-CDCS-DAKHA01",
         answers={**ANSWERS, "a12_ind_doan_vien": "1250"})
    make_user("reporter", username="huyen", unit_code="KT-DAKHA")
    page = phone(browser)
    sign_in(page, live_server, "huyen")
    page.goto(f"{live_server}/campaigns/nq20_2017/report")
    field(page, "nguoi_lap").fill("Trần Thị Huyện")  # typed, not yet kept anywhere
    page.get_by_role("button", name="Điền số liệu từ báo cáo của đơn vị trực thuộc").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã điền 4 số liệu")
    # the form opens on the part with the figures, filled; nothing typed was lost
    expect(field(page, "a12_ind_doan_vien")).to_be_visible()
    expect(field(page, "a12_ind_doan_vien")).to_have_value("1.250")
    expect(field(page, "a12_ind_doan_vien.baseline")).to_have_value("100")
    expect(page.locator("#f-a12_ind_doan_vien-q .field-note")).to_have_text(
        "1 / 1 đơn vị đã báo cáo · tổng của các đơn vị: 100 → 1.250")
    expect(field(page, "a12_ind_cdcs")).to_have_value("5")
    expect(page.locator(".draft-notice")).to_have_count(0)
    measured(page, tmp_path, "prefilled")
    page.get_by_role("button", name="Quay lại").click()
    page.get_by_role("button", name="Quay lại").click()
    expect(field(page, "nguoi_lap")).to_have_value("Trần Thị Huyện")
    page.reload()  # the phone's draft now holds the figures too
    expect(field(page, "nguoi_lap")).to_have_value("Trần Thị Huyện")
    assert page.errors == []
