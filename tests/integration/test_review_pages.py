"""The review pages as a department, Ban Tổ chức and the admin use them: results with charts
and their text alternative, the appendix, writing and deciding findings through the forms
(refusals say why and save nothing), and the audit log."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey_app.models import AuditEvent, Finding, FindingEvent
from tests.conftest import csrf_token
from tests.review_demo import populate

BASE = "/campaigns/nq20_2017"


@pytest.fixture
def review(db, nq20, make_user):
    return populate(db, nq20, make_user)


def post(client, url, data, page=f"{BASE}/findings"):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def test_results_page_shows_charts_with_a_text_alternative(client, review, login):
    login(review["cspl"])
    html = client.get(f"{BASE}/review").get_data(as_text=True)
    # a department starts on its own first area, rolled up from the province
    assert 'value="1.3" selected' in html
    assert "Liên đoàn Lao động tỉnh Kon Tum" in html
    chart = re.search(r'<svg class="chart" id="c-a13_thoa_uoc".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in chart and "<title" in chart
    assert re.search(r"<desc[^>]*>Có: 5 \(83,3 %\); Không: 1 \(16,7 %\)</desc>", chart)
    assert "<th scope=\"row\">Có</th><td>5</td><td>83,3</td>" in html  # the same, as a table
    assert "Theo từng đơn vị thuộc" in html  # the roll-up by district
    assert "a11_" not in html  # other areas filtered out


def test_district_roll_up_and_appendix(client, review, login):
    login(review["cspl"])
    html = client.get(f"{BASE}/review?unit=KT-DAKHA&area=1.3").get_data(as_text=True)
    assert "2 phiếu của 2 đơn vị." in html
    appendix = client.get(f"{BASE}/review?tab=appendix&area=1.3").get_data(as_text=True)
    assert "6 trong 27 đơn vị thuộc Liên đoàn Lao động tỉnh Kon Tum đã gửi báo cáo." in appendix
    assert "không tính là 0" in appendix
    assert 'id="a-1-3"' in appendix  # the paired bars, baseline against current
    district = client.get(f"{BASE}/review?tab=appendix&area=1.3&unit=KT-DAKHA").get_data(
        as_text=True)
    assert "đã gửi báo cáo của mình" in district and "chênh lệch" in district


def test_the_poll_page_hides_small_groups(client, review, login):
    login(review["cspl"])
    html = client.get(f"{BASE}/review?survey=worker_poll&unit=MAU-CDCS-TPKT02&area=1.3"
                      ).get_data(as_text=True)
    assert "Quá ít người trả lời ở đây" in html
    assert "khong_ro" not in html and "Đã ẩn" in html
    district = client.get(f"{BASE}/review?survey=worker_poll&unit=KT-TPKT&area=1.3"
                          ).get_data(as_text=True)
    assert '<td class="hidden-cell">—</td>' in district


def test_write_submit_and_decide_through_the_forms(client, db, nq20, review, login, make_user):
    login(review["cspl"])
    response = post(client, f"{BASE}/findings", {
        "area": "1.3", "kind": "recommendation", "unit": "",
        "text": "Đề nghị Nhà nước hỗ trợ xây nhà trọ cho công nhân.",
        "evidence": ["indicator:a13_ind_mai_am", "question:inspection_2017:a13_thoa_uoc"]})
    assert response.status_code == 303
    finding = db.session.scalars(sa.select(Finding).where(Finding.kind == "recommendation")).one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đề nghị Nhà nước" in page and "3 → 11" in page  # the evidence beside it
    response = post(client, f"{BASE}/findings/{finding.id}/submit", {})
    assert response.status_code == 303
    # Ban Tổ chức returns it without a reason: refused, nothing changes
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(review["org"])
    refused = post(client, f"{BASE}/findings/{finding.id}/return", {"reason": ""})
    assert refused.status_code == 400
    assert "Hãy nêu lý do trả lại" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).status == "submitted"
    assert post(client, f"{BASE}/findings/{finding.id}/approve", {}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).status == "approved"
    again = post(client, f"{BASE}/findings/{finding.id}/approve", {})
    assert again.status_code == 400 and "đã được duyệt rồi" in again.get_data(as_text=True)


def test_bad_input_is_refused_in_vietnamese_and_saves_nothing(client, db, review, login,
                                                              make_user):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(FindingEvent))
    login(review["cspl"])
    response = post(client, f"{BASE}/findings", {"area": "1.3", "kind": "strength", "text": " "})
    assert response.status_code == 400
    assert "Hãy viết nội dung nhận định." in response.get_data(as_text=True)
    response = post(client, f"{BASE}/findings", {"area": "1.3", "kind": "strength",
                                                 "text": "X", "evidence": ["response:abc"]})
    assert response.status_code == 400 and "không phải là kết quả" in response.get_data(
        as_text=True)
    other = make_user("reviewer", department_code="TUYENGIAO")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(other)
    response = post(client, f"{BASE}/findings", {"area": "1.3", "kind": "strength",
                                                 "text": "Không phải ban của tôi"})
    assert response.status_code == 403
    assert "Chỉ ban phụ trách nội dung này" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FindingEvent)) == before


def test_audit_log_records_views_exports_and_decisions(client, db, review, login, make_user):
    login(review["cspl"])
    client.get(f"{BASE}/review?unit=KT-DAKHA")
    client.get(f"{BASE}/report/1.3/docx")
    response_id = db.session.execute(sa.text(
        "SELECT response_id FROM unit_reports ORDER BY id LIMIT 1")).scalar_one()
    import uuid

    client.get(f"/surveys/unit_report_2017/responses/{uuid.UUID(str(response_id))}")
    actions = {(e.action, e.target) for e in db.session.scalars(sa.select(AuditEvent))}
    assert ("review.viewed_results", "nq20_2017:KT-DAKHA") in actions
    assert ("review.report_exported", "nq20_2017:1.3") in actions
    assert any(a == "responses.viewed" and t.startswith("unit_report_2017:")
               for a, t in actions)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    admin = make_user("admin")
    login(admin)

    def listed(url):
        html = client.get(url).get_data(as_text=True)
        return html[html.index('<ol class="audit">'):]

    mine = listed("/admin/audit?actor=cspl&action=review.")
    assert "review.viewed_results" in mine and "nq20_2017:KT-DAKHA" in mine
    assert "finding." not in mine  # another action
    decided = listed("/admin/audit?action=finding.returned")
    assert "bantochuc" in decided and "Cần nêu số thỏa ước" in decided
    assert "review." not in decided
    assert "Không có mục nào khớp" in listed("/admin/audit?from=2999-01-01")


def test_pages_read_in_english_too(client, review, login):
    login(review["cspl"])
    client.set_cookie("lang", "en")
    for path, words in ((f"{BASE}/review", "Results and data appendix"),
                        (f"{BASE}/review?tab=appendix", "have sent their report"),
                        (f"{BASE}/findings", "New finding"), (f"{BASE}/signoff", "Sign-off")):
        html = client.get(path).get_data(as_text=True)
        assert words in html, path
    report = client.get(f"{BASE}/report/1.3").get_data(as_text=True)
    assert "Print" in report and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in report  # the document
