"""Pages read in labels and in the reader's language, with dates as dd/mm/yyyy
(issue 9, item 5)."""

import datetime as dt
import re
import uuid

from survey_app.localtime import LOCAL_TZ
from survey_app.polls import services as polls
from survey_app.registry.services import sync_definition
from survey_app.surveys.loader import load_definition
from tests.conftest import csrf_token

DATED = """\
key: dated_check
title: {vi: Phiếu có ngày, en: Dated form}
audience: inspection
sections:
  - key: s1
    title: {vi: Phần một, en: Part one}
    questions:
      - key: visited
        type: date
        label: {vi: Ngày kiểm tra, en: Day of the visit}
      - key: ok
        type: yes_no
        label: {vi: "Đạt yêu cầu?", en: "Up to standard?"}
"""


def fill_dated(client, db, login, make_user):
    sync_definition(db.session, load_definition(DATED), DATED)
    db.session.commit()
    login(make_user("inspector"))
    data = {"csrf_token": csrf_token(client, "/surveys/dated_check/fill"),
            "_response_id": str(uuid.uuid4()), "visited": "2017-06-30", "ok": "yes"}
    response = client.post("/surveys/dated_check/fill", data=data)
    assert response.status_code == 303
    return response.headers["Location"]


def test_a_stored_response_shows_days_as_dd_mm_yyyy(client, db, login, make_user):
    page = client.get(fill_dated(client, db, login, make_user)).get_data(as_text=True)
    today = dt.datetime.now(LOCAL_TZ).date()
    assert f"Gửi ngày {today:%d/%m/%Y}" in page
    assert re.search(r'<p class="value">30/06/2017</p>', page)
    assert "2017-06-30" not in page


def test_english_shows_the_definitions_english_and_the_same_day_format(client, db, login,
                                                                        make_user):
    location = fill_dated(client, db, login, make_user)
    client.set_cookie("lang", "en")
    page = client.get(location).get_data(as_text=True)
    assert "<h1>Dated form</h1>" in page and "Part one" in page
    assert "Day of the visit" in page and "Up to standard?" in page
    assert '<p class="value">Yes</p>' in page
    assert '<p class="value">30/06/2017</p>' in page
    assert "Ngày kiểm tra" not in page


def test_survey_list_titles_follow_the_readers_language(client, login_as, sample_survey):
    login_as("office")
    assert "<strong>Phiếu thử</strong>" in client.get("/admin/surveys").get_data(as_text=True)
    client.set_cookie("lang", "en")
    assert "<strong>Sample form</strong>" in client.get("/admin/surveys").get_data(as_text=True)


def test_poll_link_closing_time_is_dd_mm_yyyy(client, login_as, db, kontum):
    text = DATED.replace("key: dated_check", "key: dated_poll").replace(
        "audience: inspection", "audience: worker_poll")
    sync_definition(db.session, load_definition(text), text)
    db.session.commit()
    closes = dt.datetime(2017, 9, 30, 17, 0, tzinfo=LOCAL_TZ)
    polls.create_link(db.session, "dated_poll", "KT-DAKHA", closes_at=closes)
    db.session.commit()
    login_as("office")
    assert "30/09/2017 17:00" in client.get("/admin/polls").get_data(as_text=True)


def test_poll_links_page_titles_polls_in_the_readers_language(client, login_as, db, kontum):
    text = DATED.replace("key: dated_check", "key: dated_poll").replace(
        "audience: inspection", "audience: worker_poll")
    sync_definition(db.session, load_definition(text), text)
    db.session.commit()
    link = polls.create_link(db.session, "dated_poll", "KT-DAKHA")
    db.session.commit()
    login_as("office")
    client.set_cookie("lang", "en")
    for path in ("/admin/polls", f"/admin/polls/{link.id}/close"):
        page = client.get(path).get_data(as_text=True)
        assert "Dated form" in page and "Phiếu có ngày" not in page, path
