"""Vietnamese numbers in a phone's Chromium: "1.250" is one thousand two hundred and fifty in
the page, in the database and in the export (issue 9)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.test_survey_form import sign_in
from tests.exported import exported_rows

FIGURES = """\
key: figures
title: {vi: Phụ lục số liệu, en: Figures}
audience: unit_report
layout: single
sections:
  - key: s1
    title: {vi: Số liệu, en: Figures}
    questions:
      - key: members
        type: indicator
        number_type: integer
        min: 0
        required: true
        label: {vi: Số đoàn viên, en: Members}
        unit: {vi: người, en: people}
        baseline_label: {vi: Năm 2008, en: "2008"}
        current_label: {vi: Năm 2017, en: "2017"}
      - key: income
        type: indicator
        label: {vi: Thu nhập bình quân, en: Average income}
        unit: {vi: triệu đồng, en: million VND}
      - key: tel
        type: phone
        max_length: 12
        label: {vi: Số điện thoại liên hệ, en: Phone}
"""


@pytest.fixture
def figures_page(page, live_server, make_user, db):
    from survey_app.registry.services import sync_definition
    from survey_app.surveys.loader import load_definition

    sync_definition(db.session, load_definition(FIGURES), FIGURES)
    db.session.commit()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server, make_user("admin"))
    page.goto(f"{live_server}/surveys/figures/fill")
    page.console_errors = errors
    return page


def error_of(page, field: str) -> str:
    page.locator(f"#f-{field}").blur()
    error = page.locator(f"#f-{field}-err")
    return error.inner_text() if error.count() else ""


def test_1250_is_one_thousand_two_hundred_and_fifty_everywhere(
    figures_page, live_server, db, tmp_path
):
    page = figures_page
    change = page.locator("p.change[data-change-for=members]")
    page.fill("#f-members-baseline", "1.250")
    page.fill("#f-members", "1.500")
    assert change.inner_text() == "Thay đổi: +250 (+20%)"  # was "+0,25" before issue 9
    page.fill("#f-income-baseline", "12,5")
    page.fill("#f-income", "1.250,75")
    assert page.locator("p.change[data-change-for=income]").inner_text() == (
        "Thay đổi: +1.238,25 (+9.906%)"
    )

    # Whole numbers only for a count; an ambiguous 1,250 is never guessed.
    page.fill("#f-members", "1.500,5")
    assert error_of(page, "members") == "Hãy nhập số nguyên, không có phần thập phân."
    page.fill("#f-members", "1,500")
    assert error_of(page, "members") == "Hãy dùng dấu chấm để tách hàng nghìn: 1.500."
    assert change.inner_text() == ""  # nothing computed from a number not read
    page.fill("#f-income", "1,250")
    assert error_of(page, "income") == (
        "“1.250” hay “1,25”? Viết 1.250 nếu là số hàng nghìn, hoặc 1,25 nếu là số thập phân."
    )
    assert page.locator("#f-tel").bounding_box()["height"] >= 44  # a tap target like the rest
    page.fill("#f-tel", "0905 123 456")
    assert error_of(page, "tel") == "Hãy nhập số điện thoại chỉ gồm các chữ số, ví dụ 0905123456."
    page.screenshot(path=str(tmp_path / "errors.png"), full_page=True)

    page.fill("#f-members", "1.500")
    page.fill("#f-income", "1.250,75")
    page.fill("#f-tel", "0905123456")
    assert change.inner_text() == "Thay đổi: +250 (+20%)"
    assert page.locator("p.error").count() == 0
    page.locator("#f-members-q").scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "filled.png"))
    page.get_by_role("button", name="Gửi").click()
    page.wait_for_url(f"{live_server}/surveys/figures/responses/*")

    from survey_app.models import Answer

    db.session.expire_all()
    stored = {(a.question_key, a.part): a for a in db.session.scalars(select(Answer))}
    assert stored[("members", "baseline")].value_number == 1250
    assert stored[("members", None)].value_number == 1500
    assert stored[("income", "baseline")].value_number == 12.5
    assert stored[("income", None)].value_number == 1250.75
    assert stored[("tel", None)].value_text == "0905123456"

    # The stored response page writes them back the Vietnamese way.
    values = page.locator(".answer .value").all_inner_texts()
    assert "Năm 2008: 1.250 · Năm 2017: 1.500 người" in values
    assert "Đầu kỳ: 12,5 · Hiện nay: 1.250,75 triệu đồng" in values
    assert "0905123456" in values
    changes = page.locator(".answer .change").all_inner_texts()
    assert changes == ["Thay đổi: +250 (+20%)", "Thay đổi: +1.238,25 (+9.906%)"]
    page.screenshot(path=str(tmp_path / "response.png"), full_page=True)

    # The export holds real numbers.
    download = page.request.get(f"{live_server}/admin/surveys/figures/responses.xlsx")
    assert download.ok
    (cells,) = exported_rows(download.body())
    assert cells["members.baseline"] == 1250 and cells["members"] == 1500
    assert cells["income.baseline"] == 12.5 and cells["income"] == 1250.75
    assert cells["tel"] == "0905123456"
    assert page.console_errors == []
