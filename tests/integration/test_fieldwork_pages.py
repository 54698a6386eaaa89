"""The inspection pages (issue 11, item 2): the Office's plan page, an inspector's visits,
a visit's page and its checklist, and who may reach which visit."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from survey_app.fieldwork import services
from survey_app.models import (
    Answer,
    InspectionTeam,
    InspectionVisit,
    Notification,
    Response,
    Unit,
)
from tests.conftest import csrf_token

FULL = ["KT-TPKT", "KT-DAKHA", "KT-DAKTO", "MAU-NGANH-GD", "MAU-CDCS-TT01", "MAU-TW-DIENLUC",
        "MAU-TW-BUUDIEN"]

#: The required answers of the shipped inspection checklist (inspection_2017).
CHECKLIST = {
    "visit_date": "2017-09-12",
    "unit_kind": "ldld_huyen",
    "review_status": "da_xong",
    "a11_quan_triet": "no",
    "a11_muc_do": "3",
    "a12_muc_do": "3",
    "a13_thoa_uoc": "no",
    "a13_muc_do": "2",
    "a14_muc_do": "4",
    "kl_muc_do": "3",
}


def text(response) -> str:
    return response.get_data(as_text=True)


def count(db, column) -> int:
    return db.session.scalar(select(func.count(column)))


@pytest.fixture
def people(make_user):
    return {
        "leader": make_user("inspector", username="to-truong", full_name="Nguyễn Văn An"),
        "member": make_user("inspector", username="thanh-vien", full_name="Trần Thị Bình"),
        "other": make_user("inspector", username="doan-khac", full_name="Lê Văn Cường"),
    }


@pytest.fixture
def teams(db, nq20, people):
    services.create_team(db.session, nq20, "Đoàn 1", "to-truong", ["thanh-vien"])
    services.create_team(db.session, nq20, "Đoàn 2", "doan-khac")
    db.session.commit()


def plan(db, campaign, codes, team="Đoàn 1", day=date(2017, 9, 12)) -> list[InspectionVisit]:
    visits = [services.add_visit(db.session, campaign, code, team, day) for code in codes]
    db.session.commit()
    return visits


def post(client, url, data=None, **kwargs):
    return client.post(url, data={"csrf_token": csrf_token(client, "/"), **(data or {})},
                       **kwargs)


# ---- the plan page -----------------------------------------------------------------------


@pytest.fixture
def office(login_as):
    return login_as("office")


def test_plan_page_lists_rules_teams_and_visits(db, nq20, teams, client, office):
    plan(db, nq20, FULL[1:3])
    # the draft of one visit, to show its state
    visit = db.session.scalars(select(InspectionVisit)).first()
    visit.draft = {"unit_kind": ["ldld_huyen"]}
    db.session.commit()
    response = client.get("/campaigns/nq20_2017/plan")
    assert response.status_code == 200
    page = text(response)
    rules = re.findall(r'<li class="quota( unmet)?">\s*<span class="quota-label">([^<]+)</span>'
                       r': <span class="quota-count">([^<]+)</span>', page)
    assert rules == [
        (" unmet", "LĐLĐ huyện, thành phố", "2 / ít nhất 3"),
        (" unmet", "Công đoàn ngành", "0 / ít nhất 1"),
        (" unmet", "CĐCS trực thuộc LĐLĐ tỉnh", "0 / ít nhất 1"),
        (" unmet", "Công đoàn ngành Trung ương", "0 / ít nhất 2"),
    ]
    assert "còn thiếu 1" in page
    # teams with leader and members; visits with unit, team, day and checklist state
    assert "Trưởng đoàn: Nguyễn Văn An" in page and "Thành viên: Trần Thị Bình" in page
    assert "LĐLĐ huyện Đắk Hà" in page and "12/09/2017" in page
    assert "Đã lưu nháp" in page and "Chưa có phiếu" in page
    # the day input is bounded by the inspection window
    assert re.search(r'<input id="visit_date" max="2017-09-30" min="2017-09-01" '
                     r'name="visit_date" required type="date" value="">', page)
    # the unit select is the searchable picker; leaders and members are active inspectors
    assert "data-unit-picker" in page
    assert '<option value="to-truong">Nguyễn Văn An (to-truong)</option>' in page


def test_plan_rule_met_is_not_highlighted(db, nq20, teams, client, office):
    plan(db, nq20, FULL[:3])
    page = text(client.get("/campaigns/nq20_2017/plan"))
    assert re.search(r'<li class="quota">\s*<span class="quota-label">LĐLĐ huyện, thành phố'
                     r'</span>: <span class="quota-count">3 / ít nhất 3</span>', page)


def test_office_creates_a_team(db, nq20, people, client, office):
    response = post(client, "/campaigns/nq20_2017/plan/teams",
                    {"name": "Đoàn 3", "leader": "to-truong", "members": ["thanh-vien"]})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/campaigns/nq20_2017/plan#teams")
    team = db.session.scalars(select(InspectionTeam)).one()
    assert team.name == "Đoàn 3" and team.leader.username == "to-truong"
    assert [u.username for u in team.members] == ["thanh-vien", "to-truong"]
    assert "Đã tạo đoàn “Đoàn 3”." in text(client.get("/campaigns/nq20_2017/plan"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "leader": "to-truong"}, "Hãy đặt tên cho đoàn."),
        ({"name": "Đoàn 9", "leader": ""}, "Chọn trưởng đoàn."),
        ({"name": "Đoàn 1", "leader": "to-truong"}, "Đã có đoàn tên"),
        # someone else's username typed into the form: not an active inspector
        ({"name": "Đoàn 9", "leader": "van-phong"}, "không hợp lệ"),
    ],
)
def test_a_refused_team_saves_nothing_and_keeps_what_was_typed(
        db, nq20, teams, client, office, make_user, data, message):
    make_user("office", username="van-phong")
    before = count(db, InspectionTeam.id)
    response = post(client, "/campaigns/nq20_2017/plan/teams", {**data, "members": ["thanh-vien"]})
    assert response.status_code in (400, 409)
    page = text(response)
    assert message in page, page
    assert count(db, InspectionTeam.id) == before
    assert f'value="{data["name"]}"' in page
    assert re.search(r'<input type="checkbox" name="members" value="thanh-vien" checked>', page)
    assert '<details class="card" open>\n    <summary><strong>Tạo đoàn kiểm tra' in page


def test_office_adds_a_visit_and_the_team_is_notified(db, nq20, teams, client, office,
                                                      people):
    response = post(client, "/campaigns/nq20_2017/plan/visits",
                    {"unit": "KT-TPKT", "team": "Đoàn 1", "visit_date": "2017-09-15"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/campaigns/nq20_2017/plan#visits")
    visit = db.session.scalars(select(InspectionVisit)).one()
    assert (visit.unit.code, visit.team.name, visit.visit_date) == (
        "KT-TPKT", "Đoàn 1", date(2017, 9, 15))
    notified = set(db.session.scalars(select(Notification.user_id)))
    assert notified == {people["leader"].id, people["member"].id}
    page = text(client.get("/campaigns/nq20_2017/plan"))
    assert "Đã thêm cuộc kiểm tra LĐLĐ thành phố Kon Tum ngày 15/09/2017" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"unit": "KT-TPKT", "team": "Đoàn 1", "visit_date": "2017-10-01"},
         "trong thời gian kiểm tra, từ 01/09/2017 đến 30/09/2017"),
        ({"unit": "KT-TPKT", "team": "Đoàn 1", "visit_date": "2017-08-31"},
         "trong thời gian kiểm tra"),
        ({"unit": "KT-TPKT", "team": "Đoàn 1", "visit_date": ""}, "Nhập ngày kiểm tra."),
        ({"unit": "KT-TPKT", "team": "Đoàn 1", "visit_date": "15/09"}, "Ngày không hợp lệ."),
        ({"unit": "", "team": "Đoàn 1", "visit_date": "2017-09-15"},
         "Chọn đơn vị được kiểm tra."),
        ({"unit": "KT-TPKT", "team": "", "visit_date": "2017-09-15"}, "Chọn đoàn kiểm tra."),
        ({"unit": "KT-DAKHA", "team": "Đoàn 1", "visit_date": "2017-09-15"},
         "đã có trong kế hoạch"),
    ],
)
def test_a_refused_visit_saves_nothing_and_keeps_what_was_typed(
        db, nq20, teams, client, office, data, message):
    plan(db, nq20, ["KT-DAKHA"])
    notices = count(db, Notification.id)
    response = post(client, "/campaigns/nq20_2017/plan/visits", data)
    assert response.status_code in (400, 409)
    page = text(response)
    assert message in page, page
    assert count(db, InspectionVisit.id) == 1 and count(db, Notification.id) == notices
    if data["unit"]:
        assert re.search(rf'<option [^>]*selected value="{data["unit"]}">', page)
    if data["team"]:
        assert f'<option selected value="{data["team"]}">' in page
    if data["visit_date"]:
        assert f'value="{data["visit_date"]}"' in page
    assert '<details class="card" open>\n    <summary><strong>Thêm cuộc kiểm tra' in page


def test_finalizing_is_refused_with_each_unmet_rule_and_its_shortfall(db, nq20, teams,
                                                                      client, office):
    plan(db, nq20, FULL[1:3])
    response = post(client, "/campaigns/nq20_2017/plan/finalize")
    assert response.status_code == 409
    page = text(response)
    refusal = re.search(r'<div class="alert" role="alert" id="refusal"[^>]*><p>([^<]+)</p>',
                        page).group(1)
    assert "LĐLĐ huyện, thành phố: 2 / ít nhất 3 (còn thiếu 1)" in refusal
    assert "Công đoàn ngành Trung ương: 0 / ít nhất 2 (còn thiếu 2)" in refusal
    assert "Công đoàn ngành: 0 / ít nhất 1 (còn thiếu 1)" in refusal
    db.session.refresh(nq20)
    assert nq20.plan_final_at is None


def test_finalizing_is_accepted_once_every_rule_is_met(db, nq20, teams, client, office):
    plan(db, nq20, FULL)
    response = post(client, "/campaigns/nq20_2017/plan/finalize")
    assert response.status_code == 303
    db.session.refresh(nq20)
    assert nq20.plan_final_at is not None
    page = text(client.get("/campaigns/nq20_2017/plan"))
    assert "Kế hoạch đã chốt" in page and "Chốt kế hoạch</button>" not in page


def test_after_final_a_visit_is_added_and_a_removal_breaking_a_rule_is_refused(
        db, nq20, teams, client, office):
    visits = plan(db, nq20, FULL)
    services.finalize_plan(db.session, nq20)
    db.session.commit()
    added = post(client, "/campaigns/nq20_2017/plan/visits",
                 {"unit": "KT-NGOCHOI", "team": "Đoàn 2", "visit_date": "2017-09-20"})
    assert added.status_code == 303
    later = db.session.scalars(
        select(InspectionVisit).join(Unit).where(Unit.code == "KT-NGOCHOI")).one()
    # the confirmation works without JavaScript: a page, then a POST
    confirm = client.get(f"/campaigns/nq20_2017/plan/visits/{later.id}/remove")
    assert confirm.status_code == 200
    assert "Xóa cuộc kiểm tra này?" in text(confirm)
    assert count(db, InspectionVisit.id) == len(FULL) + 1
    removed = post(client, f"/campaigns/nq20_2017/plan/visits/{later.id}/remove")
    assert removed.status_code == 303
    assert count(db, InspectionVisit.id) == len(FULL)
    # the confirmation says so before anyone presses a button, and offers none
    warned = text(client.get(f"/campaigns/nq20_2017/plan/visits/{visits[0].id}/remove"))
    assert "nếu bỏ cuộc kiểm tra này thì không đủ yêu cầu" in warned
    assert "Xóa cuộc kiểm tra</button>" not in warned
    refused = post(client, f"/campaigns/nq20_2017/plan/visits/{visits[0].id}/remove")
    assert refused.status_code == 400
    assert ("Kế hoạch đã chốt và nếu bỏ cuộc kiểm tra này thì không đủ yêu cầu: "
            "LĐLĐ huyện, thành phố (còn 2 / ít nhất 3)") in text(refused)
    assert count(db, InspectionVisit.id) == len(FULL)
    # its notices went with it
    assert not db.session.scalars(
        select(Notification).where(Notification.link == f"/visits/{later.id}")).all()


def test_a_visit_with_its_checklist_sent_cannot_be_removed(db, nq20, teams, client, office,
                                                           people):
    visit = plan(db, nq20, ["KT-TPKT"])[0]
    send_checklist(db, visit, people["member"])
    refused = post(client, f"/campaigns/nq20_2017/plan/visits/{visit.id}/remove")
    assert refused.status_code == 400 and "đã được gửi" in text(refused)
    assert count(db, InspectionVisit.id) == 1


def test_plan_pages_of_an_unknown_campaign_or_another_campaigns_visit_are_404(
        db, nq20, teams, client, office):
    visit = plan(db, nq20, ["KT-TPKT"])[0]
    assert client.get("/campaigns/nope/plan").status_code == 404
    assert client.get(f"/campaigns/nope/plan/visits/{visit.id}/remove").status_code == 404
    assert client.get("/campaigns/nq20_2017/plan/visits/999999/remove").status_code == 404
    missing = post(client, "/campaigns/nq20_2017/plan/visits/999999/remove")
    assert missing.status_code == 404 and "Không có cuộc kiểm tra này." in text(missing)


def test_plan_page_reads_a_bounded_number_of_queries(db, nq20, teams, client, office,
                                                     count_queries):
    plan(db, nq20, FULL[:3])
    with count_queries() as few:
        assert client.get("/campaigns/nq20_2017/plan").status_code == 200
    plan(db, nq20, FULL[3:])
    with count_queries() as more:
        assert client.get("/campaigns/nq20_2017/plan").status_code == 200
    assert more.count == few.count, more.statements


# ---- an inspector's visits ---------------------------------------------------------------


def sign_in(client, user, next_url: str | None = None):
    from tests.conftest import PASSWORD

    token = csrf_token(client)
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": user.username, "password": PASSWORD,
                                  "csrf_token": token})


def test_an_inspector_lands_on_their_visits_after_signing_in(client, people, nq20):
    response = sign_in(client, people["member"])
    assert response.status_code == 302 and response.headers["Location"] == "/visits"


def test_from_the_front_page_an_inspector_lands_on_their_visits(client, people, nq20):
    sent_to_sign_in = client.get("/")
    assert sent_to_sign_in.headers["Location"] == "/login?next=/"
    response = sign_in(client, people["member"], "/")
    assert response.headers["Location"] == "/visits"


def test_next_still_wins_for_an_inspector(client, people, nq20):
    response = sign_in(client, people["member"], "/campaigns")
    assert response.headers["Location"] == "/campaigns"


def test_others_still_land_on_the_home_page(client, make_user):
    response = sign_in(client, make_user("office"))
    assert response.headers["Location"] == "/"


def test_my_visits_lists_the_teams_visits_today_first_and_marks_notices_read(
        app, db, nq20, teams, client, people, monkeypatch):
    plan(db, nq20, ["KT-TPKT"], day=date(2017, 9, 5))
    plan(db, nq20, ["KT-DAKHA"], day=date(2017, 9, 20))
    plan(db, nq20, ["KT-DAKTO"], day=date(2017, 9, 12))
    plan(db, nq20, ["KT-NGOCHOI"], team="Đoàn 2")
    monkeypatch.setattr("survey_app.fieldwork.views.local_today", lambda: date(2017, 9, 12))
    sign_in(client, people["member"])
    page = text(client.get("/visits"))
    assert "<h1>Lịch kiểm tra của tôi</h1>" in page
    # the new visits are announced once, then marked read
    assert "3 cuộc kiểm tra mới được giao cho đoàn của bạn" in page
    assert "Đoàn 1 (đoàn của bạn) được giao kiểm tra LĐLĐ huyện Đắk Hà ngày 20/09/2017." in page
    order = [m for m in re.findall(r'<span class="when">(\d\d/\d\d/\d{4})', page)]
    assert order == ["12/09/2017", "20/09/2017", "05/09/2017"]
    assert page.index("Hôm nay") < page.index("Sắp tới") < page.index("Đã qua")
    assert 'class="today"' in page
    assert "LĐLĐ huyện Ngọc Hồi" not in page  # another team's
    unread = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == people["member"].id, Notification.read_at.is_(None)))
    assert unread == 0
    again = text(client.get("/visits"))
    assert "được giao cho đoàn của bạn" not in again and "LĐLĐ huyện Đắk Hà" in again
    # another member's notices are theirs to read
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == people["leader"].id, Notification.read_at.is_(None))) == 3


def test_many_new_visits_are_summed_up_and_marked_in_the_list(db, nq20, teams, client,
                                                              people):
    plan(db, nq20, FULL[:4])
    sign_in(client, people["member"])
    page = text(client.get("/visits"))
    assert "4 cuộc kiểm tra mới được giao cho đoàn của bạn" in page
    assert "được đánh dấu “mới”" in page and "(đoàn của bạn) được giao" not in page
    assert page.count('<span class="badge new">mới</span>') == 4
    assert '<span class="badge new">' not in text(client.get("/visits"))


def test_my_visits_reads_a_bounded_number_of_queries(db, nq20, teams, client, people,
                                                    count_queries):
    plan(db, nq20, FULL[:2])
    sign_in(client, people["member"])
    client.get("/visits")
    with count_queries() as few:
        assert client.get("/visits").status_code == 200
    plan(db, nq20, FULL[2:])
    client.get("/visits")  # the new notices, read once
    with count_queries() as more:
        assert client.get("/visits").status_code == 200
    assert more.count == few.count, more.statements


def test_my_visits_without_any_says_so(client, people, nq20):
    sign_in(client, people["member"])
    assert "Chưa có cuộc kiểm tra nào được giao" in text(client.get("/visits"))


def test_home_tile_counts_visits_and_unread_notices(db, nq20, teams, client, people):
    plan(db, nq20, ["KT-TPKT", "KT-DAKHA"])
    sign_in(client, people["member"])
    home = text(client.get("/"))
    assert re.search(r'href="/visits"><strong>Lịch kiểm tra của tôi</strong>'
                     r'<span>2 cuộc kiểm tra · 2 thông báo mới</span>', home), home
    client.get("/visits")
    home = text(client.get("/"))
    assert "<span>2 cuộc kiểm tra</span>" in home


def test_office_home_has_a_plan_tile_per_active_campaign(nq20, client, office):
    home = text(client.get("/"))
    assert re.search(r'href="/campaigns/nq20_2017/plan"><strong>Kế hoạch kiểm tra: '
                     r'Tổng kết 10 năm thực hiện Nghị quyết 20-NQ/TW</strong>', home)
    assert 'href="/visits"' not in home


def test_campaign_overview_links_to_the_plan_or_to_my_visits(nq20, client, login_as,
                                                             make_user):
    login_as("office")
    assert 'href="/campaigns/nq20_2017/plan"' in text(client.get("/campaigns/nq20_2017"))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, make_user("inspector"))
    page = text(client.get("/campaigns/nq20_2017"))
    assert 'href="/visits"' in page and "/plan" not in page


# ---- a visit and its checklist -----------------------------------------------------------


def send_checklist(db, visit, user, response_id=None) -> uuid.UUID:
    from survey_app.localtime import local_today
    from survey_app.models.base import utcnow
    from survey_app.registry.services import definition_of
    from survey_app.surveys.validation import validate

    survey = services.inspection_survey(db.session, visit.campaign)
    answers = validate(definition_of(survey.current_version), CHECKLIST,
                       today=local_today()).answers
    response_id = response_id or uuid.uuid4()
    services.submit_checklist(db.session, visit, survey=survey, response_id=response_id,
                              answers=answers, user=user, today=local_today(), now=utcnow())
    db.session.commit()
    return response_id


def checklist_form(client, visit_id: int, **extra) -> dict:
    page = text(client.get(f"/visits/{visit_id}/checklist"))
    response_id = re.search(r'name="_response_id" value="([^"]+)"', page).group(1)
    return {"_response_id": response_id, **CHECKLIST, **extra}


def test_visit_page_shows_unit_day_team_and_state(db, nq20, teams, client, people):
    visit = plan(db, nq20, ["KT-TPKT"])[0]
    sign_in(client, people["member"])
    page = text(client.get(f"/visits/{visit.id}"))
    assert "<h1>LĐLĐ thành phố Kon Tum</h1>" in page
    assert "12/09/2017" in page and "Đoàn 1" in page
    assert "Nguyễn Văn An" in page and "Trần Thị Bình" in page
    assert "Chưa có phiếu" in page
    assert f'href="/visits/{visit.id}/checklist"' in page


def test_checklist_is_the_campaigns_inspection_survey_bound_to_the_visit(
        db, nq20, teams, client, people):
    visit = plan(db, nq20, ["KT-TPKT"])[0]
    sign_in(client, people["member"])
    page = text(client.get(f"/visits/{visit.id}/checklist"))
    assert "Phiếu kiểm tra kết quả thực hiện Nghị quyết số 20-NQ/TW" in page
    assert "LĐLĐ thành phố Kon Tum" in page
    assert f'data-draft-key="visit:{visit.id}:{people["member"].id}"' in page
    assert 'name="_save_draft"' in page and "data-server-draft-at" not in page
    # the day of the visit is already known: the checklist opens with it
    assert re.search(r'<input[^>]*id="f-visit_date"[^>]*value="2017-09-12"', page)


def test_a_saved_draft_keeps_its_own_visit_date(db, nq20, teams, client, people):
    visit = plan(db, nq20, ["KT-TPKT"])[0]
    visit.draft = {"visit_date": ["2017-09-13"]}
    db.session.commit()
    sign_in(client, people["member"])
    page = text(client.get(f"/visits/{visit.id}/checklist"))
    assert re.search(r'<input[^>]*id="f-visit_date"[^>]*value="2017-09-13"', page)


def test_sending_the_checklist_ties_it_to_the_visit_campaign_and_visited_unit(
        db, nq20, teams, client, people):
    visit = plan(db, nq20, ["KT-TPKT"])[0]
    member = people["member"]
    assert member.unit_id != visit.unit_id
    sign_in(client, member)
    data = checklist_form(client, visit.id)
    response = post(client, f"/visits/{visit.id}/checklist", data)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/visits/{visit.id}"
    stored = db.session.scalars(select(Response)).one()
    assert str(stored.id) == data["_response_id"]
    assert (stored.visit_id, stored.campaign_id, stored.unit_id, stored.submitted_by_id) == (
        visit.id, nq20.id, visit.unit_id, member.id)
    db.session.refresh(visit)
    assert visit.status == "done"
    page = text(client.get(f"/visits/{visit.id}"))
    assert "Trần Thị Bình đã gửi lúc" in page and "Đã gửi phiếu" in page


def test_every_member_sees_who_sent_it_and_reads_the_checklist(db, nq20, teams, client,
                                                               people):
    visit = plan(db, nq20, ["KT-TPKT"])[0]
    send_checklist(db, visit, people["member"])
    sign_in(client, people["leader"])
    page = text(client.get(f"/visits/{visit.id}"))
    assert re.search(r"Trần Thị Bình đã gửi lúc \d\d/\d\d/\d{4} \d\d:\d\d", page)
    sent = client.get(f"/visits/{visit.id}/checklist")
    assert sent.status_code == 200
    assert "Trần Thị Bình đã gửi lúc" in text(sent)
    assert 'class="survey"' not in text(sent)  # read, not a form to send again
    # the answers sent: the day of the visit and a level, in words
    assert '<p class="value">12/09/2017</p>' in text(sent)
    assert '<p class="value">Khá</p>' in text(sent)


def test_a_second_different_checklist_is_refused_naming_who_sent_it(db, nq20, teams, client,
                                                                    people):
    visit = plan(db, nq20, ["KT-TPKT"])[0]
    send_checklist(db, visit, people["member"])
    sign_in(client, people["leader"])
    data = {"_response_id": str(uuid.uuid4()), **CHECKLIST, "kl_muc_do": "1"}
    response = post(client, f"/visits/{visit.id}/checklist", data)
    assert response.status_code == 409
    page = text(response)
    assert re.search(r"Phiếu kiểm tra của cuộc kiểm tra này đã được Trần Thị Bình gửi lúc "
                     r"\d\d/\d\d/\d{4} \d\d:\d\d: mỗi cuộc kiểm tra chỉ có một phiếu.", page)
    # the answers stay in the page
    assert re.search(r'name="kl_muc_do" value="1"\s*checked', page)
    assert count(db, Response.id) == 1
    as_json = post(client, f"/visits/{visit.id}/checklist", data,
                   headers={"Accept": "application/json"})
    assert as_json.status_code == 409 and "Trần Thị Bình" in as_json.get_json()["message"]


def test_resending_the_same_checklist_is_idempotent(db, nq20, teams, client, people):
    visit = plan(db, nq20, ["KT-TPKT"])[0]
    sign_in(client, people["member"])
    data = checklist_form(client, visit.id)
    headers = {"Accept": "application/json"}
    first = post(client, f"/visits/{visit.id}/checklist", data, headers=headers)
    assert first.status_code == 201
    assert first.get_json() == {"id": data["_response_id"], "url": f"/visits/{visit.id}",
                                "created": True}
    again = post(client, f"/visits/{visit.id}/checklist", data, headers=headers)
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert count(db, Response.id) == 1
    answers = count(db, Answer.id)
    assert post(client, f"/visits/{visit.id}/checklist", data).status_code == 303
    assert count(db, Answer.id) == answers


def test_a_response_id_of_another_visit_is_not_taken_as_this_visits_checklist(
        db, nq20, teams, client, people):
    first, second = plan(db, nq20, ["KT-TPKT", "KT-DAKHA"])
    sign_in(client, people["member"])
    data = checklist_form(client, first.id)
    assert post(client, f"/visits/{first.id}/checklist", data).status_code == 303
    refused = post(client, f"/visits/{second.id}/checklist", data)
    assert refused.status_code == 409
    assert count(db, Response.id) == 1
    db.session.refresh(second)
    assert second.status == "planned"
    # the answers stay, under a new submission number
    assert data["_response_id"] not in text(refused)


def test_invalid_answers_keep_the_form_and_save_nothing(db, nq20, teams, client, people):
    visit = plan(db, nq20, ["KT-TPKT"])[0]
    sign_in(client, people["member"])
    data = checklist_form(client, visit.id, kl_muc_do="")
    response = post(client, f"/visits/{visit.id}/checklist", data)
    assert response.status_code == 400
    assert "Câu hỏi này bắt buộc trả lời." in text(response)
    assert count(db, Response.id) == 0


def test_a_draft_saved_on_the_server_opens_for_another_member(db, nq20, teams, client,
                                                              people, app):
    visit = plan(db, nq20, ["KT-TPKT"])[0]
    sign_in(client, people["member"])
    data = checklist_form(client, visit.id, kl_muc_do="", a11_uu_diem="Đã quán triệt tốt")
    saved = post(client, f"/visits/{visit.id}/checklist", {**data, "_save_draft": "1"})
    assert saved.status_code == 303
    assert saved.headers["Location"] == f"/visits/{visit.id}/checklist"
    assert count(db, Response.id) == 0
    db.session.refresh(visit)
    assert visit.draft["a11_uu_diem"] == ["Đã quán triệt tốt"]
    assert visit.draft_saved_by_id == people["member"].id
    assert "_response_id" not in visit.draft and "csrf_token" not in visit.draft

    leader = app.test_client()
    sign_in(leader, people["leader"])
    assert "Đã lưu nháp" in text(leader.get(f"/visits/{visit.id}"))
    page = text(leader.get(f"/visits/{visit.id}/checklist"))
    assert "Đã quán triệt tốt</textarea>" in page
    assert "Trần Thị Bình" in page and "data-server-draft-at=" in page
    # sending clears the draft
    form = checklist_form(leader, visit.id)
    assert post(leader, f"/visits/{visit.id}/checklist", form).status_code == 303
    db.session.refresh(visit)
    assert visit.draft is None and visit.status == "done"
    late = post(client, f"/visits/{visit.id}/checklist", {**data, "_save_draft": "1"})
    assert late.status_code == 409 and "bản nháp không được lưu" in text(late)
    db.session.refresh(visit)
    assert visit.draft is None


# ---- who reaches which visit -------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", ["/visits/{id}", "/visits/{id}/checklist"])
def test_an_inspector_never_reaches_another_teams_visit(db, nq20, teams, client, people,
                                                        method, path):
    theirs = plan(db, nq20, ["KT-NGOCHOI"], team="Đoàn 2")[0]
    sign_in(client, people["member"])
    url = path.format(id=theirs.id)
    if method == "GET":
        response = client.get(url)
    else:
        response = post(client, url, {**CHECKLIST, "_response_id": str(uuid.uuid4()),
                                      "_save_draft": "1" if "checklist" in url else ""})
    if method == "POST" and url.endswith(f"/{theirs.id}"):
        assert response.status_code == 405
        return
    assert response.status_code == 403
    assert "Cuộc kiểm tra này thuộc đoàn kiểm tra khác." in text(response)
    assert count(db, Response.id) == 0
    db.session.refresh(theirs)
    assert theirs.draft is None


def test_a_checklist_post_to_another_teams_visit_stores_nothing(db, nq20, teams, client,
                                                                people):
    mine = plan(db, nq20, ["KT-TPKT"])[0]
    theirs = plan(db, nq20, ["KT-NGOCHOI"], team="Đoàn 2")[0]
    sign_in(client, people["member"])
    data = checklist_form(client, mine.id)
    response = post(client, f"/visits/{theirs.id}/checklist", data,
                    headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert count(db, Response.id) == 0


def test_a_missing_visit_is_404_in_vietnamese(db, nq20, teams, client, people):
    sign_in(client, people["member"])
    response = client.get("/visits/999999")
    assert response.status_code == 404 and "Không có cuộc kiểm tra này." in text(response)


def test_office_and_admin_open_any_visit(db, nq20, teams, client, login_as):
    visit = plan(db, nq20, ["KT-NGOCHOI"], team="Đoàn 2")[0]
    login_as("office")
    assert client.get(f"/visits/{visit.id}").status_code == 200
    assert client.get(f"/visits/{visit.id}/checklist").status_code == 200


@pytest.mark.parametrize("role", ["reporter", "reviewer", "organization"])
def test_other_roles_reach_no_visit_and_no_plan(db, nq20, teams, client, login_as, role):
    visit = plan(db, nq20, ["KT-TPKT"])[0]
    login_as(role)
    for url in ("/visits", f"/visits/{visit.id}", f"/visits/{visit.id}/checklist",
                "/campaigns/nq20_2017/plan"):
        assert client.get(url).status_code == 403, url
    assert post(client, f"/visits/{visit.id}/checklist", CHECKLIST).status_code == 403
    assert post(client, "/campaigns/nq20_2017/plan/finalize").status_code == 403


def test_an_inspector_cannot_touch_the_plan(db, nq20, teams, client, people):
    visit = plan(db, nq20, ["KT-TPKT"])[0]
    sign_in(client, people["leader"])
    assert client.get("/campaigns/nq20_2017/plan").status_code == 403
    assert post(client, "/campaigns/nq20_2017/plan/teams",
                {"name": "X", "leader": "to-truong"}).status_code == 403
    assert post(client, "/campaigns/nq20_2017/plan/visits",
                {"unit": "KT-DAKHA", "team": "Đoàn 1",
                 "visit_date": "2017-09-15"}).status_code == 403
    assert post(client, f"/campaigns/nq20_2017/plan/visits/{visit.id}/remove").status_code \
        == 403
    assert count(db, InspectionVisit.id) == 1 and count(db, InspectionTeam.id) == 2
