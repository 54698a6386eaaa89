"""The province report: the DOCX read back (motto block, issuing body, fonts, sections in
the seed's order, placeholders, appendix figures, the draft mark), the printable page, the
sign-off's blockers, and the CLI."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document
from docx.shared import Pt

from survey_app.models import Unit
from survey_app.review import findings as svc
from survey_app.review import report_doc, services
from tests.review_demo import populate

ORDER = ["Kết quả đạt được", "Ưu điểm", "Hạn chế, yếu kém", "Nguyên nhân",
         "Bài học kinh nghiệm", "Định hướng, nhiệm vụ, giải pháp", "Kiến nghị"]


@pytest.fixture
def review(db, nq20, make_user):
    return populate(db, nq20, make_user)


def docx_of(db, campaign, area="1.3"):
    document = report_doc.report_docx(db.session, campaign, area, threshold=5)
    return document, Document(io.BytesIO(document.data))


def texts(doc):
    return [p.text for p in doc.paragraphs]


def header_text(header) -> str:
    return " ".join([p.text for p in header.paragraphs]
                    + [c.text for t in header.tables for row in t.rows for c in row.cells])


def cell_texts(table):
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_docx_reads_like_an_administrative_report(db, nq20, review):
    document, doc = docx_of(db, nq20)
    assert document.is_draft
    head = cell_texts(doc.tables[0])[0]
    assert "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM" in head[0]
    assert "LIÊN ĐOÀN LAO ĐỘNG TỈNH KON TUM" in head[0] and "Số:" in head[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in head[1]
    assert "Độc lập - Tự do - Hạnh phúc" in head[1]
    assert "Kon Tum, ngày" in head[1] and "năm 2017" in head[1]
    body = texts(doc)
    assert "BÁO CÁO" in body
    assert any(line.startswith("Nội dung 1.3.") for line in body)
    headings = [line.split(". ", 1)[1] for line in body
                if line[:2] in {f"{n}." for n in range(1, 8)} and ". " in line]
    assert headings == ORDER  # the seed's order
    # approved findings only; placeholders where nothing is approved yet
    joined = "\n".join(body)
    assert "tăng mạnh, nhất là ở khu vực ngoài nhà nước" in joined
    assert "Nhiều thỏa ước còn sao chép" not in joined  # returned, not approved
    assert "Lê Văn" not in joined
    assert joined.count("(Chưa có nội dung được duyệt cho mục này.)") == 5
    # the results compare figures, the Vietnamese way
    # (Đắk Hà's own report speaks for its grassroots union: 12 + 1 + 0 + 1 + 1 = 15.)
    assert "Thỏa ước lao động tập thể đã ký kết, còn hiệu lực: năm 2008: 15 bản thỏa ước; " \
           "năm 2017: 34 bản thỏa ước; tăng 19 (+126,7 %)." in joined
    # evidence is cited beside the finding
    assert "(Căn cứ: Thỏa ước lao động tập thể" in joined
    # signature block
    sign = cell_texts(doc.tables[1])[0]
    assert "Nơi nhận:" in sign[0] and "Tổng Liên đoàn Lao động Việt Nam" in sign[0]
    assert "TM. BAN THƯỜNG VỤ" in sign[1] and "CHỦ TỊCH" in sign[1]
    # the draft mark on every page (header) and the note under the title
    for section in doc.sections:
        assert "DỰ THẢO" in header_text(section.header)
    assert "DỰ THẢO" in header_text(doc.sections[0].first_page_header)


def test_docx_fonts_and_page(db, nq20, review):
    _, doc = docx_of(db, nq20)
    sizes = set()
    for paragraph in doc.paragraphs:
        for run in paragraph.runs:
            if run.text.strip():
                assert run.font.name == "Times New Roman", run.text
                sizes.add(run.font.size)
    assert Pt(14) in sizes and sizes <= {Pt(13), Pt(14), Pt(2)}  # 2 pt: the short rules
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        if run.text.strip():
                            assert run.font.name == "Times New Roman"
    first, appendix = doc.sections[0], doc.sections[-1]
    assert (round(first.page_width.mm), round(first.page_height.mm)) == (210, 297)
    assert round(first.left_margin.mm) == 30 and round(first.right_margin.mm) == 15
    assert round(appendix.page_width.mm) == 297  # the wide table on a landscape page


def test_docx_appendix_table_has_the_figures(db, nq20, review):
    _, doc = docx_of(db, nq20)
    table = cell_texts(doc.tables[-1])
    assert table[0] == ["TT", "Chỉ tiêu", "Đơn vị tính", "Năm gốc", "Hiện nay", "Tăng, giảm",
                        "Tỷ lệ (%)", "Đơn vị báo cáo"]
    rows = {row[1]: row for row in table[1:]}
    # Đắk Hà reported for its whole district: its unit's figures are not added again.
    agreements = rows["Thỏa ước lao động tập thể đã ký kết, còn hiệu lực"]
    assert agreements[3:7] == ["15", "34", "+19", "+126,7 %"]
    houses = rows["Nhà “Mái ấm Công đoàn” được xây mới, sửa chữa (trong năm)"]
    assert houses[3:7] == ["3", "11", "+8", "+266,7 %"]
    assert not [k for k in rows if k.startswith("Hội thi")]  # area 1.1's: not in 1.3's
    nobody = rows["Nhà trẻ, nhóm trẻ cho con công nhân lao động được hỗ trợ xây dựng"]
    assert nobody[3:7] == ["–", "–", "–", "–"]  # nobody gave it: missing, not 0
    assert agreements[7] == "6/27"  # the province's 27 units that owe a report


def test_the_poll_stays_suppressed_in_the_docx(db, nq20, review):
    _, doc = docx_of(db, nq20)
    joined = "\n".join(texts(doc))
    assert "Ý kiến của đoàn viên, người lao động (14 phiếu):" in joined
    # a poll question too few people answered is said to be hidden, with no figure
    assert "Anh/Chị có được hỗ trợ về chỗ ở hoặc gửi trẻ không?: ẩn (dưới 5 người trả lời)." \
        in joined
    # TP Kon Tum's 3 + 5 workers are shown only pooled with Đắk Hà's, never on their own
    assert "Công ty TNHH May mặc" not in joined


def test_nothing_blocks_then_no_draft_mark(db, nq20, review):
    # Only the units that reported owe a report in this narrowed campaign.
    reported = {"MAU-CDCS-TPKT01", "MAU-CDCS-TPKT02", "MAU-CDCS-DAKHA01", "KT-DAKHA",
                "MAU-CDCS-TT01", "MAU-CDCS-GD01"}
    for unit in db.session.query(Unit):
        if unit.code not in reported and unit.kind not in ("province", "national"):
            unit.active_until = date(2017, 8, 1)
    db.session.commit()
    cspl, org = review["cspl"], review["org"]
    for finding in svc.list_findings(db.session, nq20, area="1.3"):
        if finding.status in ("draft", "returned"):
            svc.edit_finding(db.session, nq20, finding, user=cspl, kind=finding.kind,
                             text=finding.text, unit_code=None,
                             evidence=["indicator:a13_ind_thoa_uoc"])
            svc.submit_finding(db.session, nq20, finding, user=cspl)
        if finding.status == "submitted":
            svc.approve_finding(db.session, nq20, finding, user=org)
    (area,) = services.blockers(db.session, nq20, area="1.3")
    assert area.unapproved == [] and area.units_missing == []
    assert [k.value for k in area.kinds_missing] == ["solution", "recommendation"]
    for kind in ("solution", "recommendation"):
        finding = svc.create_finding(db.session, nq20, user=cspl, area="1.3", kind=kind,
                                     text="Đẩy mạnh thương lượng tập thể.",
                                     evidence=["indicator:a13_ind_thoa_uoc"])
        svc.submit_finding(db.session, nq20, finding, user=cspl)
        svc.approve_finding(db.session, nq20, finding, user=org)
    db.session.commit()
    (area,) = services.blockers(db.session, nq20, area="1.3")
    assert not area.is_blocked
    document, doc = docx_of(db, nq20)
    assert not document.is_draft
    everything = "\n".join(texts(doc)) + "".join(
        header_text(s.header) + header_text(s.first_page_header) for s in doc.sections)
    assert "DỰ THẢO" not in everything and "Chưa có nội dung" not in everything
    # area 1.1 still has no finding at all: its own report stays a draft
    assert report_doc.report_docx(db.session, nq20, "1.1", threshold=5).is_draft


def test_signoff_page_lists_what_blocks(client, db, nq20, review, login):
    login(review["org"])
    html = client.get("/campaigns/nq20_2017/signoff").get_data(as_text=True)
    assert "Nhiều thỏa ước còn sao chép" in html  # returned: not yet approved
    assert "Bài học kinh nghiệm" in html  # a draft lesson
    assert "Kiến nghị" in html  # no recommendation at all
    assert "21 / 27" in html.replace(" trong ", " / ")  # units that have not reported


def test_report_page_prints_the_same_document(client, db, nq20, review, login):
    login(review["cspl"])
    response = client.get("/campaigns/nq20_2017/report/1.3")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "DỰ THẢO" in html
    positions = [html.index(f"{n}. {heading}") for n, heading in enumerate(ORDER, start=1)]
    assert positions == sorted(positions)
    assert html.count("(Chưa có nội dung được duyệt cho mục này.)") == 5
    assert client.get("/campaigns/nq20_2017/report/7.7").status_code == 404
    download = client.get("/campaigns/nq20_2017/report/1.3/docx")
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "du-thao" in download.headers["Content-Disposition"]
    Document(io.BytesIO(download.data))  # a real DOCX


def test_cli_writes_the_report(app, db, nq20, review, tmp_path):
    out = tmp_path / "bao-cao.docx"
    result = app.test_cli_runner().invoke(args=["review", "report", "nq20_2017", "--area", "1.3",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "DỰ THẢO" in result.output
    assert "Nội dung 1.3. Bảo đảm quyền lợi" in "\n".join(texts(Document(str(out))))
    every = tmp_path / "all.docx"
    result = app.test_cli_runner().invoke(args=["review", "report", "nq20_2017", "--out",
                                                str(every)])
    assert result.exit_code == 0, result.output
    body = "\n".join(texts(Document(str(every))))
    for numeral, area in (("I.", "1.1"), ("II.", "1.2"), ("III.", "1.3"), ("IV.", "1.4")):
        assert f"{numeral} NỘI DUNG {area}." in body
    bad = app.test_cli_runner().invoke(args=["review", "report", "nq20_2017", "--area", "5.5",
                                             "--out", str(tmp_path / "x.docx")])
    assert bad.exit_code != 0 and not (tmp_path / "x.docx").exists()
