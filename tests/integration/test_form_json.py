"""The JSON answers a form gets when survey-form.js sends it (Accept: application/json).

The page keeps its answers and its draft until it reads an acknowledgement naming the
response; every refusal says why in a way the page can act on (errors to show, a fresh
token to send again with, where to sign in again).  Without that header the same views
answer pages and redirects, as before.
"""

import uuid

import pytest
import sqlalchemy as sa

from survey_app.extensions import limiter
from survey_app.models import PollResponse, Response
from survey_app.polls import services as polls
from tests.conftest import csrf_token
from tests.integration.test_polls import POLL, UA, token_of
from tests.integration.test_responses import GOOD, count

JSON = {"Accept": "application/json"}
FILL = "/surveys/sample_check/fill"


def post_fill(client, answers, *, response_id=None, token=None, headers=JSON, path=FILL):
    data = {"csrf_token": token or csrf_token(client, path),
            "_response_id": response_id or str(uuid.uuid4()), **answers}
    return client.post(path, data=data, headers=headers)


def test_an_accepted_form_is_acknowledged_with_its_id_and_page(client, login_as,
                                                               sample_survey, db):
    login_as("inspector")
    response_id = str(uuid.uuid4())
    first = post_fill(client, GOOD, response_id=response_id)
    assert first.status_code == 201
    assert first.json == {"id": response_id, "created": True,
                          "url": f"/surveys/sample_check/responses/{response_id}"}
    page = client.get(first.json["url"]).get_data(as_text=True)
    assert "câu trả lời của bạn đã được lưu" in page and "Quỹ tương trợ" in page

    again = post_fill(client, GOOD, response_id=response_id)  # the answer was lost: resent
    assert again.status_code == 200
    assert again.json["id"] == response_id and again.json["created"] is False
    assert count(db, Response) == 1


def test_refused_answers_come_back_as_field_errors_and_nothing_is_stored(client, login_as,
                                                                        sample_survey, db):
    login_as("inspector")
    refused = post_fill(client, {"has_union": "yes", "members": "mười", "level": "extreme"})
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"members", "level"}
    assert "Hãy nhập một số nguyên" in refused.json["errors"]["members"]
    assert refused.json["message"] == "Có 2 câu trả lời cần xem lại."
    assert count(db, Response) == 0


def test_without_json_the_form_still_redirects_and_shows_its_page(client, login_as,
                                                                 sample_survey, db):
    login_as("inspector")
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    assert post_fill(client, GOOD, headers=browser).status_code == 303
    assert post_fill(client, GOOD, headers={"Accept": "*/*"}).status_code == 303
    assert post_fill(client, {"members": "x"}, headers=browser).status_code == 400
    assert count(db, Response) == 2


def test_an_aged_token_is_answered_with_a_fresh_one_while_signed_in(client, login_as,
                                                                    sample_survey, db):
    login_as("inspector")
    response_id = str(uuid.uuid4())
    stale = post_fill(client, GOOD, response_id=response_id, token="aged-token")
    assert stale.status_code == 400
    assert stale.json["reason"] == "csrf" and "login_url" not in stale.json
    assert "Phiên làm việc đã hết hạn" in stale.json["message"]
    retry = post_fill(client, GOOD, response_id=response_id, token=stale.json["csrf_token"])
    assert retry.status_code == 201 and retry.json["id"] == response_id
    assert count(db, Response) == 1


def test_an_ended_session_is_told_where_to_sign_in_and_come_back(client, login_as,
                                                                 sample_survey, db):
    login_as("inspector")
    token = csrf_token(client, FILL)
    client.post("/logout", data={"csrf_token": token})  # signed out (in another tab, say)
    gone = post_fill(client, GOOD, token=token)
    assert gone.status_code == 400 and gone.json["reason"] == "csrf"
    assert gone.json["login_url"] == "/login?next=/surveys/sample_check/fill"
    assert "csrf_token" not in gone.json  # no token for a form nobody may send
    # A session that still holds a token but no one signed in: 401, the same way back.
    anonymous = post_fill(client, GOOD, token=csrf_token(client, "/login"))
    assert anonymous.status_code == 401
    assert anonymous.json["login_url"] == "/login?next=/surveys/sample_check/fill"
    assert count(db, Response) == 0
    # and without JSON the pages are as before
    assert post_fill(client, GOOD, token="x", headers={}).status_code == 400


def test_a_body_over_the_limit_and_a_server_error_answer_json(client, login_as, sample_survey,
                                                              db, app, monkeypatch):
    from survey_app.responses import services as responses

    login_as("inspector")
    token = csrf_token(client, FILL)
    original = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        big = post_fill(client, {**GOOD, "note_text": "ổn " * 300}, token=token)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = original
    assert big.status_code == 413 and big.json["status"] == 413

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(responses, "store_response", broken)
    failed = post_fill(client, GOOD, token=token)
    assert failed.status_code == 500 and failed.json["status"] == 500
    assert count(db, Response) == 0


