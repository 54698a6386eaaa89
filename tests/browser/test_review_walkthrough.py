"""Issue 13 tried as a new user would, on a 360 px phone: a reviewer of area 1.3 reads the
results and the appendix rolled up by district, writes a finding tied to its evidence and
submits it; Ban Tổ chức approves one and returns one with a reason; the department corrects
it; the sign-off page shows what still blocks; the report prints on A4.

Set SCREENSHOT_DIR to keep a screenshot of each page (and the printed PDF) for a person to
look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from survey_app.models import Finding
from tests.browser.conftest import has_horizontal_scroll, small_tap_targets
from tests.browser.test_phone_layout import sign_in
from tests.review_demo import populate

SHOTS = os.environ.get("SCREENSHOT_DIR")


def small_targets_shown(page) -> list[str]:
    """``small_tap_targets``, leaving out what a closed <details> keeps out of sight (Chromium
    lays it out with no height instead of taking it out of the page) and checkboxes whose
    label is the 44 px target."""
    hidden = set(page.evaluate("""() => [...document.querySelectorAll('details:not([open])')]
        .flatMap(d => [...d.querySelectorAll('a, button, input, select, summary')]
        .filter(el => el.closest('summary') === null || el.closest('details') !== d))
        .map(el => el.outerHTML.slice(0, 80))"""))
    # a checkbox is tapped through its label: the label is what must be 44 px tall
    hidden |= set(page.evaluate("""() => [...document.querySelectorAll(
        'label > input[type=checkbox], label > input[type=radio]')]
        .filter(el => el.parentElement.getBoundingClientRect().height >= 44)
        .map(el => el.outerHTML.slice(0, 80))"""))
    return [html for html in small_tap_targets(page) if html not in hidden]


def look(page, name: str) -> None:
    """Every review page fits the phone: no sideways scroll, tap targets of 44 px."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
    assert not has_horizontal_scroll(page), name
    small = small_targets_shown(page)
    assert small == [], (name, small)


def sign_out(page, live_server) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{live_server}/login**")


@pytest.fixture
def review(db, nq20, make_user):
    return populate(db, nq20, make_user)


