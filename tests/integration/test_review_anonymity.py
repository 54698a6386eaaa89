"""Anonymity in the review: a breakdown of anonymous poll answers under the threshold is
hidden with its complement, and no unit's figures can be subtracted from its parent's."""

from __future__ import annotations

import json

import pytest

from survey_app.review import results
from survey_app.review.tree import load_tree
from tests.review_data import poll_answers

T = 5


@pytest.fixture
def polled(db, nq20):
    # Đắk Hà: 6 workers. TP Kon Tum: 3 at one company, 5 at a school.
    poll_answers(db, nq20, "MAU-CDCS-DAKHA01", [{"p_doan_vien": "co", "p_hai_long": "4"}] * 6)
    poll_answers(db, nq20, "MAU-CDCS-TPKT01", [{"p_doan_vien": "khong", "p_hai_long": "1"}] * 3)
    poll_answers(db, nq20, "MAU-CDCS-TPKT02", [{"p_doan_vien": "co", "p_hai_long": "5"}] * 5)
    return nq20


def run(db, campaign, unit):
    tree = load_tree(db.session)
    return results.survey_results(db.session, campaign, "worker_poll",
                                  filters=results.Filters(unit=tree.get(unit)), threshold=T,
                                  tree=tree)


def test_the_province_shows_its_branches_when_each_is_big_enough(db, polled):
    figures = run(db, polled, "KT")
    assert figures.responses == 14
    member = figures.question("p_doan_vien")
    assert not member.suppressed and member.counts["co"] == 11 and member.counts["khong"] == 3
    rows = {g.node.code: g for g in member.groups}
    assert not rows["KT-DAKHA"].hidden and not rows["KT-TPKT"].hidden
    assert rows["KT-TPKT"].counts == {"co": 5, "khong": 3, "khong_ro": 0}


def test_a_small_branch_is_hidden_with_its_complement(db, polled):
    figures = run(db, polled, "KT-TPKT")
    member = figures.question("p_doan_vien")
    assert member.counts["khong"] == 3 and member.responses == 8  # the district: 8 people
    rows = {g.node.code: g for g in member.groups}
    assert rows["MAU-CDCS-TPKT01"].hidden and rows["MAU-CDCS-TPKT01"].counts["khong"] is None
    # 5 people, but shown it would give away the 3 by subtraction
    assert rows["MAU-CDCS-TPKT02"].hidden and rows["MAU-CDCS-TPKT02"].responses is None


def test_a_unit_hidden_above_cannot_be_read_on_its_own(db, polled):
    """MAU-CDCS-TPKT02 has 5 respondents, but its district's table hides it as a complement:
    its own page must not show what the district's page subtracts to the other company."""
    figures = run(db, polled, "MAU-CDCS-TPKT02")
    member = figures.question("p_doan_vien")
    assert member.suppressed and member.counts == {"co": None, "khong": None, "khong_ro": None}
    assert figures.responses is None
    assert run(db, polled, "MAU-CDCS-TPKT01").question("p_hai_long").mean is None
    dakha = run(db, polled, "MAU-CDCS-DAKHA01").question("p_hai_long")
    assert not dakha.suppressed and dakha.mean == 4.0


def test_free_text_of_a_hidden_unit_is_not_listed(db, polled):
    poll_answers(db, polled, "MAU-CDCS-TPKT01", [{"p_mong_muon": "Tăng lương"}])
    poll_answers(db, polled, "MAU-CDCS-DAKHA01", [{"p_mong_muon": "Nhà trọ"}] * 3)
    for code in ("MAU-CDCS-TPKT01", "KT-TPKT", "KT"):  # 1, 1 and 4 people wrote something
        hidden = run(db, polled, code)
        page = results.text_answers(db.session, polled, hidden, "p_mong_muon")
        assert page.total == 0 and page.answers == [], code
    poll_answers(db, polled, "MAU-CDCS-DAKHA01", [{"p_mong_muon": "Nhà trọ"}])
    shown = run(db, polled, "KT")
    page = results.text_answers(db.session, polled, shown, "p_mong_muon")
    assert sorted(a.text for a in page.answers) == ["Nhà trọ"] * 4 + ["Tăng lương"]
    assert all(a.unit is None and a.response_id is None for a in page.answers)


def test_the_unit_kind_filter_does_not_split_the_poll(db, polled):
    tree = load_tree(db.session)
    figures = results.survey_results(
        db.session, polled, "worker_poll",
        filters=results.Filters(unit=tree.get("KT"), kind="district"), threshold=T, tree=tree)
    assert figures.kind_ignored and figures.responses == 14


def test_cli_json_hides_what_the_pages_hide(app, db, polled):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["review", "results", "nq20_2017", "worker_poll_2017", "--unit",
                              "MAU-CDCS-TPKT02", "--json"])
    data = json.loads(out.output)
    assert data["responses"] is None and data["units"] is None
    member = next(q for q in data["questions"] if q["key"] == "p_doan_vien")
    assert member["suppressed"] is True
    assert set(member["counts"].values()) == {None} and set(member["percent"].values()) == {None}
    rating = next(q for q in data["questions"] if q["key"] == "p_hai_long")
    assert rating["mean"] is None and rating["median"] is None
    for question in data["questions"]:  # nothing about these five people, anywhere
        assert question["suppressed"] is True
        assert not [v for v in (question.get("counts") or {}).values() if v is not None]
