"""Results of a campaign's surveys: SQL aggregation against hand-computed figures, roll-up
by branch, filters, the replaced reports that no longer count, and the CLI's JSON."""

from __future__ import annotations

import json
import uuid

import pytest

from survey_app.review import results
from survey_app.review.tree import load_tree
from tests.integration.test_reports import ANSWERS, send
from tests.review_data import inspection

# Four checklists. Hand-computed figures below.
CHECKLISTS = {
    "KT-DAKHA": {"a13_thoa_uoc": "yes", "a13_thoa_uoc_so": 3, "a13_thoa_uoc_chat_luong": "co_loi",
                 "a13_muc_do": "3", "a13_nha_o": "yes", "a13_nha_o_noi_dung": ["nha_o", "nha_tre"],
                 "a13_kiem_tra_so": 2, "a13_uu_diem": "Phối hợp tốt với chính quyền"},
    "MAU-CDCS-DAKHA01": {"a13_thoa_uoc": "yes", "a13_thoa_uoc_so": 5,
                         "a13_thoa_uoc_chat_luong": "mot_so", "a13_muc_do": "4",
                         "a13_nha_o": "yes", "a13_nha_o_noi_dung": ["nha_o"],
                         "a13_kiem_tra_so": 4, "a11_cb_chinh_tri": "3"},
    "KT-TPKT": {"a13_thoa_uoc": "no", "a13_thoa_uoc_ly_do": "Doanh nghiệp nhỏ",
                "a13_muc_do": "2", "a13_nha_o": "no", "a13_kiem_tra_so": 0,
                "a11_cb_chinh_tri": "2"},
    "MAU-NGANH-GD": {"a13_thoa_uoc": "yes", "a13_thoa_uoc_so": 10,
                     "a13_thoa_uoc_chat_luong": "co_loi", "a13_muc_do": "3",
                     "a13_kiem_tra_so": 6, "a11_cb_chinh_tri": "4"},
}


@pytest.fixture
def checklists(db, nq20):
    for code, answers in CHECKLISTS.items():
        inspection(db, nq20, code, answers)
    return nq20


def run(db, campaign, unit=None, **filters):
    tree = load_tree(db.session)
    node = tree.get(unit) if unit else None
    return results.survey_results(
        db.session, campaign, "inspection_2017",
        filters=results.Filters(unit=node, **filters), threshold=5, tree=tree)


def test_whole_campaign_figures_match_hand_counts(db, checklists):
    figures = run(db, checklists)
    assert (figures.responses, figures.units) == (4, 4)
    agreements = figures.question("a13_thoa_uoc")
    assert agreements.counts == {"yes": 3, "no": 1}
    assert agreements.percent == {"yes": 75.0, "no": 25.0}
    assert (agreements.responses, agreements.units) == (4, 4)
    count = figures.question("a13_thoa_uoc_so")
    assert (count.mean, count.median, count.minimum, count.maximum) == (6.0, 5.0, 3.0, 10.0)
    assert count.responses == 3
    assert [(b.low, b.count) for b in count.distribution] == [(3.0, 1), (5.0, 1), (10.0, 1)]
    level = figures.question("a13_muc_do")  # a rating: a scale
    assert level.counts == {"1": 0, "2": 1, "3": 2, "4": 1}
    assert (level.mean, level.median) == (3.0, 3.0)
    supported = figures.question("a13_nha_o_noi_dung")  # several choices per response
    assert supported.responses == 2
    assert supported.counts == {"nha_o": 2, "nha_tre": 1, "thiet_che": 0, "khac": 0}
    assert supported.percent["nha_o"] == 100.0 and supported.percent["nha_tre"] == 50.0
    checks = figures.question("a13_kiem_tra_so")
    assert (checks.mean, checks.median) == (3.0, 3.0)  # 0, 2, 4, 6: between 2 and 4
    row = figures.question("a11_cb_chinh_tri")  # a matrix row, its own question
    assert row.parent_key == "a11_chuyen_bien" and row.counts["3"] == 1
    assert (row.mean, row.median) == (3.0, 3.0)
    assert figures.question("a13_uu_diem").text_count == 1


def test_a_district_includes_every_unit_under_it(db, checklists):
    figures = run(db, checklists, unit="KT-DAKHA")
    assert (figures.responses, figures.units) == (2, 2)
    assert figures.question("a13_thoa_uoc").counts == {"yes": 2, "no": 0}
    count = figures.question("a13_thoa_uoc_so")
    assert (count.mean, count.median) == (4.0, 4.0)
    assert figures.question("a13_muc_do").median == 3.5


