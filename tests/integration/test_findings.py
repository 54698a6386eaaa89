"""Findings: every workflow transition, allowed and refused by role; the history that no one
can edit, down to the database; evidence checks; and the CLI's JSON."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from survey_app.models import FindingEvent
from survey_app.review import findings as svc
from tests.review_data import inspection, poll_answers

TEXT = "Số thỏa ước lao động tập thể tăng mạnh ở khu vực ngoài nhà nước."


@pytest.fixture
def people(make_user):
    return {
        "cspl": make_user("reviewer", username="cspl", department_code="CSPL"),
        "tuyengiao": make_user("reviewer", username="tuyengiao", department_code="TUYENGIAO"),
        "tochuc_dept": make_user("reviewer", username="tochuc", department_code="TOCHUC"),
        "org": make_user("organization", username="bantochuc"),
        "office": make_user("office", username="vanphong"),
        "admin": make_user("admin", username="quantri"),
    }


def draft(db, campaign, user, area="1.3", **kwargs):
    finding = svc.create_finding(db.session, campaign, user=user, area=area,
                                 kind=kwargs.pop("kind", "strength"), text=TEXT,
                                 evidence=kwargs.pop("evidence", ["indicator:a13_ind_thoa_uoc"]),
                                 **kwargs)
    db.session.commit()
    return finding


def test_the_whole_loop_and_its_history(db, nq20, people):
    finding = draft(db, nq20, people["cspl"])
    assert finding.status == "draft"
    svc.submit_finding(db.session, nq20, finding, user=people["cspl"])
    svc.return_finding(db.session, nq20, finding, user=people["org"],
                       reason="Cần nêu số liệu so sánh năm 2008")
    assert finding.status == "returned" and "2008" in finding.return_reason
    svc.edit_finding(db.session, nq20, finding, user=people["cspl"], kind="strength",
                     text=TEXT + " Năm 2008: 12 bản; năm 2017: 45 bản.", unit_code=None,
                     evidence=["indicator:a13_ind_thoa_uoc"])
    assert finding.status == "returned"
    svc.submit_finding(db.session, nq20, finding, user=people["cspl"])
    svc.approve_finding(db.session, nq20, finding, user=people["org"])
    db.session.commit()
    events = svc.histories(db.session, [finding])[finding.id]
    assert [(e.action, e.from_status, e.to_status, e.actor_name) for e in events] == [
        ("created", None, "draft", "cspl"),
        ("submitted", "draft", "submitted", "cspl"),
        ("returned", "submitted", "returned", "bantochuc"),
        ("edited", "returned", "returned", "cspl"),
        ("submitted", "returned", "submitted", "cspl"),
        ("approved", "submitted", "approved", "bantochuc"),
    ]
    assert events[2].reason == "Cần nêu số liệu so sánh năm 2008"
    assert events[0].text == TEXT and "45 bản" in events[3].text  # each version kept
    audit = db.session.execute(sa.text(
        "SELECT action FROM audit_events WHERE action LIKE 'finding.%' ORDER BY id")).scalars()
    assert list(audit) == ["finding.created", "finding.submitted", "finding.returned",
                           "finding.edited", "finding.submitted", "finding.approved"]


@pytest.mark.parametrize("who", ["tuyengiao", "tochuc_dept", "org", "office", "admin"])
def test_only_the_owning_department_writes(db, nq20, people, who):
    with pytest.raises(svc.NotYourArea):
        draft(db, nq20, people[who], area="1.3")
    finding = draft(db, nq20, people["cspl"])
    with pytest.raises(svc.NotYourArea):
        svc.edit_finding(db.session, nq20, finding, user=people[who], kind="cause", text="X",
                         unit_code=None, evidence=[])
    with pytest.raises(svc.NotYourArea):
        svc.submit_finding(db.session, nq20, finding, user=people[who])


def test_the_area_map_comes_from_the_campaign(db, nq20, people):
    assert svc.writable_areas(people["cspl"], svc.config_of(nq20)) == ["1.3", "1.4"]
    assert svc.writable_areas(people["tuyengiao"], svc.config_of(nq20)) == ["1.1"]
    draft(db, nq20, people["tuyengiao"], area="1.1", evidence=[])
    nq20.config = {**nq20.config, "content_areas": {**nq20.config["content_areas"],
                                                    "1.1": "CSPL"}}
    db.session.commit()
    draft(db, nq20, people["cspl"], area="1.1", evidence=[])
    with pytest.raises(svc.NotYourArea):
        draft(db, nq20, people["tuyengiao"], area="1.1", evidence=[])


@pytest.mark.parametrize("who", ["cspl", "tochuc_dept", "office", "admin"])
def test_only_the_organization_role_approves_or_returns(db, nq20, people, who):
    finding = draft(db, nq20, people["cspl"])
    svc.submit_finding(db.session, nq20, finding, user=people["cspl"])
    with pytest.raises(svc.OnlyOrganization):
        svc.approve_finding(db.session, nq20, finding, user=people[who])
    with pytest.raises(svc.OnlyOrganization):
        svc.return_finding(db.session, nq20, finding, user=people[who], reason="Chưa rõ ràng")
    assert finding.status == "submitted"


def test_illegal_transitions_are_refused_with_a_message(db, nq20, people):
    cspl, org = people["cspl"], people["org"]
    finding = draft(db, nq20, cspl)
    with pytest.raises(svc.FindingError, match="Chỉ (duyệt|trả lại) được nhận định đã gửi duyệt"):
        svc.approve_finding(db.session, nq20, finding, user=org)  # a draft
    with pytest.raises(svc.FindingError, match="Chỉ (duyệt|trả lại) được nhận định đã gửi duyệt"):
        svc.return_finding(db.session, nq20, finding, user=org, reason="Chưa đủ số liệu")
    svc.submit_finding(db.session, nq20, finding, user=cspl)
    with pytest.raises(svc.FindingError, match="đã được gửi duyệt rồi"):
        svc.submit_finding(db.session, nq20, finding, user=cspl)
    with pytest.raises(svc.FindingError, match="đang chờ duyệt"):
        svc.edit_finding(db.session, nq20, finding, user=cspl, kind="cause", text="Khác",
                         unit_code=None, evidence=[])
    with pytest.raises(svc.FindingError, match="nêu lý do"):
        svc.return_finding(db.session, nq20, finding, user=org, reason="  ")
    svc.approve_finding(db.session, nq20, finding, user=org)
    for attempt in (
        lambda: svc.edit_finding(db.session, nq20, finding, user=cspl, kind="cause", text="K",
                                 unit_code=None, evidence=[]),
        lambda: svc.submit_finding(db.session, nq20, finding, user=cspl),
        lambda: svc.return_finding(db.session, nq20, finding, user=org, reason="Xem lại số"),
    ):
        with pytest.raises(svc.FindingError, match="đã được duyệt và khóa"):
            attempt()
    with pytest.raises(svc.FindingError, match="đã được duyệt rồi"):
        svc.approve_finding(db.session, nq20, finding, user=org)
    assert finding.status == "approved"


def test_a_finding_needs_evidence_to_be_submitted_and_evidence_must_belong(db, nq20, people):
    cspl = people["cspl"]
    finding = draft(db, nq20, cspl, evidence=[])
    with pytest.raises(svc.FindingError, match="gắn căn cứ"):
        svc.submit_finding(db.session, nq20, finding, user=cspl)
    checklist = inspection(db, nq20, "KT-DAKHA", {"a13_thoa_uoc": "yes"})
    poll_answers(db, nq20, "MAU-CDCS-DAKHA01", [{"p_thoa_uoc": "co"}])
    poll_id = db.session.execute(sa.text(
        "SELECT id FROM poll_responses")).scalar_one()
    good = ["question:inspection_2017:a13_thoa_uoc", "indicator:a13_ind_mai_am",
            f"response:{checklist}", "question:worker_poll_2017:p_m_luong"]
    svc.edit_finding(db.session, nq20, finding, user=cspl, kind="strength", text=TEXT,
                     unit_code="KT-DAKHA", evidence=good)
    assert [svc.evidence_token(e) for e in finding.evidence] == good
    assert finding.unit.code == "KT-DAKHA"
    for bad in ("question:inspection_2017:no_such", "indicator:nope", "question:other:a13",
                f"response:{poll_id}",  # an anonymous answer is never cited alone
                "response:not-a-uuid", "anything"):
        with pytest.raises(svc.FindingError, match="không phải là kết quả, chỉ tiêu hay phiếu"):
            svc.edit_finding(db.session, nq20, finding, user=cspl, kind="strength", text=TEXT,
                             unit_code=None, evidence=[bad])
    with pytest.raises(svc.FindingError):
        svc.edit_finding(db.session, nq20, finding, user=cspl, kind="opinion", text=TEXT,
                         unit_code=None, evidence=[])
    with pytest.raises(svc.FindingError):
        draft(db, nq20, cspl, area="9.9")


def test_the_database_refuses_to_change_or_remove_history(app, db, nq20, people):
    finding = draft(db, nq20, people["cspl"])
    event_id = db.session.scalars(sa.select(FindingEvent.id)).one()
    for statement in (
        sa.update(FindingEvent).where(FindingEvent.id == event_id).values(text="rewritten"),
        sa.update(FindingEvent).values(reason="x"),
        sa.delete(FindingEvent).where(FindingEvent.id == event_id),
        sa.delete(FindingEvent),
    ):
        with pytest.raises(sa.exc.IntegrityError, match="append-only"), db.engine.begin() as c:
            c.execute(statement)
    findings = sa.table("findings", sa.column("id"))
    # nor can the finding go, taking its history along
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as c:
        c.execute(sa.delete(findings).where(findings.c.id == finding.id))
    assert db.session.scalars(sa.select(FindingEvent.text)).one() == TEXT


def test_cli_findings_list_json(app, db, nq20, people):
    finding = draft(db, nq20, people["cspl"], unit_code="KT-DAKHA")
    svc.submit_finding(db.session, nq20, finding, user=people["cspl"])
    svc.return_finding(db.session, nq20, finding, user=people["org"], reason="Bổ sung số liệu")
    db.session.commit()
    out = app.test_cli_runner().invoke(args=["findings", "list", "nq20_2017", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert len(data) == 1
    item = data[0]
    assert set(item) == {"id", "area", "kind", "unit", "status", "text", "evidence", "history"}
    assert (item["id"], item["area"], item["kind"], item["unit"], item["status"]) == (
        finding.id, "1.3", "strength", "KT-DAKHA", "returned")
    assert item["evidence"] == [{"type": "indicator", "key": "a13_ind_thoa_uoc"}]
    assert [set(h) for h in item["history"]] == [{"at", "by", "from", "to", "reason"}] * 3
    assert item["history"][-1] == {**item["history"][-1], "by": "bantochuc",
                                   "from": "submitted", "to": "returned",
                                   "reason": "Bổ sung số liệu"}