def test_a_review_from_results_to_the_printed_report(page, live_server, db, review, tmp_path):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    base = f"{live_server}/campaigns/nq20_2017"
    sign_in(page, live_server, review["cspl"])

    page.goto(f"{base}/review")
    expect(page.get_by_role("heading", name="Kết quả và phụ lục số liệu")).to_be_visible()
    chart = page.locator("svg#c-a13_thoa_uoc")
    assert chart.get_attribute("role") == "img" and chart.bounding_box()["width"] <= 330
    look(page, "review-results")
    page.get_by_text("Theo từng đơn vị thuộc").first.click()
    expect(page.get_by_role("link", name="LĐLĐ huyện Đắk Hà").first).to_be_visible()
    page.get_by_label("Đơn vị (gồm cả các đơn vị trực thuộc)").select_option("KT-DAKHA")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_text("2 phiếu của 2 đơn vị.")).to_be_visible()
    page.get_by_role("link", name="Phụ lục số liệu").click()
    expect(page.get_by_text("đã gửi báo cáo của mình")).to_be_visible()
    look(page, "review-appendix-district")
    page.goto(f"{base}/review?tab=appendix&area=1.3")
    look(page, "review-appendix")
    page.goto(f"{base}/review?survey=worker_poll&unit=KT-TPKT&area=1.3")
    look(page, "review-poll-district")

    # a finding from the appendix, with its evidence ticked already
    page.goto(f"{base}/review?tab=appendix&area=1.3")
    page.locator("#i-a13_ind_mai_am").get_by_role("link", name="Viết nhận định").click()
    assert page.locator('input[value="indicator:a13_ind_mai_am"]').is_checked()
    page.get_by_label("Loại").select_option("solution")
    page.get_by_label("Nhận định", exact=True).fill(
        "Tiếp tục vận động xây nhà “Mái ấm Công đoàn”, ưu tiên công nhân ở huyện nghèo.")
    look(page, "findings-new")
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.get_by_text("Tiếp tục vận động").first).to_be_visible()
    expect(page.get_by_text("3 → 11")).to_be_visible()  # the indicator's figures beside it
    page.get_by_role("button", name="Lưu và gửi duyệt").click()
    expect(page.get_by_text("Đã lưu và gửi duyệt nhận định.")).to_be_visible()
    look(page, "finding-submitted")
    sign_out(page, live_server)

    # Ban Tổ chức approves it and returns the cause with a reason
    sign_in(page, live_server, review["org"])
    page.goto(f"{base}/findings?status=submitted")
    look(page, "findings-to-decide")
    solution = db.session.scalars(sa.select(Finding).where(Finding.kind == "solution")).one()
    cause = db.session.scalars(sa.select(Finding).where(Finding.kind == "cause")).one()
    page.goto(f"{base}/findings/{solution.id}")
    page.get_by_role("button", name="Duyệt").click()
    expect(page.get_by_text("Đã duyệt nhận định.")).to_be_visible()
    page.goto(f"{base}/findings/{cause.id}")
    page.get_by_role("button", name="Trả lại cho ban").click()  # no reason: the browser asks
    assert page.url.endswith(f"/findings/{cause.id}")
    page.get_by_label("Lý do trả lại (bắt buộc)").fill("Cần nêu số cán bộ đã được tập huấn.")
    page.get_by_role("button", name="Trả lại cho ban").click()
    expect(page.get_by_text("Ban Tổ chức trả lại: Cần nêu số cán bộ")).to_be_visible()
    look(page, "finding-returned")
    sign_out(page, live_server)

    # the department corrects it and submits it again
    sign_in(page, live_server, review["cspl"])
    page.goto(f"{base}/findings/{cause.id}")
    page.get_by_label("Nhận định", exact=True).fill(
        "Năm 2017 mới có 12/45 cán bộ công đoàn cơ sở được tập huấn kỹ năng thương lượng.")
    page.get_by_role("button", name="Lưu và gửi duyệt").click()
    # the page after the POST (the history already held "Đã gửi duyệt" before it)
    expect(page.get_by_text("Đã lưu và gửi duyệt nhận định.")).to_be_visible()
    expect(page.get_by_text("Đã gửi duyệt").first).to_be_visible()
    assert page.get_by_text("Nội dung lúc đó").count() >= 2  # every version kept

    page.goto(f"{base}/signoff")
    area = page.locator("section.signoff", has_text="1.3.")
    expect(area.get_by_text("chưa được duyệt")).to_be_visible()
    expect(area.get_by_text("Chưa có nhận định:")).to_be_visible()
    look(page, "signoff")

    page.goto(f"{base}/report/1.3")
    expect(page.get_by_text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")).to_be_visible()
    expect(page.get_by_text("DỰ THẢO", exact=True)).to_be_visible()
    look(page, "report")
    pdf = tmp_path / "report.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4", print_background=True)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(
        b"/Type /Page>") + data.count(b"/Type /Page/") >= 2
    # printed: the document only, none of the app around it
    expect(page.locator(".document")).to_be_visible()
    expect(page.locator(".doc-appendix")).to_be_visible()
    for chrome in ("header.top", "footer.foot", ".no-print", ".review-nav"):
        assert not page.locator(chrome).first.is_visible(), chrome
    page.emulate_media(media="screen")
    if SHOTS:
        pdf.replace(Path(SHOTS) / "report.pdf")
    with page.expect_download() as download:
        page.goto(f"{base}/signoff")
        page.locator("section.signoff", has_text="1.3.").get_by_role(
            "link", name="Tải tệp Word (DOCX)").click()
    assert download.value.suggested_filename.endswith("-du-thao.docx")
    page.goto(f"{live_server}/campaigns/nq20_2017")
    expect(page.get_by_role("link", name="Kết quả và phụ lục số liệu")).to_be_visible()
    assert errors == []


def test_the_audit_page_fits_a_phone(page, live_server, db, review, make_user):
    sign_in(page, live_server, make_user("admin"))
    page.goto(f"{live_server}/admin/audit?action=finding.")
    expect(page.locator("ol.audit").get_by_text("finding.returned").first).to_be_visible()
    look(page, "audit")
