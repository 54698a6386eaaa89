"""The unit report pages (issue 11 items 3 and 4): a unit's own report, drafts, sending on
time and late, refusals, the signed document, returning and resending, the upper level's
pre-fill, the completeness dashboard, and who reaches what (GET and POST)."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey_app.models import ReportAttachment, Response, Unit, UnitReport
from survey_app.reports import services
from tests.conftest import PASSWORD, csrf_token
from tests.integration.test_reports import ANSWERS, minimal_docx, minimal_pdf, send

REPORT = "/campaigns/nq20_2017/report"
REPORTS = "/campaigns/nq20_2017/reports"


@pytest.fixture
def today(monkeypatch):
    """Fix the pages' clock: ``today(date(2017, 10, 1))``."""

    def set_day(day: date) -> None:
        import survey_app.localtime
        import survey_app.reports.views

        monkeypatch.setattr(survey_app.reports.views, "local_today", lambda: day)
        monkeypatch.setattr(survey_app.localtime, "local_today", lambda: day)

    set_day(date(2017, 10, 1))
    return set_day


def signed_in(app, user):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT"] = "text/html"
    response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    return client


@pytest.fixture
def people(nq20, make_user):
    return {
        "cdcs": make_user("reporter", username="cdcs", unit_code="MAU-CDCS-DAKHA01",
                          full_name="Nguyễn Văn Cơ Sở"),
        "huyen": make_user("reporter", username="huyen", unit_code="KT-DAKHA",
                           full_name="Trần Thị Huyện"),
        "tpkt": make_user("reporter", username="tpkt", unit_code="KT-TPKT"),
        "tinh": make_user("reporter", username="tinh", unit_code="KT"),
        "office": make_user("office", username="vanphong"),
        "reviewer": make_user("reviewer", username="ban"),
        "inspector": make_user("inspector", username="kiemtra"),
    }


@pytest.fixture
def as_(app, people):
    clients = {}

    def client_of(name):
        if name not in clients:
            clients[name] = signed_in(app, people[name])
        return clients[name]

    return client_of


def page(response) -> str:
    return response.get_data(as_text=True)


