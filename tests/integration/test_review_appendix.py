"""The data appendix: sums up the tree, each figure counted once, missing is not zero, change
% with a zero baseline, "n of m units", and the CLI's JSON."""

from __future__ import annotations

import json
from datetime import date

import pytest

from survey_app.review.appendix import Figure, build_appendix
from survey_app.review.tree import load_tree
from tests.integration.test_reports import ANSWERS, send

MEMBERS = "a12_ind_doan_vien"


def figures(members_2008, members_2017, **more):
    answers = {**ANSWERS, f"{MEMBERS}.baseline": str(members_2008), MEMBERS: str(members_2017)}
    answers.update({k: str(v) for k, v in more.items()})
    return answers


@pytest.fixture
def reporters(make_user):
    codes = ["MAU-CDCS-TPKT01", "MAU-CDCS-TPKT02", "MAU-ND-TPKT01", "KT-TPKT",
             "MAU-CDCS-DAKHA01", "KT-DAKHA", "MAU-CDCS-TT01", "MAU-CDCS-GD01"]
    return {code: make_user("reporter", unit_code=code) for code in codes}


def appendix(db, campaign, code="KT"):
    tree = load_tree(db.session)
    return build_appendix(db.session, campaign, tree, tree.get(code))


def item(result, key=MEMBERS):
    return next(i for i in result.indicators if i.indicator.key == key)


def test_change_and_change_pct():
    assert Figure(100, 125).change == 25 and Figure(100, 125).change_pct == 25.0
    assert Figure(80, 60).change_pct == -25.0
    assert Figure(0, 12).change == 12 and Figure(0, 12).change_pct is None  # zero baseline
    assert Figure(None, 12).change is None and Figure(None, 12).change_pct is None
    assert Figure(3, 4).change_pct == 33.3


def test_nothing_reported_is_null_not_zero(db, nq20):
    result = appendix(db, nq20)
    members = item(result)
    assert members.total == Figure(None, None)
    assert len(result.units_reporting) == 0
    assert len(result.units_expected) == len(result.missing) > 20


def test_sums_up_the_tree_where_upper_levels_have_not_reported(db, nq20, reporters):
    # Under TP Kon Tum: two grassroots unions and a trade association; the district is silent.
    send(db, nq20, reporters["MAU-CDCS-TPKT01"], "MAU-CDCS-TPKT01", answers=figures(100, 125))
    send(db, nq20, reporters["MAU-CDCS-TPKT02"], "MAU-CDCS-TPKT02", answers=figures(40, 35))
    # Đắk Hà's grassroots union, and one directly under the province
    send(db, nq20, reporters["MAU-CDCS-DAKHA01"], "MAU-CDCS-DAKHA01", answers=figures(0, 12))
    send(db, nq20, reporters["MAU-CDCS-TT01"], "MAU-CDCS-TT01", answers=figures(50, 50))
    result = appendix(db, nq20)
    members = item(result)
    assert members.total == Figure(190.0, 222.0)  # 100+40+0+50, 125+35+12+50
    assert members.total.change == 32.0 and members.total.change_pct == 16.8
    assert members.own is None  # the province has not reported itself
    branches = {b.node.code: b for b in members.branches}
    assert branches["KT-TPKT"].figure == Figure(140.0, 160.0)
    assert not branches["KT-TPKT"].reported and branches["KT-TPKT"].below is None
    # the district and its three units owe a report; two of them sent it
    assert (branches["KT-TPKT"].units_reporting, branches["KT-TPKT"].units_expected) == (2, 4)
    assert branches["KT-DAKHA"].figure.change_pct is None  # 0 → 12: no percentage
    assert branches["KT-DAKHA"].figure.change == 12.0
    assert branches["KT-SATHAY"].figure == Figure(None, None)  # nobody there: missing
    assert (branches["KT-SATHAY"].units_reporting, branches["KT-SATHAY"].units_expected) == (0, 1)
    assert len(result.units_reporting) == 4
    assert "MAU-ND-TPKT01" in {n.code for n in result.missing}
    assert "KT" not in {n.code for n in result.units_expected}  # the scope itself excluded


def test_an_upper_level_report_speaks_for_its_units_and_is_not_added_again(db, nq20, reporters):
    send(db, nq20, reporters["MAU-CDCS-TPKT01"], "MAU-CDCS-TPKT01", answers=figures(100, 125))
    send(db, nq20, reporters["MAU-CDCS-TPKT02"], "MAU-CDCS-TPKT02", answers=figures(40, 35))
    # The district aggregates all of its units (including the ones that did not report here).
    send(db, nq20, reporters["KT-TPKT"], "KT-TPKT", day=date(2017, 10, 10),
         answers=figures(300, 330))
    result = appendix(db, nq20)
    members = item(result)
    district = next(b for b in members.branches if b.node.code == "KT-TPKT")
    assert district.reported and district.figure == Figure(300.0, 330.0)
    assert district.below == Figure(140.0, 160.0)  # its units' own figures, beside it
    assert district.figure.minus(district.below) == Figure(160.0, 170.0)  # the gap
    assert members.total == Figure(300.0, 330.0)  # not 440 / 490: counted once
    # Scoped to the district: its own report, and its units' figures with the gap
    scoped = appendix(db, nq20, "KT-TPKT")
    own = item(scoped)
    assert own.total == own.own == Figure(300.0, 330.0)
    assert own.below == Figure(140.0, 160.0)
    assert (len(scoped.units_reporting), len(scoped.units_expected)) == (2, 3)
    assert [n.code for n in scoped.missing] == ["MAU-ND-TPKT01"]


def test_an_indicator_nobody_gave_stays_null(db, nq20, reporters):
    send(db, nq20, reporters["MAU-CDCS-TPKT01"], "MAU-CDCS-TPKT01", answers=figures(100, 125))
    hoi_thi = item(appendix(db, nq20), "a11_ind_hoi_thi")
    assert hoi_thi.total == Figure(None, None)
    partly = {**figures(1, 1), "a11_ind_hoi_thi": "4"}  # current given, no baseline
    send(db, nq20, reporters["MAU-CDCS-TPKT02"], "MAU-CDCS-TPKT02", answers=partly)
    hoi_thi = item(appendix(db, nq20), "a11_ind_hoi_thi")
    assert hoi_thi.total == Figure(None, 4.0) and hoi_thi.total.change is None


def test_cli_appendix_json(app, db, nq20, reporters):
    send(db, nq20, reporters["MAU-CDCS-TPKT01"], "MAU-CDCS-TPKT01", answers=figures(100, 125))
    runner = app.test_cli_runner()
    out = runner.invoke(args=["review", "appendix", "nq20_2017", "--unit", "KT-TPKT", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert set(data) == {"campaign", "unit", "indicators"}
    assert data["unit"] == "KT-TPKT"
    members = next(i for i in data["indicators"] if i["key"] == MEMBERS)
    assert members == {
        "key": MEMBERS, "label": "Tổng số đoàn viên công đoàn", "area": "1.2",
        "baseline": 100.0, "current": 125.0, "change": 25.0, "change_pct": 25.0,
        "units_reporting": 1, "units_expected": 3,
        "missing": ["MAU-CDCS-TPKT02", "MAU-ND-TPKT01"]}
    empty = next(i for i in data["indicators"] if i["key"] == "a11_ind_hoi_thi")
    assert empty["baseline"] is None and empty["current"] is None and empty["change_pct"] is None
    province = json.loads(runner.invoke(args=["review", "appendix", "nq20_2017",
                                              "--json"]).output)
    assert province["unit"] == "KT"