def test_the_province_breaks_down_by_branch(db, checklists):
    figures = run(db, checklists, unit="KT")
    assert [b.code for b in figures.branches] == ["KT-DAKHA", "KT-TPKT", "MAU-NGANH-GD"]
    rows = {g.node.code: g for g in figures.question("a13_thoa_uoc").groups}
    assert rows["KT-DAKHA"].counts == {"yes": 2, "no": 0} and rows["KT-DAKHA"].responses == 2
    assert rows["KT-TPKT"].counts == {"yes": 0, "no": 1}
    means = {g.node.code: g.mean for g in figures.question("a13_thoa_uoc_so").groups}
    assert means == {"KT-DAKHA": 4.0, "KT-TPKT": None, "MAU-NGANH-GD": 10.0}
    # the scope's figures are its branches' figures added up
    assert figures.question("a13_thoa_uoc").counts == {"yes": 3, "no": 1}


def test_filters_by_kind_and_area(db, checklists):
    grassroots = run(db, checklists, kind="grassroots")
    assert grassroots.responses == 1
    assert grassroots.question("a13_thoa_uoc").counts == {"yes": 1, "no": 0}
    area = run(db, checklists, area="1.3")
    assert area.questions and {q.area for q in area.questions} == {"1.3"}
    assert area.question("a11_cb_chinh_tri") is None


def test_text_answers_are_paged(db, checklists):
    for n in range(12):
        inspection(db, checklists, "KT-SATHAY", {"a13_uu_diem": f"Nhận xét {n:02d}"})
    figures = run(db, checklists, unit="KT")
    first = results.text_answers(db.session, checklists, figures, "a13_uu_diem", page=1, size=5)
    assert (first.total, first.pages, len(first.answers)) == (13, 3, 5)
    last = results.text_answers(db.session, checklists, figures, "a13_uu_diem", page=3, size=5)
    assert len(last.answers) == 3
    seen = {a.text for p in (1, 2, 3) for a in results.text_answers(
        db.session, checklists, figures, "a13_uu_diem", page=p, size=5).answers}
    assert len(seen) == 13 and all(a.unit for a in first.answers)


def test_only_the_report_in_force_counts(db, nq20, make_user):
    """A returned report's first version does not count next to its correction."""
    from survey_app.reports import services as reports
    from tests.review_data import unit

    reporter = make_user("reporter", unit_code="MAU-CDCS-DAKHA01")
    district = make_user("reporter", unit_code="KT-DAKHA")
    send(db, nq20, reporter, "MAU-CDCS-DAKHA01")
    target = unit(db, "MAU-CDCS-DAKHA01")
    reports.return_report(db.session, nq20, target, "Sai số đoàn viên", user=district,
                          access=reports.access_to(db.session, district, target))
    db.session.commit()
    tree = load_tree(db.session)

    def members():
        figures = results.survey_results(db.session, nq20, "unit_report",
                                         filters=results.Filters(), threshold=5, tree=tree)
        return figures.responses, figures.question("a12_ind_doan_vien").mean

    assert members() == (0, None)  # returned: not in force
    send(db, nq20, reporter, "MAU-CDCS-DAKHA01", response_id=uuid.uuid4(),
         answers={**ANSWERS, "a12_ind_doan_vien": "140"})
    assert members() == (1, 140.0)


def test_cli_results_json(app, db, checklists):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["review", "results", "nq20_2017", "inspection_2017", "--unit",
                              "KT-DAKHA", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert set(data) == {"campaign", "survey", "unit", "responses", "units", "questions"}
    assert (data["campaign"], data["survey"], data["unit"]) == ("nq20_2017", "inspection_2017",
                                                                "KT-DAKHA")
    assert (data["responses"], data["units"]) == (2, 2)
    by_key = {q["key"]: q for q in data["questions"]}
    assert by_key["a13_thoa_uoc"] == {
        "key": "a13_thoa_uoc", "type": "yes_no", "label": by_key["a13_thoa_uoc"]["label"],
        "counts": {"yes": 2, "no": 0}, "percent": {"yes": 100.0, "no": 0.0},
        "suppressed": False}
    assert by_key["a13_thoa_uoc_so"] == {
        "key": "a13_thoa_uoc_so", "type": "integer", "label": by_key["a13_thoa_uoc_so"]["label"],
        "mean": 4.0, "median": 4.0, "suppressed": False}
    assert set(by_key["a13_muc_do"]) == {"key", "type", "label", "counts", "percent", "mean",
                                         "median", "suppressed"}
    assert set(by_key["a13_uu_diem"]) == {"key", "type", "label", "suppressed"}
    whole = json.loads(runner.invoke(args=["review", "results", "nq20_2017", "inspection",
                                           "--json"]).output)
    assert whole["unit"] is None and whole["responses"] == 4
    bad = runner.invoke(args=["review", "results", "nq20_2017", "no_such_survey", "--json"])
    assert bad.exit_code != 0
    bad = runner.invoke(args=["review", "results", "nq20_2017", "inspection", "--unit", "XX"])
    assert bad.exit_code != 0 and "XX" in bad.output
