"""The results queries use the indexes they were written for (issue 13, item 8): a page finds
the scope's responses by index (unit or campaign), then their answers by response, and never
reads the whole answers table. An index added later that the planner prefers (two
overlapping covering indexes once made subtree queries ten times slower) fails this test."""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from survey_app.models import Answer, Response, Unit
from survey_app.registry.services import get_survey
from survey_app.review import results
from survey_app.review.tree import load_tree

RESPONSES = 3000
QUESTIONS = ["a13_thoa_uoc", "a13_muc_do", "a13_kiem_tra_so", "a13_giam_sat", "a13_mai_am",
             "a13_hoi_nghi_nld", "a13_quy_che_dan_chu", "a11_quan_triet", "a12_muc_do",
             "a14_muc_do"]


@pytest.fixture
def loaded(db, nq20):
    """3,000 checklists of 10 answers over 130 units (10 districts, 12 unions under each)."""
    districts = list(db.session.scalars(sa.select(Unit).where(Unit.kind == "district")))
    for district in districts:
        for n in range(12):
            db.session.add(Unit(code=f"{district.code}-P{n:02d}", name=f"CĐCS {n}",
                                kind="grassroots", parent_id=district.id))
    db.session.commit()
    units = list(db.session.scalars(sa.select(Unit.id).where(Unit.kind != "national")))
    version = get_survey(db.session, "inspection_2017").current_version_id
    rng = random.Random(7)
    responses, answers = [], []
    for _ in range(RESPONSES):
        rid = uuid.uuid4()
        responses.append({"id": rid, "survey_version_id": version, "unit_id": rng.choice(units),
                          "campaign_id": nq20.id, "channel": "web",
                          "submitted_on": date(2017, 9, 20),
                          "submitted_at": datetime(2017, 9, 20, tzinfo=UTC)})
        for key in QUESTIONS:
            number = key == "a13_kiem_tra_so"
            answers.append({"response_id": rid, "question_key": key, "repeat_index": None,
                            "part": None, "value_text": None, "value_date": None,
                            "value_number": float(rng.randint(0, 9)) if number else None,
                            "value_choice": None if number else rng.choice(["1", "2", "3"])})
    db.session.execute(sa.insert(Response.__table__), responses)
    db.session.execute(sa.insert(Answer.__table__), answers)
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
    return nq20


def statements(db, campaign, unit_code):
    """The SQL (and parameters) that one results page runs, as the database receives it."""
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        tree = load_tree(db.session)
        figures = results.survey_results(
            db.session, campaign, "inspection",
            filters=results.Filters(unit=tree.get(unit_code)), threshold=5, tree=tree)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert figures.responses and figures.responses > 0
    return [(s, p) for s, p in seen if "per_unit" in s]


def plan(db, statement, parameters) -> str:
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(row[3] for row in rows)
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize("unit", ["KT-DAKHA", "KT"])
def test_results_reach_answers_through_the_responses_of_the_scope(db, loaded, unit):
    (statement, parameters), = statements(db, loaded, unit)
    text = plan(db, statement, parameters)
    if db.engine.dialect.name == "sqlite":
        assert "SEARCH answers USING INDEX ix_answers_response_id (response_id=?)" in text, text
        assert "SCAN answers" not in text, text
        # by unit or by campaign, as the statistics say; never the whole table
        assert re.search(r"SEARCH responses USING INDEX ix_responses_(unit|campaign)_id", text)
        assert "SCAN responses" not in text, text
    elif unit != "KT":  # the whole province reads most answers: a full scan can be right
        assert "Seq Scan on answers" not in text, text
        assert "ix_answers_response_id" in text, text


def test_the_district_and_the_province_agree(db, loaded):
    """The same numbers whichever way the database goes: the province's branch for Đắk Hà is
    Đắk Hà's own page."""
    tree = load_tree(db.session)

    def figures(code):
        return results.survey_results(db.session, loaded, "inspection",
                                      filters=results.Filters(unit=tree.get(code)),
                                      threshold=5, tree=tree)

    province, district = figures("KT"), figures("KT-DAKHA")
    assert province.responses <= RESPONSES and 0 < district.responses < province.responses
    row = next(g for g in province.question("a13_muc_do").groups if g.node.code == "KT-DAKHA")
    assert row.counts == district.question("a13_muc_do").counts
    assert row.responses == district.question("a13_muc_do").responses
    number = district.question("a13_kiem_tra_so")
    assert number.distribution and sum(b.count for b in number.distribution) == number.responses


def test_report_settings_last_for_the_transaction_on_postgresql(db):
    results.tune_for_reports(db.session)  # on SQLite: nothing to do, nothing raised
    if db.engine.dialect.name != "postgresql":
        return
    assert db.session.execute(sa.text("SHOW jit")).scalar() == "off"
    assert db.session.execute(sa.text("SHOW work_mem")).scalar() == results.REPORT_WORK_MEM
    db.session.commit()
    assert db.session.execute(sa.text("SHOW jit")).scalar() == "on"
    assert db.session.execute(sa.text("SHOW work_mem")).scalar() != results.REPORT_WORK_MEM
