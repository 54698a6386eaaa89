"""The inspection plan: teams, visits in the window, quotas, final plans, the CLI."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from survey_app.fieldwork import services
from survey_app.models import InspectionTeam, InspectionVisit, Notification

FULL = ["KT-TPKT", "KT-DAKHA", "KT-DAKTO", "MAU-NGANH-GD", "MAU-CDCS-TT01", "MAU-TW-DIENLUC",
        "MAU-TW-BUUDIEN"]


@pytest.fixture
def team(db, nq20, make_user):
    leader = make_user("inspector", username="to-truong")
    member = make_user("inspector", username="thanh-vien")
    team = services.create_team(db.session, nq20, "Đoàn 1", leader.username, [member.username])
    db.session.commit()
    return team


def plan(db, campaign, codes, team_name="Đoàn 1", day=date(2017, 9, 12)):
    for code in codes:
        services.add_visit(db.session, campaign, code, team_name, day)
    db.session.commit()


def test_team_has_leader_and_members_who_are_inspectors(db, nq20, make_user, team):
    assert [u.username for u in team.members] == ["thanh-vien", "to-truong"]
    office = make_user("office", username="van-phong")
    with pytest.raises(services.PlanError, match="không phải cán bộ kiểm tra"):
        services.create_team(db.session, nq20, "Đoàn 2", office.username)
    with pytest.raises(services.PlanError, match="Không có người dùng"):
        services.create_team(db.session, nq20, "Đoàn 2", "ai-do")
    with pytest.raises(services.PlanError, match="Đã có đoàn tên"):
        services.create_team(db.session, nq20, " Đoàn  1 ", "to-truong")
    db.session.rollback()
    assert db.session.scalar(select(func.count(InspectionTeam.id))) == 1


@pytest.mark.parametrize(
    ("code", "team_name", "day", "fragment"),
    [
        ("KT-TPKT", "Đoàn 1", date(2017, 8, 31), "trong thời gian kiểm tra"),
        ("KT-TPKT", "Đoàn 1", date(2017, 10, 1), "trong thời gian kiểm tra"),
        ("NOPE", "Đoàn 1", date(2017, 9, 5), "Không có đơn vị"),
        ("KT-TPKT", "Đoàn 9", date(2017, 9, 5), "không có đoàn"),
    ],
)
def test_bad_visits_are_refused_and_nothing_is_saved(db, nq20, team, code, team_name, day,
                                                     fragment):
    with pytest.raises(services.PlanError, match=fragment):
        services.add_visit(db.session, nq20, code, team_name, day)
    db.session.rollback()
    assert db.session.scalar(select(func.count(InspectionVisit.id))) == 0


def test_window_edges_are_inside(db, nq20, team):
    plan(db, nq20, ["KT-TPKT"], day=date(2017, 9, 1))
    plan(db, nq20, ["KT-DAKHA"], day=date(2017, 9, 30))
    assert len(services.list_visits(db.session, nq20)) == 2


def test_a_unit_is_planned_once(db, nq20, team):
    plan(db, nq20, ["KT-TPKT"])
    with pytest.raises(services.PlanError, match="đã có trong kế hoạch"):
        services.add_visit(db.session, nq20, "KT-TPKT", "Đoàn 1", date(2017, 9, 20))


def test_two_districts_are_refused_as_final_with_the_shortfall_named(db, nq20, team):
    plan(db, nq20, FULL[1:])
    with pytest.raises(services.PlanIncomplete) as caught:
        services.finalize_plan(db.session, nq20)
    assert [(r.planned, r.shortfall) for r in caught.value.shortfalls] == [(2, 1)]
    assert "LĐLĐ huyện, thành phố: 2" in str(caught.value.message)
    assert nq20.plan_final_at is None
    plan(db, nq20, FULL[:1])
    services.finalize_plan(db.session, nq20)
    assert nq20.plan_final_at is not None


def test_after_final_visits_can_be_added_but_not_removed_below_a_quota(db, nq20, team):
    plan(db, nq20, FULL)
    services.finalize_plan(db.session, nq20)
    db.session.commit()
    plan(db, nq20, ["KT-NGOCHOI"])  # a unit announced later
    visits = {v.unit.code: v for v in services.list_visits(db.session, nq20)}
    services.remove_visit(db.session, nq20, visits["KT-NGOCHOI"].id)
    db.session.commit()
    with pytest.raises(services.PlanError, match="LĐLĐ huyện, thành phố"):
        services.remove_visit(db.session, nq20, visits["KT-TPKT"].id)
    db.session.rollback()
    assert len(services.list_visits(db.session, nq20)) == len(FULL)


def test_team_members_get_a_notice_of_a_visit(db, nq20, team):
    plan(db, nq20, ["KT-TPKT"])
    notices = db.session.scalars(select(Notification)).all()
    assert sorted(n.user_id for n in notices) == sorted(u.id for u in team.members)
    assert all(n.params["unit"] == "LĐLĐ thành phố Kon Tum" for n in notices)


def test_visits_of_an_inspector_are_their_teams_only(db, nq20, team, make_user):
    other = make_user("inspector", username="doan-2")
    services.create_team(db.session, nq20, "Đoàn 2", other.username)
    plan(db, nq20, ["KT-TPKT"])
    plan(db, nq20, ["KT-DAKHA"], team_name="Đoàn 2")
    member = team.members[0]
    assert [v.unit.code for v in services.visits_of(db.session, member)] == ["KT-TPKT"]
    visit = services.visits_of(db.session, other)[0]
    with pytest.raises(services.NotYourVisit):
        services.visit_for(db.session, member, visit.id, may_see_all=False)
    assert services.visit_for(db.session, member, visit.id, may_see_all=True) is visit


def test_cli_builds_and_reports_the_plan(app, db, nq20, make_user):
    make_user("inspector", username="an")
    make_user("inspector", username="binh")
    make_user("reporter", username="chi")
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=["plan", *args])

    made = run("team", "nq20_2017", "Đoàn A", "--leader", "an", "--member", "binh")
    assert made.exit_code == 0
    assert made.output.strip() == "Đoàn “Đoàn A”: an, binh."  # never "Đoàn Đoàn A"
    refused = run("team", "nq20_2017", "Đoàn B", "--leader", "chi")
    assert refused.exit_code != 0 and "chi" in refused.output
    for code in FULL[1:]:
        result = run("visit", "nq20_2017", code, "--team", "Đoàn A", "--date", "2017-09-14")
        assert result.exit_code == 0, result.output
        assert ", đoàn “Đoàn A”, ngày 14/09/2017." in result.output
    bad = run("visit", "nq20_2017", FULL[0], "--team", "Đoàn A", "--date", "2017-10-14")
    assert bad.exit_code != 0
    refused = run("finalize", "nq20_2017")
    assert refused.exit_code != 0
    assert "2" in refused.output and "3" in refused.output
    status = json.loads(run("status", "nq20_2017", "--json").output)
    assert set(status) == {"campaign", "final", "rules", "visits"}
    assert status["campaign"] == "nq20_2017" and status["final"] is False
    assert status["rules"][0] == {"label": "LĐLĐ huyện, thành phố", "planned": 2, "min": 3,
                                  "met": False}
    assert {v["unit"] for v in status["visits"]} == set(FULL[1:])
    assert all(v["checklist"] == "none" and v["response_id"] is None for v in status["visits"])
    assert run("visit", "nq20_2017", FULL[0], "--team", "Đoàn A", "--date",
               "2017-09-15").exit_code == 0
    assert run("finalize", "nq20_2017").exit_code == 0
    assert json.loads(run("status", "nq20_2017", "--json").output)["final"] is True