def text_of(response) -> str:
    """The page's visible words, tags dropped, spaces squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page(response)))


def form_data(client, url=REPORT, answers=None, **extra):
    return {"csrf_token": csrf_token(client, url), "_response_id": str(uuid.uuid4()),
            **(ANSWERS if answers is None else answers), **extra}


def report_row(db, code) -> UnitReport | None:
    db.session.expire_all()
    unit_id = db.session.scalar(select(Unit.id).where(Unit.code == code))
    return db.session.scalars(select(UnitReport).where(UnitReport.unit_id == unit_id)).first()


def responses(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Response))


# --------------------------------------------------------------------------
# The reporter's own report
# --------------------------------------------------------------------------


def test_own_report_shows_deadline_days_left_and_the_form(db, as_, today):
    response = as_("cdcs").get(REPORT)
    assert response.status_code == 200
    words = text_of(response)
    assert "Báo cáo của đơn vị" in words and "CĐCS Công ty Cà phê Đắk Hà (mẫu)" in words
    assert "Hạn nộp 05/10/2017" in words and "còn 4 ngày" in words
    assert "Chưa bắt đầu" in words
    html = page(response)
    assert 'data-draft-key="report:nq20_2017:MAU-CDCS-DAKHA01:' in html
    assert 'name="a12_ind_doan_vien.baseline"' in html and "Lưu nháp" in html
    today(date(2017, 10, 5))
    assert "hôm nay là hạn cuối" in text_of(as_("cdcs").get(REPORT))


def test_a_draft_is_kept_on_the_server_and_the_form_starts_from_it(db, as_, today):
    client = as_("cdcs")
    data = {"csrf_token": csrf_token(client, REPORT), "_response_id": str(uuid.uuid4()),
            "nguoi_lap": "Nguyễn Văn A", "a12_ind_doan_vien": "1.250"}
    saved = client.post(f"{REPORT}/draft", data=data)
    assert saved.status_code == 303 and saved.headers["Location"].endswith(REPORT)
    report = report_row(db, "MAU-CDCS-DAKHA01")
    assert report.state == "draft"
    assert report.draft == {"nguoi_lap": ["Nguyễn Văn A"], "a12_ind_doan_vien": ["1.250"]}
    again = client.get(REPORT)
    html = page(again)
    assert 'value="Nguyễn Văn A"' in html and 'value="1.250"' in html
    assert "data-draft-fresh" in html  # once: the device's draft takes these answers over
    assert "Đang soạn (nháp)" in text_of(again)
    assert "data-draft-fresh" not in page(client.get(REPORT))
    assert responses(db) == 0


def test_sending_on_time_shows_the_report_read_only_with_its_history(db, as_, today):
    client = as_("cdcs")
    sent = client.post(REPORT, data=form_data(client))
    assert sent.status_code == 303 and sent.headers["Location"].endswith(REPORT)
    report = report_row(db, "MAU-CDCS-DAKHA01")
    assert report.state == "submitted" and report.first_submitted_on == date(2017, 10, 1)
    response = db.session.get(Response, report.response_id)
    assert response.campaign_id is not None and response.unit_id == report.unit_id
    view = client.get(REPORT)
    words = text_of(view)
    assert "Đã gửi báo cáo lên cấp trên." in words  # not the catalog's thanks for answers
    assert "Đã gửi đúng hạn" in words and "Nội dung báo cáo đã gửi" in words
    assert "Nguyễn Văn A" in words and "Năm 2008: 100 · Năm 2017: 125" in words
    assert "Lịch sử xử lý" in words and "Nguyễn Văn Cơ Sở" in words
    assert 'name="nguoi_lap"' not in page(view)  # read-only now


def test_sending_after_the_deadline_works_and_says_it_was_late(db, as_, today):
    today(date(2017, 10, 7))
    client = as_("cdcs")
    before = text_of(client.get(REPORT))
    assert "quá hạn 2 ngày" in before and "Quá hạn, chưa gửi" in before
    assert "Bạn vẫn gửi được báo cáo" in before
    assert client.post(REPORT, data=form_data(client)).status_code == 303
    after = text_of(client.get(REPORT))
    assert "Gửi muộn" in after
    assert "gửi lần đầu ngày 07/10/2017, sau hạn nộp 05/10/2017" in after


def test_grace_days_are_said_on_the_page(db, nq20, as_, today):
    nq20.config = {**nq20.config, "grace_days": 2}
    db.session.commit()
    today(date(2017, 10, 6))
    words = text_of(as_("cdcs").get(REPORT))
    assert "gửi đến hết ngày 07/10/2017 vẫn được tính là đúng hạn" in words


def test_before_the_campaign_starts_sending_is_refused_and_the_answers_kept(db, as_, today):
    today(date(2017, 7, 31))
    client = as_("cdcs")
    assert "từ ngày 01/08/2017" in text_of(client.get(REPORT))
    answers = {**ANSWERS, "ngay_hoi_nghi": "2017-07-28"}
    refused = client.post(REPORT, data=form_data(client, answers=answers))
    assert refused.status_code == 400
    assert "từ ngày 01/08/2017" in text_of(refused)
    assert 'value="Nguyễn Văn A"' in page(refused)  # nothing typed is lost
    as_json = client.post(REPORT, data=form_data(client, answers=answers),
                          headers={"Accept": "application/json"})
    assert as_json.status_code == 400 and "01/08/2017" in as_json.get_json()["message"]
    drafted = client.post(f"{REPORT}/draft", data=form_data(client, answers=answers))
    assert drafted.status_code == 400 and 'value="Nguyễn Văn A"' in page(drafted)
    assert responses(db) == 0 and report_row(db, "MAU-CDCS-DAKHA01") is None


def test_a_sent_report_refuses_another_sending_and_keeps_the_answers(db, as_, today):
    client = as_("cdcs")
    client.post(REPORT, data=form_data(client))
    first = report_row(db, "MAU-CDCS-DAKHA01").response_id
    other = form_data(client, answers={**ANSWERS, "nguoi_lap": "Người khác"})
    refused = client.post(REPORT, data=other)
    assert refused.status_code == 400
    assert "đề nghị cấp trên trả lại" in text_of(refused)
    assert 'value="Người khác"' in page(refused)
    assert report_row(db, "MAU-CDCS-DAKHA01").response_id == first and responses(db) == 1


def test_a_replayed_sending_is_acknowledged_once(db, as_, today):
    client = as_("cdcs")
    data = form_data(client)
    headers = {"Accept": "application/json"}
    first = client.post(REPORT, data=data, headers=headers)
    again = client.post(REPORT, data=data, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"] == data["_response_id"]
    assert first.get_json()["url"].endswith(REPORT)
    assert responses(db) == 1


def test_invalid_answers_come_back_with_their_messages(db, as_, today):
    client = as_("cdcs")
    data = form_data(client, answers={**ANSWERS, "a12_ind_doan_vien": "abc"})
    refused = client.post(REPORT, data=data)
    assert refused.status_code == 400 and 'value="abc"' in page(refused)
    as_json = client.post(REPORT, data=data, headers={"Accept": "application/json"})
    assert as_json.status_code == 422 and "a12_ind_doan_vien" in as_json.get_json()["errors"]
    assert responses(db) == 0


# --------------------------------------------------------------------------
# Returned for correction and sent again, through the pages
# --------------------------------------------------------------------------


def test_return_with_a_reason_correct_and_resend(db, as_, today):
    reporter, district = as_("cdcs"), as_("huyen")
    reporter.post(REPORT, data=form_data(reporter))
    opened = district.get(f"{REPORT}?unit=MAU-CDCS-DAKHA01")
    assert opened.status_code == 200
    words = text_of(opened)
    assert "Đã gửi đúng hạn" in words and "Nguyễn Văn A" in words
    assert "Trả lại để chỉnh sửa" in words
    url = f"{REPORT}/return?unit=MAU-CDCS-DAKHA01"
    token = csrf_token(district, f"{REPORT}?unit=MAU-CDCS-DAKHA01")
    no_reason = district.post(url, data={"csrf_token": token, "reason": "  "})
    assert no_reason.status_code == 400 and "lý do" in text_of(no_reason)
    assert report_row(db, "MAU-CDCS-DAKHA01").state == "submitted"
    reason = "Thiếu số liệu đoàn viên khu vực ngoài nhà nước năm 2017"
    returned = district.post(url, data={"csrf_token": token, "reason": reason})
    assert returned.status_code == 303
    assert returned.headers["Location"].endswith("?unit=MAU-CDCS-DAKHA01")
    assert report_row(db, "MAU-CDCS-DAKHA01").state == "returned"
    twice = district.post(url, data={"csrf_token": token, "reason": reason})  # another tab
    assert twice.status_code == 400 and "Chỉ trả lại được báo cáo đã gửi." in text_of(twice)

    mine = reporter.get(REPORT)
    words = text_of(mine)
    assert "Bị trả lại để chỉnh sửa" in words and reason in words
    assert "Trần Thị Huyện" in words
    html = page(mine)
    assert 'value="Nguyễn Văn A"' in html and 'value="125"' in html  # the last answers
    corrected = form_data(reporter, answers={**ANSWERS, "a12_ind_doan_vien": "130"})
    today(date(2017, 10, 8))
    assert reporter.post(REPORT, data=corrected).status_code == 303
    report = report_row(db, "MAU-CDCS-DAKHA01")
    assert report.state == "submitted" and report.first_submitted_on == date(2017, 10, 1)

    seen = text_of(district.get(f"{REPORT}?unit=MAU-CDCS-DAKHA01"))
    assert "Năm 2017: 130" in seen and "Đã gửi đúng hạn" in seen
    history = seen[seen.index("Lịch sử xử lý"):]
    assert [word for word in ("Đã gửi", "Bị trả lại để chỉnh sửa", "Gửi lại sau khi chỉnh sửa")
            if word in history] == ["Đã gửi", "Bị trả lại để chỉnh sửa",
                                    "Gửi lại sau khi chỉnh sửa"]
    assert reason in history


def test_only_the_direct_upper_level_and_the_office_return(db, as_, today, people):
    reporter = as_("cdcs")
    reporter.post(REPORT, data=form_data(reporter))
    url = f"{REPORT}/return?unit=MAU-CDCS-DAKHA01"
    view_url = f"{REPORT}?unit=MAU-CDCS-DAKHA01"
    for name in ("tinh", "reviewer"):  # read, never return
        client = as_(name)
        view = client.get(view_url)
        assert view.status_code == 200 and 'id="return"' not in page(view)
        refused = client.post(url, data={"csrf_token": csrf_token(client, view_url),
                                         "reason": "Không được phép trả lại"})
        assert refused.status_code == 403
    other = as_("tpkt")  # another district
    assert other.get(view_url).status_code == 403
    assert other.post(url, data={"csrf_token": csrf_token(other, REPORT),
                                 "reason": "Không phải đơn vị của tôi"}).status_code == 403
    assert report_row(db, "MAU-CDCS-DAKHA01").state == "submitted"
    office = as_("office")
    assert office.get(REPORT).headers["Location"].endswith(REPORTS)  # it files no report
    done = office.post(url, data={"csrf_token": csrf_token(office, view_url),
                                  "reason": "Văn phòng đề nghị bổ sung số liệu"})
    assert done.status_code == 303 and report_row(db, "MAU-CDCS-DAKHA01").state == "returned"


# --------------------------------------------------------------------------
# Who reaches what: a code or an id changed by hand never reaches another unit's data
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "code", "status"), [
    ("cdcs", "KT-DAKHA", 403),  # its own upper level
    ("cdcs", "MAU-CDCS-TPKT01", 403),  # a unit elsewhere
    ("huyen", "MAU-CDCS-TPKT01", 403),  # another district's unit
    ("huyen", "KT", 403),
    ("huyen", "MAU-CDCS-DAKHA01", 200),  # its own unit's unit
    ("tinh", "MAU-CDCS-DAKHA01", 200),  # further up: read
    ("reviewer", "MAU-CDCS-DAKHA01", 200),
    ("office", "MAU-CDCS-DAKHA01", 200),
    ("huyen", "NO-SUCH-UNIT", 404),
])
def test_reading_a_report_by_code(db, as_, today, who, code, status):
    assert as_(who).get(f"{REPORT}?unit={code}").status_code == status


def test_inspectors_reach_no_report_page(db, as_, today):
    client = as_("inspector")
    for url in (REPORT, REPORTS, f"{REPORT}/attachments/1"):
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("path", ["", "/draft", "/prefill", "/attachments"])
def test_writing_another_units_report_is_refused(db, as_, today, path):
    district = as_("huyen")
    data = {**form_data(district), "document": (io.BytesIO(minimal_pdf()), "bao-cao.pdf")}
    refused = district.post(f"{REPORT}{path}?unit=MAU-CDCS-DAKHA01", data=data,
                            content_type="multipart/form-data")
    assert refused.status_code == 403
    assert report_row(db, "MAU-CDCS-DAKHA01") is None and responses(db) == 0
    assert db.session.scalar(select(func.count()).select_from(ReportAttachment)) == 0


def test_a_response_id_of_another_unit_saves_nothing(db, nq20, as_, today, people):
    other = send(db, nq20, people["tpkt"], "KT-TPKT", day=date(2017, 10, 1))
    district = as_("huyen")
    data = form_data(district, answers={**ANSWERS, "nguoi_lap": "Kẻ mạo danh"})
    data["_response_id"] = str(other.response_id)
    refused = district.post(REPORT, data=data)
    assert refused.status_code == 409 and 'value="Kẻ mạo danh"' in page(refused)
    assert report_row(db, "KT-DAKHA") is None
    assert report_row(db, "KT-TPKT").response_id == other.response_id and responses(db) == 1


# --------------------------------------------------------------------------
# The signed document
# --------------------------------------------------------------------------


def upload(client, name, data):
    return client.post(f"{REPORT}/attachments", data={
        "csrf_token": csrf_token(client, REPORT), "document": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "attachments"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_a_signed_pdf_is_kept_outside_the_web_root_and_downloaded(db, app, as_, today):
    client = as_("cdcs")
    before = stored_files(app)
    added = upload(client, "Báo cáo đã ký.pdf", minimal_pdf())
    assert added.status_code == 303 and added.headers["Location"].endswith("#attachments")
    attachment = db.session.scalars(select(ReportAttachment)).one()
    [new] = sorted(set(stored_files(app)) - set(before))
    assert new.name == attachment.stored_name and "Báo cáo" not in new.name
    assert not str(new).startswith(app.static_folder)
    listed = page(client.get(REPORT))
    assert "Báo cáo đã ký.pdf" in listed
    url = f"{REPORT}/attachments/{attachment.id}"
    assert f'href="{url}"' in listed
    got = client.get(url)
    assert got.status_code == 200 and got.data == minimal_pdf()
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''B%C3%A1o" in got.headers["Content-Disposition"]
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in got.headers["Cache-Control"]
    docx = upload(client, "bao-cao.docx", minimal_docx())
    assert docx.status_code == 303
    second = db.session.scalars(
        select(ReportAttachment).order_by(ReportAttachment.id.desc())).first()
    assert client.get(f"{REPORT}/attachments/{second.id}").headers["Content-Type"] == \
        services.DOCX


@pytest.mark.parametrize(("name", "data"), [
    ("bao-cao.pdf", b"MZ\x90\x00\x03" + b"\x00" * 400),  # a renamed .exe
    ("bao-cao.docx", b"PK\x03\x04 not a Word file"),
    ("", b""),  # no file chosen
])
def test_anything_but_a_pdf_or_docx_is_refused_and_nothing_kept(db, app, as_, today, name,
                                                                 data):
    client = as_("cdcs")
    before = stored_files(app)
    refused = upload(client, name, data)
    assert refused.status_code == 400
    words = text_of(refused)
    assert "PDF" in words and ("không phải tài liệu" in words or "Hãy chọn tệp" in words)
    assert 'id="document-err"' in page(refused)
    assert stored_files(app) == before
    assert db.session.scalar(select(func.count()).select_from(ReportAttachment)) == 0


def test_a_docx_is_told_from_a_zip_of_something_else(db, as_, today):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    refused = upload(as_("cdcs"), "bang-tinh.docx", buffer.getvalue())
    assert refused.status_code == 400


def test_a_renamed_exe_gets_the_clear_message(db, app, as_, today):
    refused = upload(as_("cdcs"), "bao-cao.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    assert "Tệp này không phải tài liệu PDF hay Word (.docx)" in text_of(refused)


def test_a_file_over_the_limit_is_refused(db, app, as_, today, monkeypatch):
    monkeypatch.setattr(services, "MAX_ATTACHMENT_BYTES", 1024)
    refused = upload(as_("cdcs"), "lon.pdf", minimal_pdf() + b"%" * 2000 + b"\n%%EOF\n")
    assert refused.status_code == 400 and "Tệp lớn hơn 0 MB" in text_of(refused)
    assert db.session.scalar(select(func.count()).select_from(ReportAttachment)) == 0


def test_documents_are_downloaded_only_by_those_who_may_read_the_report(db, nq20, as_, today):
    owner = as_("cdcs")
    upload(owner, "bao-cao.pdf", minimal_pdf())
    attachment = db.session.scalars(select(ReportAttachment)).one()
    url = f"{REPORT}/attachments/{attachment.id}"
    for who, status in (("huyen", 200), ("office", 200), ("tinh", 200), ("reviewer", 200),
                        ("tpkt", 403), ("inspector", 403)):
        assert as_(who).get(url).status_code == status, who
    assert owner.get(f"{REPORT}/attachments/{attachment.id + 1000}").status_code == 404
    from survey_app.campaigns.services import copy_text, create_from_text

    create_from_text(db.session, copy_text(nq20, "nq20_copy"))
    db.session.commit()
    # the id of this campaign's document, asked for under another campaign
    assert owner.get(f"/campaigns/nq20_copy/report/attachments/{attachment.id}"
                     ).status_code == 404


def test_a_sent_report_takes_no_more_documents(db, as_, today):
    client = as_("cdcs")
    client.post(REPORT, data=form_data(client))
    assert 'name="document"' not in page(client.get(REPORT))
    refused = upload(client, "bao-cao.pdf", minimal_pdf())
    assert refused.status_code == 400 and "đề nghị cấp trên" in text_of(refused)


# --------------------------------------------------------------------------
# The upper level starts from its units' figures
# --------------------------------------------------------------------------


def test_upper_level_prefill_fills_only_empty_figures_and_never_counts_missing(
        db, nq20, make_user, app, today):
    one = make_user("reporter", unit_code="MAU-CDCS-TPKT01")
    two = make_user("reporter", unit_code="MAU-CDCS-TPKT02")
    send(db, nq20, one, "MAU-CDCS-TPKT01")
    send(db, nq20, two, "MAU-CDCS-TPKT02", answers={
        **ANSWERS, "a12_ind_doan_vien": "1.175", "a12_ind_doan_vien.baseline": "60",
        "a11_ind_hoi_thi": "3"})
    client = signed_in(app, make_user("reporter", username="tp", unit_code="KT-TPKT"))
    words = text_of(client.get(REPORT))
    assert "2 / 3 đơn vị trực thuộc đã gửi báo cáo" in words
    assert "2 / 3 đơn vị đã báo cáo · tổng của các đơn vị: 160 → 1.300" in words
    assert "1 / 3 đơn vị đã báo cáo · tổng của các đơn vị: — → 3" in words  # hoi_thi
    assert "Điền số liệu từ báo cáo của đơn vị trực thuộc" in words
    data = {"csrf_token": csrf_token(client, REPORT), "_response_id": str(uuid.uuid4()),
            "nguoi_lap": "Lê Văn Thành Phố", "a12_ind_cdcs": "7", "a12_ind_cdcs.baseline": ""}
    filled = client.post(f"{REPORT}/prefill", data=data)
    assert filled.status_code == 303
    assert filled.headers["Location"].endswith(f"{REPORT}#s-s_a11")  # the first part filled
    draft = report_row(db, "KT-TPKT").draft
    assert draft["a12_ind_doan_vien"] == ["1.300"]
    assert draft["a12_ind_doan_vien.baseline"] == ["160"]
    assert draft["a12_ind_cdcs"] == ["7"]  # typed: kept
    assert draft["a12_ind_cdcs.baseline"] == ["8"]  # empty: the units' 4 + 4
    assert draft["a11_ind_hoi_thi"] == ["3"]
    assert "a11_ind_hoi_thi.baseline" not in draft  # nobody sent it: stays empty, not 0
    assert "a11_ind_tuyen_truyen" not in draft
    assert draft["nguoi_lap"] == ["Lê Văn Thành Phố"]
    shown = client.get(REPORT)
    assert "Đã điền" in text_of(shown) and 'value="1.300"' in page(shown)


def test_a_grassroots_report_offers_no_prefill(db, as_, today):
    assert "Điền số liệu từ báo cáo" not in text_of(as_("cdcs").get(REPORT))


# --------------------------------------------------------------------------
# The dashboard
# --------------------------------------------------------------------------


def cards(response) -> list[str]:
    html = page(response)
    return re.findall(r'<span class="unit-name">([^<]+)</span>', html)


def test_office_dashboard_lists_every_expected_unit_with_figures(db, nq20, as_, people, today):
    send(db, nq20, people["cdcs"], "MAU-CDCS-DAKHA01", day=date(2017, 10, 5))
    send(db, nq20, people["tpkt"], "KT-TPKT", day=date(2017, 10, 12))
    today(date(2017, 10, 20))
    response = as_("office").get(REPORTS)
    assert response.status_code == 200
    rows = services.unit_rows(db.session, nq20, date(2017, 10, 20))
    assert len(cards(response)) == len(rows) == 28
    words = text_of(response)
    assert "Đã nộp 2 / 28 báo cáo (7,1%), đúng hạn 1 (3,6%)" in words
    assert "Gửi muộn" in words and "Đã gửi đúng hạn" in words and "Quá hạn, chưa gửi" in words
    assert "LĐLĐ huyện, thành phố 10 1 0 10,0% 0,0%" in words  # per level
    assert "Tất cả các cấp 28 2 1 7,1% 3,6%" in words
    assert f'href="{REPORT}?unit=MAU-CDCS-DAKHA01"' in page(response)
    for percent in re.findall(r"(\d+),\d%", words):
        assert int(percent) <= 100
    overdue = sum(1 for row in rows if row.status == "overdue")
    assert overdue == 25  # all but the two sent and the province (due 10/11)
    assert f"{overdue} đơn vị quá hạn chưa gửi: xem danh sách" in words
    assert f'href="{REPORTS}?status=overdue#units"' in page(response)


def test_the_overdue_link_keeps_the_filters_and_days_read_the_vietnamese_way(db, as_, today):
    today(date(2026, 11, 30))
    office = as_("office")
    district = office.get(f"{REPORTS}?level=district")
    assert "10 đơn vị quá hạn chưa gửi" in text_of(district)
    assert f'href="{REPORTS}?level=district&amp;status=overdue#units"' in page(district)
    # 3.338 days after 10/10/2017, with the thousands dot
    assert "quá hạn 3.338 ngày" in text_of(district)
    listed = office.get(f"{REPORTS}?level=district&status=overdue")
    assert len(cards(listed)) == 10 and "xem danh sách" not in text_of(listed)


def test_dashboard_filters_by_level_district_and_status(db, nq20, as_, people, today):
    send(db, nq20, people["cdcs"], "MAU-CDCS-DAKHA01", day=date(2017, 10, 5))
    today(date(2017, 10, 20))
    office = as_("office")
    level = cards(office.get(f"{REPORTS}?level=district"))
    assert len(level) == 10 and all(name.startswith("LĐLĐ") for name in level)
    tpkt = cards(office.get(f"{REPORTS}?district=KT-TPKT"))
    assert set(tpkt) == {"LĐLĐ thành phố Kon Tum", "CĐCS Công ty TNHH May mặc Kon Tum (mẫu)",
                         "CĐCS Trường THCS Nguyễn Huệ (mẫu)",
                         "Nghiệp đoàn Xe ôm thành phố Kon Tum (mẫu)"}
    sent = office.get(f"{REPORTS}?status=submitted")
    assert cards(sent) == ["CĐCS Công ty Cà phê Đắk Hà (mẫu)"]
    assert "Đã nộp 1 / 28" in text_of(sent)  # the figures count every status
    both = office.get(f"{REPORTS}?level=grassroots&district=KT-DAKHA&status=overdue")
    assert cards(both) == [] and "Không có đơn vị nào phù hợp" in text_of(both)
    nonsense = office.get(f"{REPORTS}?level=<b>&status=nope")
    assert len(cards(nonsense)) == 28


def test_upper_level_sees_only_the_units_under_it(db, nq20, as_, today, people):
    district = as_("huyen")
    assert cards(district.get(REPORTS)) == ["CĐCS Công ty Cà phê Đắk Hà (mẫu)"]
    assert "Báo cáo của đơn vị trực thuộc" in text_of(district.get(REPORTS))
    province = cards(as_("tinh").get(REPORTS))
    assert len(province) == 27 and "Liên đoàn Lao động tỉnh Kon Tum" not in province
    grassroots = as_("cdcs").get(REPORTS)
    assert grassroots.status_code == 200 and cards(grassroots) == []
    assert "không có đơn vị trực thuộc" in text_of(grassroots)
    assert len(cards(as_("reviewer").get(REPORTS))) == 28


def test_dashboard_counts_units_set_up_and_dissolved_mid_campaign(db, nq20, as_, today):
    db.session.scalars(select(Unit).where(Unit.code == "MAU-CDCS-TPKT01")).one().active_until = \
        date(2017, 9, 1)
    db.session.scalars(select(Unit).where(Unit.code == "MAU-CDCS-TPKT02")).one().active_from = \
        date(2017, 10, 6)
    db.session.commit()
    response = as_("office").get(REPORTS)
    assert len(cards(response)) == 26
    assert "CĐCS Công ty TNHH May mặc Kon Tum (mẫu)" not in cards(response)


def test_dashboard_runs_a_fixed_number_of_queries(db, nq20, as_, make_user, today,
                                                  count_queries):
    office = as_("office")
    office.get(REPORTS)
    with count_queries() as few:
        assert office.get(REPORTS).status_code == 200
    for code in ("MAU-CDCS-TPKT01", "MAU-CDCS-TPKT02", "MAU-CDCS-NGOCHOI01"):
        send(db, nq20, make_user("reporter", unit_code=code), code)
    with count_queries() as many:
        assert office.get(REPORTS).status_code == 200
    assert many.count == few.count, many.statements


# --------------------------------------------------------------------------
# The home page and the campaign's page lead here
# --------------------------------------------------------------------------


def test_home_page_tiles_lead_to_the_reports(db, nq20, as_, people, today):
    send(db, nq20, people["cdcs"], "MAU-CDCS-DAKHA01", day=date(2017, 10, 1))
    own = as_("huyen").get("/")
    words = text_of(own)
    assert "Báo cáo của đơn vị Tổng kết 10 năm thực hiện Nghị quyết 20-NQ/TW: Chưa bắt đầu · " \
           "còn 9 ngày" in words
    assert "Báo cáo của đơn vị trực thuộc Tổng kết 10 năm thực hiện Nghị quyết 20-NQ/TW: " \
           "đã nộp 1 / 1" in words
    html = page(own)
    assert f'href="{REPORT}"' in html and f'href="{REPORTS}"' in html
    # the campaign's unit report is filed on its page, not as a free-standing form
    assert "/surveys/unit_report_2017/fill" not in html
    mine = text_of(as_("cdcs").get("/"))
    assert "Đã gửi đúng hạn" in mine and "Báo cáo của đơn vị trực thuộc" not in mine
    office = text_of(as_("office").get("/"))
    assert "Tình hình nộp báo cáo Tổng kết 10 năm thực hiện Nghị quyết 20-NQ/TW: đã nộp 1 / 28" \
        in office
    overview = page(as_("huyen").get("/campaigns/nq20_2017"))
    assert f'href="{REPORT}"' in overview and f'href="{REPORTS}"' in overview
    assert "Tình hình nộp báo cáo" not in text_of(as_("inspector").get("/"))


def test_a_unit_of_a_kind_that_sends_no_report_is_told_so(db, nq20, make_user, app, today):
    client = signed_in(app, make_user("reporter", unit_code="VGCL"))
    response = client.get(REPORT)
    words = text_of(response)
    assert response.status_code == 200
    assert words.count("Đơn vị loại này không phải gửi báo cáo trong đợt này.") == 1
    assert 'name="nguoi_lap"' not in page(response)
