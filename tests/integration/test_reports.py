"""Units' reports: deadlines and lateness with a fixed clock, the return-and-resubmit loop,
the signed document, the upper level's pre-fill, completeness, access, and the CLI."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from survey_app.campaigns.rules import ReportStatus
from survey_app.models import ReportEvent, Unit
from survey_app.registry.services import definition_of, get_survey
from survey_app.reports import services
from survey_app.surveys.validation import validate

ON_TIME = date(2017, 10, 5)  # the grassroots deadline
NOW = datetime(2017, 10, 5, 3, tzinfo=UTC)

ANSWERS = {
    "nguoi_lap": "Nguyễn Văn A", "dien_thoai": "0905123456",
    "hinh_thuc_tong_ket": "hoi_nghi_tong_ket", "ngay_hoi_nghi": "2017-09-28",
    "lay_y_kien": "no", "a12_ind_doan_vien.baseline": "100", "a12_ind_doan_vien": "125",
    "a12_ind_cdcs.baseline": "4", "a12_ind_cdcs": "5", "co_mo_hinh": "no",
    "kl_bai_hoc": "Bài học", "kl_dinh_huong": "Định hướng",
}


def unit(db, code) -> Unit:
    return db.session.scalars(select(Unit).where(Unit.code == code)).one()


def send(db, campaign, user, code, *, day=ON_TIME, answers=None, response_id=None):
    survey = get_survey(db.session, "unit_report_2017")
    result = validate(definition_of(survey.current_version), answers or ANSWERS, today=day)
    assert result.ok, result.errors
    target = unit(db, code)
    access = services.access_to(db.session, user, target)
    report = services.submit_report(
        db.session, campaign, target, response_id or uuid.uuid4(), result.answers,
        version_id=survey.current_version_id, survey_id=survey.id, user=user, access=access,
        today=day, now=NOW)
    db.session.commit()
    return report


@pytest.fixture
def reporter(make_user):
    return make_user("reporter", username="cdcs", unit_code="MAU-CDCS-DAKHA01")


@pytest.fixture
def district(make_user):
    return make_user("reporter", username="huyen", unit_code="KT-DAKHA")


def statuses(db, campaign, today):
    return {row.unit.code: row.status for row in services.unit_rows(db.session, campaign, today)}


@pytest.mark.parametrize(
    ("day", "status"),
    [(date(2017, 10, 1), ReportStatus.SUBMITTED), (ON_TIME, ReportStatus.SUBMITTED),
     (date(2017, 10, 6), ReportStatus.SUBMITTED_LATE)],
)
def test_sent_on_the_deadline_day_is_on_time_and_after_it_late(db, nq20, reporter, day, status):
    send(db, nq20, reporter, "MAU-CDCS-DAKHA01", day=day)
    assert statuses(db, nq20, date(2017, 12, 1))["MAU-CDCS-DAKHA01"] == status


def test_grace_days_keep_a_report_on_time(db, nq20, reporter):
    nq20.config = {**nq20.config, "grace_days": 2}
    db.session.commit()
    send(db, nq20, reporter, "MAU-CDCS-DAKHA01", day=date(2017, 10, 7))
    assert statuses(db, nq20, date(2017, 10, 7))["MAU-CDCS-DAKHA01"] == ReportStatus.SUBMITTED
    assert statuses(db, nq20, date(2017, 10, 7))["MAU-CDCS-TT01"] == ReportStatus.NOT_STARTED
    assert statuses(db, nq20, date(2017, 10, 8))["MAU-CDCS-TT01"] == ReportStatus.OVERDUE


def test_nothing_is_sent_before_the_campaign_starts(db, nq20, reporter):
    with pytest.raises(services.ReportError, match="từ ngày 01/08/2017"):
        send(db, nq20, reporter, "MAU-CDCS-DAKHA01", day=date(2017, 7, 31),
             answers={**ANSWERS, "ngay_hoi_nghi": "2017-07-28"})


def test_return_with_reason_and_resubmit_keeps_the_history(db, nq20, reporter, district):
    first = uuid.uuid4()
    send(db, nq20, reporter, "MAU-CDCS-DAKHA01", response_id=first)
    # resending the same id is a replay: nothing changes
    send(db, nq20, reporter, "MAU-CDCS-DAKHA01", response_id=first)
    target = unit(db, "MAU-CDCS-DAKHA01")
    access = services.access_to(db.session, district, target)
    assert access == services.Access.REVIEW
    with pytest.raises(services.ReportError, match="lý do"):
        services.return_report(db.session, nq20, target, "  ", user=district, access=access)
    services.return_report(db.session, nq20, target, "Thiếu số liệu đoàn viên ngoài nhà nước",
                           user=district, access=access)
    db.session.commit()
    report = services.report_of(db.session, nq20, target)
    assert report.state == "returned" and "ngoài nhà nước" in report.return_reason
    assert statuses(db, nq20, date(2017, 10, 5))["MAU-CDCS-DAKHA01"] == ReportStatus.RETURNED
    with pytest.raises(services.ReportError, match="đã bị trả lại"):
        send(db, nq20, reporter, "MAU-CDCS-DAKHA01", response_id=first)
    db.session.rollback()
    second = uuid.uuid4()
    send(db, nq20, reporter, "MAU-CDCS-DAKHA01", response_id=second, day=date(2017, 10, 9))
    report = services.report_of(db.session, nq20, target)
    assert report.state == "submitted" and report.response_id == second
    assert report.first_submitted_on == ON_TIME  # lateness goes by the first sending
    assert statuses(db, nq20, date(2017, 10, 9))["MAU-CDCS-DAKHA01"] == ReportStatus.SUBMITTED
    events = services.history(db.session, report)
    assert [(e.action, e.from_state, e.to_state, e.actor.username) for e in events] == [
        ("submitted", None, "submitted", "cdcs"),
        ("returned", "submitted", "returned", "huyen"),
        ("resubmitted", "returned", "submitted", "cdcs"),
    ]
    assert events[1].reason.startswith("Thiếu")


def test_a_sent_report_cannot_be_changed_or_sent_again_with_another_id(db, nq20, reporter):
    send(db, nq20, reporter, "MAU-CDCS-DAKHA01")
    with pytest.raises(services.ReportError, match="đề nghị cấp trên"):
        send(db, nq20, reporter, "MAU-CDCS-DAKHA01")


def test_reporters_reach_only_their_unit_and_what_is_under_it(db, nq20, reporter, district,
                                                               make_user):
    own, child = unit(db, "KT-DAKHA"), unit(db, "MAU-CDCS-DAKHA01")
    assert services.access_to(db.session, district, own) == services.Access.FILE
    assert services.access_to(db.session, district, child) == services.Access.REVIEW
    for other in ("KT-TPKT", "MAU-CDCS-TPKT01", "KT"):
        with pytest.raises(services.NotYourReport):
            services.access_to(db.session, district, unit(db, other))
    with pytest.raises(services.NotYourReport):
        services.access_to(db.session, reporter, own)  # a grassroots union reads no parent
    province = make_user("reporter", unit_code="KT")
    assert services.access_to(db.session, province, child) == services.Access.READ
    assert services.access_to(db.session, make_user("office"), child) == services.Access.REVIEW
    assert services.access_to(db.session, make_user("reviewer"), child) == services.Access.READ
    with pytest.raises(services.NotYourReport):
        services.access_to(db.session, make_user("inspector"), child)
    with pytest.raises(services.NotYourReport):
        services.return_report(db.session, nq20, child, "Thiếu số liệu", user=province,
                               access=services.Access.READ)


def minimal_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def minimal_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<Types><Override PartName="/word/document.xml" '
                         'ContentType="application/vnd.openxmlformats-officedocument.'
                         'wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "accepted"),
    [
        ("bao-cao.pdf", minimal_pdf(), True),
        ("bao-cao.docx", minimal_docx(), True),
        ("scan.PDF.pdf", minimal_docx(), True),  # by content: a DOCX whatever its name
        ("bao-cao.pdf", b"MZ\x90\x00" + b"\x00" * 200, False),  # a renamed .exe
        ("bao-cao.docx", b"PK\x03\x04not really a zip", False),
        ("bang.xlsx.docx", b"", False),
    ],
)
def test_only_pdf_or_docx_by_content(db, nq20, reporter, tmp_path, name, data, accepted):
    target = unit(db, "MAU-CDCS-DAKHA01")
    access = services.access_to(db.session, reporter, target)

    def attach():
        return services.attach(db.session, nq20, target, name, data, user=reporter,
                               access=access, folder=tmp_path, today=ON_TIME)

    if accepted:
        stored = attach()
        assert (tmp_path / stored.stored_name).read_bytes() == data
        assert stored.stored_name not in name and "/" not in stored.original_name
    else:
        with pytest.raises(services.ReportError):
            attach()
        assert list(tmp_path.iterdir()) == []


def test_upper_level_prefill_sums_sent_reports_and_missing_is_not_zero(db, nq20, make_user):
    district = unit(db, "KT-TPKT")
    keys = ["a12_ind_doan_vien", "a12_ind_cdcs", "a11_ind_hoi_thi"]
    empty = services.children_sums(db.session, nq20, district, keys)
    assert empty["a12_ind_doan_vien"].current is None  # nobody reported: no figure, not 0
    assert (empty["a12_ind_doan_vien"].reported, empty["a12_ind_doan_vien"].expected) == (0, 3)
    one = make_user("reporter", unit_code="MAU-CDCS-TPKT01")
    two = make_user("reporter", unit_code="MAU-CDCS-TPKT02")
    send(db, nq20, one, "MAU-CDCS-TPKT01")
    send(db, nq20, two, "MAU-CDCS-TPKT02", answers={**ANSWERS, "a12_ind_doan_vien": "75",
                                                     "a12_ind_doan_vien.baseline": "60"})
    sums = services.children_sums(db.session, nq20, district, keys)
    assert sums["a12_ind_doan_vien"] == services.ChildSum(160.0, 200.0, 2, 3, answered=2)
    assert sums["a11_ind_hoi_thi"].current is None  # not answered by anyone: not zero
    assert (sums["a11_ind_hoi_thi"].reported, sums["a11_ind_hoi_thi"].answered) == (2, 0)


def test_completeness_counts_units_set_up_and_dissolved_mid_campaign(db, nq20, reporter):
    today = date(2017, 10, 20)
    rows = services.unit_rows(db.session, nq20, today)
    codes = {row.unit.code for row in rows}
    assert "VGCL" not in codes and "KT" in codes  # national owes no report
    before = len(rows)
    late_unit = unit(db, "MAU-CDCS-TPKT01")
    late_unit.active_from = date(2017, 10, 6)  # set up after the grassroots deadline
    gone = unit(db, "MAU-CDCS-TPKT02")
    gone.active_until = date(2017, 9, 15)  # dissolved before it
    new = unit(db, "MAU-CDCS-NGOCHOI01")
    new.active_from = date(2017, 9, 20)  # set up mid-campaign, before the deadline: owes
    db.session.commit()
    send(db, nq20, reporter, "MAU-CDCS-DAKHA01", day=date(2017, 10, 6))
    rows = services.unit_rows(db.session, nq20, today)
    assert len(rows) == before - 2
    per_level, overall = services.figures_by_level(rows)
    assert overall.expected == len(rows)
    assert overall.submitted == 1 and overall.on_time == 0
    assert all(f.reporting_rate <= 100 and f.on_time_rate <= 100 for f in per_level.values())


def test_cli_status_json(app, db, nq20, reporter):
    send(db, nq20, reporter, "MAU-CDCS-DAKHA01", day=date(2017, 10, 6))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "status", "nq20_2017", "--today", "2017-10-05",
                                 "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert set(status) == {"campaign", "today", "units", "summary"}
    assert status["today"] == "2017-10-05"
    units = {u["code"]: u for u in status["units"]}
    assert units["MAU-CDCS-DAKHA01"] == {
        "code": "MAU-CDCS-DAKHA01", "kind": "grassroots", "deadline": "2017-10-05",
        "status": "submitted_late", "submitted_on": "2017-10-06", "days_left": 0}
    assert units["KT-DAKHA"]["days_left"] == 5 and units["KT-DAKHA"]["status"] == "not_started"
    assert units["KT"]["deadline"] == "2017-11-10"
    summary = status["summary"]
    assert summary["expected"] == len(status["units"])
    assert summary["late"] == 1 and summary["submitted"] == 1 and summary["on_time"] == 0
    assert summary["overdue"] == 0
    assert summary["not_due"] == summary["expected"] - 1
    later = json.loads(runner.invoke(args=["reports", "status", "nq20_2017", "--today",
                                           "2017-10-06", "--json"]).output)["summary"]
    grassroots = sum(1 for u in status["units"] if u["kind"] in ("grassroots",
                                                                  "trade_association"))
    assert later["overdue"] == grassroots - 1
    bad = runner.invoke(args=["reports", "status", "nq20_2017", "--today", "5/10/2017"])
    assert bad.exit_code != 0


def test_history_rows_carry_no_way_to_edit(db, nq20, reporter):
    send(db, nq20, reporter, "MAU-CDCS-DAKHA01")
    assert db.session.scalars(select(ReportEvent)).one().action == "submitted"


def test_an_id_of_another_response_of_the_same_person_is_refused(db, nq20, reporter):
    """A reporter's form filled outside the campaign (or an earlier sending) cannot stand in
    for the report: answering "sent" would drop the answers just sent."""
    from survey_app.models.responses import Channel
    from survey_app.responses.services import ResponseIdTaken, store_response

    survey = get_survey(db.session, "unit_report_2017")
    result = validate(definition_of(survey.current_version), ANSWERS, today=ON_TIME)
    loose = uuid.uuid4()
    store_response(db.session.connection(), response_id=loose,
                   version_id=survey.current_version_id, survey_id=survey.id,
                   answers=result.answers, channel=Channel.WEB, today=ON_TIME, now=NOW,
                   unit_id=reporter.unit_id, submitted_by_id=reporter.id)
    db.session.commit()
    with pytest.raises(ResponseIdTaken):
        send(db, nq20, reporter, "MAU-CDCS-DAKHA01", response_id=loose)
    db.session.rollback()
    assert services.report_of(db.session, nq20, unit(db, "MAU-CDCS-DAKHA01")) is None
