"""A small, realistic review for page, browser and report tests: checklists at six units,
poll answers at three, units' reports with their figures, and findings in every state."""

from __future__ import annotations

from datetime import date

from survey_app.review import findings as svc
from tests.integration.test_reports import ANSWERS, send
from tests.review_data import inspection, poll_answers

CHECKLISTS = {
    "KT-DAKHA": ("yes", 3, "co_loi", "3", 2),
    "MAU-CDCS-DAKHA01": ("yes", 5, "mot_so", "4", 4),
    "KT-TPKT": ("no", None, None, "2", 0),
    "MAU-CDCS-TPKT01": ("yes", 2, "sao_chep", "2", 1),
    "MAU-NGANH-GD": ("yes", 10, "co_loi", "3", 6),
    "MAU-TW-DIENLUC": ("yes", 4, "co_loi", "4", 3),
}

REPORTS = {  # code: (members 2008, 2017, agreements 2008, 2017, houses 2008, 2017)
    "MAU-CDCS-TPKT01": (100, 125, 1, 1, 0, 2),
    "MAU-CDCS-TPKT02": (40, 35, 0, 1, 0, 0),
    "MAU-CDCS-DAKHA01": (60, 90, 0, 1, 0, 1),
    "KT-DAKHA": (800, 1100, 12, 30, 3, 9),
    "MAU-CDCS-TT01": (50, 50, 1, 1, 0, 0),
    "MAU-CDCS-GD01": (70, 72, 1, 1, 0, 0),
}


def populate(db, campaign, make_user) -> dict:
    """Fill ``campaign`` and return the people who acted (by role)."""
    for code, (agreement, count, quality, level, checks) in CHECKLISTS.items():
        answers = {"a13_thoa_uoc": agreement, "a13_muc_do": level, "a13_kiem_tra_so": checks,
                   "a13_uu_diem": f"Công đoàn {code} phối hợp tốt với chuyên môn."}
        if count is not None:
            answers.update(a13_thoa_uoc_so=count, a13_thoa_uoc_chat_luong=quality)
        else:
            answers["a13_thoa_uoc_ly_do"] = "Doanh nghiệp nhỏ, chưa có tổ chức đại diện."
        inspection(db, campaign, code, answers)
    poll_answers(db, campaign, "MAU-CDCS-DAKHA01",
                 [{"p_thoa_uoc": "co", "p_hai_long": "4", "p_m_luong": "4"}] * 6)
    poll_answers(db, campaign, "MAU-CDCS-TPKT01",
                 [{"p_thoa_uoc": "khong", "p_hai_long": "2", "p_m_luong": "2"}] * 3)
    poll_answers(db, campaign, "MAU-CDCS-TPKT02",
                 [{"p_thoa_uoc": "khong_ro", "p_hai_long": "3", "p_m_luong": "3"}] * 5)
    for code, (m0, m1, a0, a1, h0, h1) in REPORTS.items():
        reporter = make_user("reporter", unit_code=code)
        day = date(2017, 10, 10) if code.startswith("KT-") else date(2017, 10, 5)
        send(db, campaign, reporter, code, day=day, answers={
            **ANSWERS, "a12_ind_doan_vien.baseline": str(m0), "a12_ind_doan_vien": str(m1),
            "a13_ind_thoa_uoc.baseline": str(a0), "a13_ind_thoa_uoc": str(a1),
            "a13_ind_mai_am.baseline": str(h0), "a13_ind_mai_am": str(h1)})
    people = {
        "cspl": make_user("reviewer", username="cspl", full_name="Trần Thị Bình",
                          department_code="CSPL"),
        "org": make_user("organization", username="bantochuc", full_name="Lê Văn Cường"),
    }
    cspl, org = people["cspl"], people["org"]

    def write(kind, text, evidence, unit_code=None):
        finding = svc.create_finding(db.session, campaign, user=cspl, area="1.3", kind=kind,
                                     text=text, unit_code=unit_code, evidence=evidence)
        db.session.flush()
        return finding

    strength = write("strength", "Số thỏa ước lao động tập thể tăng mạnh, nhất là ở khu vực "
                     "ngoài nhà nước.", ["indicator:a13_ind_thoa_uoc",
                                         "question:inspection_2017:a13_thoa_uoc"])
    houses = write("strength", "Nhà “Mái ấm Công đoàn” được xây mới ở nhiều huyện.",
                   ["indicator:a13_ind_mai_am"])
    limitation = write("limitation", "Nhiều thỏa ước còn sao chép quy định của pháp luật.",
                       ["question:inspection_2017:a13_thoa_uoc_chat_luong"])
    cause = write("cause", "Cán bộ công đoàn cơ sở chưa được tập huấn kỹ năng thương lượng.",
                  ["question:worker_poll_2017:p_thoa_uoc"], unit_code="KT-TPKT")
    write("lesson", "Phải bám sát cơ sở, lắng nghe người lao động.", [])
    for finding in (strength, houses, limitation, cause):
        svc.submit_finding(db.session, campaign, finding, user=cspl)
    svc.approve_finding(db.session, campaign, strength, user=org)
    svc.approve_finding(db.session, campaign, houses, user=org)
    svc.return_finding(db.session, campaign, limitation, user=org,
                       reason="Cần nêu số thỏa ước cụ thể và so sánh với năm 2008.")
    db.session.commit()
    return people
