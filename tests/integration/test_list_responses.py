"""The responses of a survey, a page at a time, filtered by a unit and the units under it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from survey_app.models import Unit
from survey_app.registry.services import sync_definition
from survey_app.responses.services import staff_responses
from survey_app.surveys.loader import load_definition
from tests.conftest import SAMPLE_SURVEY
from tests.factories import add_responses

ROW = re.compile(r'href="/surveys/sample_check/responses/([0-9a-f-]{36})"')


def listed(client, query: str = "") -> tuple[int, list[str], str]:
    response = client.get(f"/surveys/sample_check/responses{query}")
    html = response.get_data(as_text=True)
    return response.status_code, ROW.findall(html), html


def unit_id(db, code: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


@pytest.fixture
def tree_responses(db, kontum, sample_survey):
    """Responses along a three-level branch (province → district → grassroots under it) and
    beside it, and a poll answer filed against the same survey."""
    return {
        "KT": add_responses(db, sample_survey, "KT", 1),
        "KT-TPKT": add_responses(db, sample_survey, "KT-TPKT", 2),
        "MAU-CDCS-TPKT01": add_responses(db, sample_survey, "MAU-CDCS-TPKT01", 3),
        "MAU-ND-TPKT01": add_responses(db, sample_survey, "MAU-ND-TPKT01", 1),
        "KT-DAKHA": add_responses(db, sample_survey, "KT-DAKHA", 2),
        "MAU-CDCS-DAKHA01": add_responses(db, sample_survey, "MAU-CDCS-DAKHA01", 1),
        "poll": add_responses(db, sample_survey, "MAU-CDCS-TPKT01", 4, channel="poll"),
    }


def ids(groups, *codes):
    return {str(i) for code in codes for i in groups[code]}


def test_filter_takes_the_unit_and_every_unit_under_it(client, login_as, tree_responses):
    login_as("reviewer")
    status, rows, _ = listed(client, "?unit=KT-TPKT")
    assert status == 200
    assert set(rows) == ids(tree_responses, "KT-TPKT", "MAU-CDCS-TPKT01", "MAU-ND-TPKT01")
    _, rows, _ = listed(client, "?unit=MAU-CDCS-TPKT01")
    assert set(rows) == ids(tree_responses, "MAU-CDCS-TPKT01")
    _, rows, _ = listed(client, "?unit=KT")
    assert set(rows) == ids(tree_responses, "KT", "KT-TPKT", "MAU-CDCS-TPKT01",
                            "MAU-ND-TPKT01", "KT-DAKHA", "MAU-CDCS-DAKHA01")
    _, rows, _ = listed(client, "?unit=KT-SATHAY")
    assert rows == []


def test_poll_answers_are_never_listed(client, login_as, tree_responses):
    login_as("admin")
    _, rows, html = listed(client)
    assert len(rows) == 10 and not set(rows) & ids(tree_responses, "poll")
    assert "Phiếu 1–10 trên tổng số 10" in html


def test_a_poll_survey_sends_readers_to_its_suppressed_results(client, login_as, db):
    text = SAMPLE_SURVEY.replace("key: sample_check", "key: poll_x").replace(
        "audience: inspection", "audience: worker_poll")
    sync_definition(db.session, load_definition(text), text)
    db.session.commit()
    login_as("organization")
    response = client.get("/surveys/poll_x/responses")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/polls/results/poll_x")


def test_pages_of_25_newest_first_and_every_response_once(client, login_as, db, kontum,
                                                          sample_survey):
    newest_first = add_responses(db, sample_survey, "KT-DAKHA", 60)
    login_as("office")
    seen = []
    for number, size in ((1, 25), (2, 25), (3, 10)):
        status, rows, html = listed(client, f"?page={number}")
        assert status == 200 and len(rows) == size
        seen.extend(rows)
        first = (number - 1) * 25 + 1
        assert f"Phiếu {first}–{first + size - 1} trên tổng số 60" in html
        assert 'aria-current="page">' + str(number) + "<" in html
    assert seen == [str(i) for i in newest_first]
    # past the end: the last page; nonsense: the first
    assert listed(client, "?page=99")[1] == seen[50:]
    assert listed(client, "?page=abc")[1] == seen[:25]
    assert listed(client, "?page=-2")[1] == seen[:25]


def test_page_links_keep_the_unit_filter(client, login_as, db, kontum, sample_survey):
    add_responses(db, sample_survey, "MAU-CDCS-DAKHA01", 30)
    add_responses(db, sample_survey, "KT-SATHAY", 30)
    login_as("reviewer")
    _, rows, html = listed(client, "?unit=KT-DAKHA")
    assert len(rows) == 25 and "trên tổng số 30" in html
    assert 'href="/surveys/sample_check/responses?unit=KT-DAKHA&amp;page=2"' in html
    _, rows, _ = listed(client, "?unit=KT-DAKHA&page=2")
    assert len(rows) == 5


def test_rows_show_date_and_time_in_vietnam_unit_and_who_sent_it(client, login_as, make_user,
                                                                  db, kontum, sample_survey):
    sender = make_user("inspector", full_name="Nguyễn Thị Hoa")
    add_responses(db, sample_survey, "KT-DAKHA", 1, by=sender,
                  newest=datetime(2017, 9, 12, 20, 5, tzinfo=UTC))
    add_responses(db, sample_survey, None, 1, newest=datetime(2017, 9, 1, 1, 0, tzinfo=UTC))
    login_as("organization")
    _, rows, html = listed(client)
    assert len(rows) == 2
    assert "13/09/2017 03:05" in html  # 20:05 UTC is the next morning in Vietnam
    assert "LĐLĐ huyện Đắk Hà" in html and "Nguyễn Thị Hoa" in html
    assert "01/09/2017 08:00" in html and "Không có đơn vị" in html
    # each row opens the stored response
    assert client.get(f"/surveys/sample_check/responses/{rows[0]}").status_code == 200


def test_unknown_unit_says_so_and_lists_nothing(client, login_as, tree_responses):
    login_as("reviewer")
    status, rows, html = listed(client, "?unit=NOPE")
    assert status == 404 and rows == []
    assert "Không có đơn vị nào mang mã NOPE." in html


def test_empty_list_says_so_and_links_the_export(client, login_as, db, kontum, sample_survey):
    login_as("reviewer")
    status, rows, html = listed(client)
    assert status == 200 and rows == []
    assert "Chưa có phiếu nào được gửi." in html
    assert 'href="/admin/surveys/sample_check/responses.xlsx"' in html
    assert client.get("/admin/surveys/sample_check/responses.xlsx").status_code == 200


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("office", 200), ("reviewer", 200),
                                              ("organization", 200), ("inspector", 403),
                                              ("reporter", 403)])
def test_only_those_who_read_responses_reach_the_list(client, login_as, sample_survey, role,
                                                      status):
    login_as(role)
    assert client.get("/surveys/sample_check/responses").status_code == status


def test_the_list_runs_the_same_queries_for_one_row_or_a_full_page(client, login_as, make_user,
                                                                    db, kontum, sample_survey,
                                                                    count_queries):
    login_as("reviewer")
    add_responses(db, sample_survey, "KT-DAKHA", 1, by=make_user("inspector"))
    client.get("/surveys/sample_check/responses")  # the definition is parsed once and kept
    with count_queries() as one:
        assert len(listed(client, "?unit=KT")[1]) == 1
    for code in ("KT-TPKT", "MAU-CDCS-TPKT01", "KT-SATHAY", "MAU-CDCS-DAKHA01", "KT"):
        for _ in range(5):
            add_responses(db, sample_survey, code, 1, by=make_user("inspector"))
    with count_queries() as full:
        assert len(listed(client, "?unit=KT")[1]) == 25
    assert full.count == one.count <= 6, full.statements


def test_staff_responses_service_pages_and_filters(db, kontum, sample_survey):
    add_responses(db, sample_survey, "MAU-CDCS-TPKT01", 7)
    add_responses(db, sample_survey, "KT-DAKHA", 3)
    page = staff_responses(db.session, sample_survey.id, unit_id=unit_id(db, "KT-TPKT"),
                           page=2, per_page=5)
    assert (page.total, page.pages, page.number, len(page.items)) == (7, 2, 2, 2)
    assert (page.first_index, page.last_index) == (6, 7)
    assert {r.unit_code for r in page.items} == {"MAU-CDCS-TPKT01"}