def test_preview_answers_json_and_stores_nothing(client, login_as, sample_survey, db):
    login_as("office")
    path = "/surveys/sample_check/preview"
    checked = post_fill(client, GOOD, path=path)
    assert checked.status_code == 200
    assert checked.json == {"checked": True, "message": "Mọi câu trả lời đều hợp lệ. "
                            "Ở phiếu thật, câu trả lời sẽ được lưu lúc này."}
    refused = post_fill(client, {"members": "abc", "has_union": "yes"}, path=path)
    assert refused.status_code == 422 and "members" in refused.json["errors"]
    assert count(db, Response) == 0


# ---------------------------------------------------------------------- worker polls


@pytest.fixture
def poll(db, kontum):
    from survey_app.registry.services import sync_definition
    from survey_app.surveys.loader import load_definition

    sync_definition(db.session, load_definition(POLL), POLL)
    db.session.commit()
    link = polls.create_link(db.session, "poll_test", "MAU-CDCS-TPKT01")
    db.session.commit()
    return link


def post_poll(client, link, answers, *, token=None, response_id=None, headers=JSON):
    if token is None:
        token = token_of(client.get(f"/p/{link.token}").get_data(as_text=True))
    data = {"csrf_token": token, "_response_id": response_id or str(uuid.uuid4()), **answers}
    return client.post(f"/p/{link.token}", data=data, headers={"User-Agent": UA, **headers})


def test_a_poll_answer_is_acknowledged_and_marks_the_phone(client, poll, db):
    response_id = str(uuid.uuid4())
    sent = post_poll(client, poll, {"member": "yes", "union_helps": "2"},
                     response_id=response_id)
    assert sent.status_code == 201
    assert sent.json == {"id": response_id, "url": f"/p/{poll.token}/thanks"}
    assert f"p_done_{poll.id}=" in sent.headers["Set-Cookie"]
    assert polls.response_count(db.session, poll) == 1
    again = post_poll(client, poll, {"member": "yes"}, token="x")  # this phone answered
    assert again.status_code == 409 and "đã trả lời" in again.json["message"]
    assert polls.response_count(db.session, poll) == 1


def test_a_poll_refusal_keeps_the_answers_in_the_page(client, poll, db):
    refused = post_poll(client, poll, {"member": "maybe", "wish": "x" * 301})
    assert refused.status_code == 422 and set(refused.json["errors"]) == {"member", "wish"}

    bot = post_poll(client, poll, {"member": "yes", "website": "http://spam.example"})
    assert bot.status_code == 201  # thanked, and nothing stored
    assert polls.response_count(db.session, poll) == 0

    stale = post_poll(client, poll, {"member": "yes"}, token="expired-or-forged")
    assert stale.status_code == 400 and stale.json["reason"] == "csrf"
    assert "vẫn được giữ" in stale.json["message"]
    retry = post_poll(client, poll, {"member": "yes"}, token=stale.json["csrf_token"])
    assert retry.status_code == 201
    assert polls.response_count(db.session, poll) == 1


def test_a_closed_poll_says_so_in_json(client, poll, db):
    token = token_of(client.get(f"/p/{poll.token}").get_data(as_text=True))
    poll.is_closed = True
    db.session.commit()
    closed = post_poll(client, poll, {"member": "yes"}, token=token)
    assert closed.status_code == 410 and closed.json["message"] == "Phiếu ý kiến đã đóng"
    assert polls.response_count(db.session, poll) == 0


def test_over_the_poll_limit_the_answers_come_back_filled_in(app, client, poll, db):
    original = app.config["POLL_POST_LIMIT"]
    app.config["POLL_POST_LIMIT"] = "1 per minute"
    try:
        token = token_of(client.get(f"/p/{poll.token}").get_data(as_text=True))
        assert post_poll(client, poll, {"member": "no"}, token=token).status_code == 201
        mate = client.application.test_client()
        token = token_of(mate.get(f"/p/{poll.token}").get_data(as_text=True))
        answers = {"member": "yes", "union_helps": "2", "wish": "Tăng ca ít hơn"}
        busy = post_poll(mate, poll, answers, token=token)
        assert busy.status_code == 429
        assert "đợi một phút" in busy.json["message"]

        # without JavaScript: the form again, every answer in it, and what to do
        page = post_poll(mate, poll, answers, token=token, headers={"Accept": "text/html"})
        assert page.status_code == 429
        html = page.get_data(as_text=True)
        assert "Tăng ca ít hơn" in html and "đợi một phút" in html
        assert 'value="2" checked' in html.replace("\n", "")
        assert polls.response_count(db.session, poll) == 1

        limiter.reset()  # a minute later, the same answers go through
        sent = post_poll(mate, poll, answers, token=token_of(html),
                         headers={"Accept": "text/html"})
        assert sent.status_code == 303
    finally:
        app.config["POLL_POST_LIMIT"] = original
    db.session.rollback()
    assert polls.response_count(db.session, poll) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PollResponse)) == 2
