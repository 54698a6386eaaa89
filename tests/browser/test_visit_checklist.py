"""An inspector's visit on a 360 px phone (issue 11, items 2 and 6): signed in from the
front page they land on "Lịch kiểm tra của tôi", open a visit, fill and send its checklist
by script (send.js), and the visit page says who sent it and when; a draft saved on the
server carries over to a team mate; the Office builds the plan at 320 px."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from survey_app.fieldwork import services
from survey_app.models import InspectionVisit, Response
from tests.browser.conftest import layout_problems
from tests.conftest import PASSWORD


def sign_in_from_the_front_page(page, live_server, user) -> None:
    page.goto(f"{live_server}/")  # the front page sends a stranger to sign in
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def choose(page, question: str, label: str) -> None:
    page.locator(f"#f-{question}-q label.choice", has_text=label).first.click()


def next_page(page) -> None:
    page.get_by_role("button", name="Tiếp theo").click()


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@pytest.fixture
def visit(db, nq20, make_user):
    leader = make_user("inspector", username="to-truong", full_name="Nguyễn Văn An")
    member = make_user("inspector", username="thanh-vien", full_name="Trần Thị Bình")
    services.create_team(db.session, nq20, "Đoàn kiểm tra số 1", leader.username,
                         [member.username])
    visit = services.add_visit(db.session, nq20, "KT-DAKHA", "Đoàn kiểm tra số 1",
                               date(2017, 9, 12))
    db.session.commit()
    visit.people = {"leader": leader, "member": member}
    return visit


def test_an_inspector_lands_on_their_visits_and_sends_the_checklist(
        page, live_server, db, nq20, visit, tmp_path):
    errors = watch_errors(page)
    member = visit.people["member"]
    sign_in_from_the_front_page(page, live_server, member)
    page.wait_for_url(f"{live_server}/visits")
    expect(page.locator("h1")).to_have_text("Lịch kiểm tra của tôi")
    expect(page.locator(".notices")).to_contain_text(
        "Đoàn kiểm tra số 1 (đoàn của bạn) được giao kiểm tra LĐLĐ huyện Đắk Hà ngày 12/09/2017.")
    assert layout_problems(page, 360) == []
    page.screenshot(path=tmp_path / "visits.png", full_page=True)

    page.locator(".visit-list a", has_text="LĐLĐ huyện Đắk Hà").click()
    page.wait_for_url(f"{live_server}/visits/{visit.id}")
    expect(page.locator("h1")).to_have_text("LĐLĐ huyện Đắk Hà")
    expect(page.locator("dl.facts")).to_contain_text("12/09/2017")
    expect(page.locator("dl.facts")).to_contain_text("Nguyễn Văn An")
    page.get_by_role("link", name="Mở phiếu kiểm tra").click()
    page.wait_for_url(f"{live_server}/visits/{visit.id}/checklist")
    expect(page.locator(".visit-of")).to_contain_text("LĐLĐ huyện Đắk Hà")
    response_id = page.input_value("input[name=_response_id]")

    # one section a page, as on the phone
    page.fill("#f-visit_date", "2017-09-12")
    choose(page, "unit_kind", "LĐLĐ huyện, thành phố")
    choose(page, "review_status", "Đã tổ chức")
    next_page(page)
    choose(page, "a11_quan_triet", "Không")
    choose(page, "a11_muc_do", "Khá")
    next_page(page)
    choose(page, "a12_muc_do", "Khá")
    next_page(page)
    choose(page, "a13_thoa_uoc", "Không")
    choose(page, "a13_muc_do", "Trung bình")
    next_page(page)
    choose(page, "a14_muc_do", "Tốt")
    next_page(page)
    choose(page, "kl_muc_do", "Khá")
    assert layout_problems(page, 360) == []
    page.screenshot(path=tmp_path / "checklist-last-page.png")
    page.get_by_role("button", name="Gửi", exact=True).click()

    page.wait_for_url(f"{live_server}/visits/{visit.id}")
    expect(page.locator(".flash-success")).to_contain_text("câu trả lời của bạn đã được lưu")
    expect(page.locator(".sent-by")).to_have_text(
        re.compile(r"^Trần Thị Bình đã gửi lúc \d\d/\d\d/\d{4} \d\d:\d\d\.$"))
    expect(page.locator("dl.facts")).to_contain_text("Đã gửi phiếu")
    page.screenshot(path=tmp_path / "visit-sent.png", full_page=True)
    # the draft on the phone has served
    assert page.evaluate("() => Object.keys(localStorage)"
                         ".filter(k => k.startsWith('survey-draft:'))") == []

    db.session.rollback()
    [response] = db.session.scalars(sa.select(Response)).all()
    assert str(response.id) == response_id
    assert (response.visit_id, response.campaign_id, response.unit_id,
            response.submitted_by_id) == (visit.id, nq20.id, visit.unit_id, member.id)
    assert db.session.get(InspectionVisit, visit.id).status == "done"
    assert errors == []


def test_the_leader_sees_who_sent_it(page, live_server, db, nq20, visit):
    from tests.integration.test_fieldwork_pages import send_checklist

    send_checklist(db, visit, visit.people["member"])
    sign_in_from_the_front_page(page, live_server, visit.people["leader"])
    page.wait_for_url(f"{live_server}/visits")
    page.locator(".visit-list a", has_text="LĐLĐ huyện Đắk Hà").click()
    expect(page.locator(".sent-by")).to_contain_text("Trần Thị Bình đã gửi lúc")
    page.get_by_role("link", name="Xem phiếu đã gửi").click()
    expect(page.locator(".sent-by")).to_contain_text("Trần Thị Bình đã gửi lúc")
    assert page.locator("form.survey").count() == 0


def test_a_draft_saved_on_the_server_carries_over_to_a_team_mate(
        browser, live_server, db, nq20, visit):
    def phone():
        context = browser.new_context(viewport={"width": 360, "height": 740},
                                      is_mobile=True, has_touch=True, locale="vi-VN")
        return context, context.new_page()

    first_context, first = phone()
    errors = watch_errors(first)
    sign_in_from_the_front_page(first, live_server, visit.people["member"])
    first.wait_for_url(f"{live_server}/visits")
    first.goto(f"{live_server}/visits/{visit.id}/checklist")
    first.fill("#f-visit_date", "2017-09-12")
    choose(first, "unit_kind", "LĐLĐ huyện, thành phố")
    # an unfinished form is saved as it is: nothing is checked, nothing is sent
    first.get_by_role("button", name="Lưu nháp").click()
    first.wait_for_url(f"{live_server}/visits/{visit.id}/checklist")
    expect(first.locator(".flash-success")).to_contain_text("Đã lưu nháp")
    expect(first.locator(".banner")).to_contain_text("Trần Thị Bình")
    db.session.rollback()
    assert db.session.scalars(sa.select(Response)).all() == []
    assert db.session.get(InspectionVisit, visit.id).draft["unit_kind"] == ["ldld_huyen"]

    second_context, second = phone()
    sign_in_from_the_front_page(second, live_server, visit.people["leader"])
    second.wait_for_url(f"{live_server}/visits")
    second.goto(f"{live_server}/visits/{visit.id}/checklist")
    assert second.input_value("#f-visit_date") == "2017-09-12"
    assert second.locator("#f-unit_kind-q input[value=ldld_huyen]").is_checked()
    choose(second, "unit_kind", "Công đoàn ngành")
    second.get_by_role("button", name="Lưu nháp").click()
    expect(second.locator(".flash-success")).to_contain_text("Đã lưu nháp")

    # the first phone still holds its own older draft: the team mate's newer one wins
    first.goto(f"{live_server}/visits/{visit.id}/checklist")
    assert first.locator("#f-unit_kind-q input[value=cd_nganh]").is_checked()
    assert first.locator(".draft-notice").count() == 0
    # what is typed on top of it stays on the phone across a reload
    choose(first, "review_status", "Đã tổ chức")
    first.wait_for_timeout(600)  # the draft is written 400 ms after the last change
    first.reload()
    assert first.locator("#f-review_status-q input[value=da_xong]").is_checked()
    assert first.locator("#f-unit_kind-q input[value=cd_nganh]").is_checked()
    assert errors == []
    first_context.close()
    second_context.close()


def test_office_builds_the_plan_on_a_small_phone(page, live_server, db, nq20, make_user,
                                                 tmp_path):
    errors = watch_errors(page)
    make_user("inspector", username="to-truong", full_name="Nguyễn Văn An")
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in_from_the_front_page(page, live_server, make_user("office"))
    page.wait_for_url(f"{live_server}/")
    page.get_by_role("link", name=re.compile("Kế hoạch kiểm tra")).click()
    page.wait_for_url(f"{live_server}/campaigns/nq20_2017/plan")
    expect(page.locator("li.quota.unmet")).to_have_count(4)

    page.get_by_label("Tên đoàn").fill("Đoàn kiểm tra số 1")
    page.get_by_label("Trưởng đoàn", exact=True).select_option("to-truong")
    page.get_by_role("button", name="Tạo đoàn").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã tạo đoàn “Đoàn kiểm tra số 1”.")

    # with a team and no visit yet, the form to add one is open
    page.get_by_role("searchbox", name="Tìm đơn vị").fill("dak ha")
    page.get_by_label("Đơn vị được kiểm tra").select_option("KT-DAKHA")
    page.get_by_label("Đoàn kiểm tra", exact=True).select_option("Đoàn kiểm tra số 1")
    day = page.get_by_label("Ngày kiểm tra")
    assert (day.get_attribute("min"), day.get_attribute("max")) == ("2017-09-01", "2017-09-30")
    day.fill("2017-09-14")
    page.get_by_role("button", name="Thêm cuộc kiểm tra").click()
    expect(page.locator(".flash-success")).to_contain_text("LĐLĐ huyện Đắk Hà")
    expect(page.locator(".visit-list")).to_contain_text("14/09/2017")
    expect(page.locator("li.quota.unmet").first).to_contain_text("1 / ít nhất 3")

    page.get_by_role("button", name="Chốt kế hoạch").click()
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("LĐLĐ huyện, thành phố: 1 / ít nhất 3 (còn thiếu 2)")
    assert layout_problems(page, 320) == []
    page.screenshot(path=tmp_path / "plan-refused-320.png", full_page=True)
    # the refusal's own 409 is no script error
    assert [e for e in errors if "status of 409" not in e] == []
