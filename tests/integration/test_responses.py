"""Submitting survey forms: server-side validation, idempotent storage, versions."""

import io
import json
import threading
import urllib.request
import uuid
from http.cookiejar import CookieJar

from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from survey_app.models import Answer, Response, SurveyVersion
from survey_app.registry.services import definition_of, sync_definition
from survey_app.surveys.loader import load_definition
from tests.conftest import PASSWORD, SAMPLE_SURVEY, csrf_token


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def fill(client, answers, response_id=None, key="sample_check"):
    data = {"csrf_token": csrf_token(client, f"/surveys/{key}/fill"),
            "_response_id": response_id or str(uuid.uuid4()), **answers}
    return client.post(f"/surveys/{key}/fill", data=data)


GOOD = {"has_union": "yes", "members": "120", "level": "low", "note_text": "ổn",
        "models.0.model_name": "Tổ tự quản", "models.1.model_name": "Quỹ tương trợ"}


def test_valid_answers_are_stored_typed(client, login_as, sample_survey, db):
    login_as("inspector")
    response = fill(client, GOOD)
    assert response.status_code == 303, response.get_data(as_text=True)
    stored = db.session.scalars(select(Answer).order_by(Answer.id)).all()
    by_key = {(a.question_key, a.repeat_index): a for a in stored}
    assert by_key[("members", None)].value_number == 120
    assert by_key[("has_union", None)].value_choice == "yes"
    assert by_key[("model_name", 1)].value_text == "Quỹ tương trợ"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Quỹ tương trợ" in page and "Thấp" in page


def test_hidden_question_answer_is_dropped(client, login_as, sample_survey, db):
    login_as("inspector")
    response = fill(client, {**GOOD, "has_union": "no", "members": "999999"})
    assert response.status_code == 303
    keys = {a.question_key for a in db.session.scalars(select(Answer))}
    assert "members" not in keys and "has_union" in keys


def test_tampered_post_gets_field_errors_and_stores_nothing(client, login_as, sample_survey,
                                                            db):
    login_as("inspector")
    tampered = {
        "has_union": "maybe",             # not in the list
        "members": "-5",                  # below min
        "level": "extreme",               # not in the list
        "note_text": "x" * 51,            # over max_length
        "models.0.model_name": "a", "models.1.model_name": "b", "models.2.model_name": "c",
        "models.3.model_name": "d",       # more rows than max_rows
        "injected": "1",                  # unknown field
    }
    response = fill(client, tampered)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert count(db, Response) == 0 and count(db, Answer) == 0
    assert 'value="' + "x" * 51 + '"' in html  # what was typed is kept
    assert html.count('class="error"') >= 4
    assert "injected" in html


def test_constraint_is_enforced_on_the_server(client, login_as, sample_survey, db):
    login_as("inspector")
    response = fill(client, {**GOOD, "members": "6000", "level": "low"})
    assert response.status_code == 400
    assert "Số đoàn viên quá lớn với mức đánh giá này" in response.get_data(as_text=True)
    assert fill(client, {**GOOD, "members": "6000", "level": "high"}).status_code == 303


def test_required_and_type_errors_are_vietnamese(client, login_as, sample_survey, db):
    login_as("inspector")
    response = fill(client, {"has_union": "yes", "members": "mười"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Hãy nhập một số nguyên" in html


def test_resubmitting_the_same_uuid_never_duplicates(client, login_as, sample_survey, db):
    login_as("inspector")
    response_id = str(uuid.uuid4())
    first = fill(client, GOOD, response_id)
    second = fill(client, {**GOOD, "note_text": "changed"}, response_id)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count(db, Response) == 1
    notes = db.session.scalars(select(Answer.value_text)
                               .where(Answer.question_key == "note_text")).all()
    assert notes == ["ổn"]


def test_fifty_simultaneous_posts_of_one_uuid_store_one_response(live_server, make_user,
                                                                 sample_survey, db):
    user = make_user("inspector")
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{live_server}/login").read().decode()
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    login = urllib.parse.urlencode({"username": user.username, "password": PASSWORD,
                                    "csrf_token": token}).encode()
    opener.open(f"{live_server}/login", login)
    page = opener.open(f"{live_server}/surveys/sample_check/fill").read().decode()
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response_id = str(uuid.uuid4())
    body = json.dumps({"id": response_id, "answers": {"has_union": "yes", "members": "7",
                                                      "level": "high"}}).encode()
    statuses, barrier = [], threading.Barrier(50)

    def post():
        request = urllib.request.Request(
            f"{live_server}/api/surveys/sample_check/responses", data=body, method="POST",
            headers={"Content-Type": "application/json", "X-CSRFToken": token,
                     "Accept": "application/json"})
        barrier.wait()
        with opener.open(request, timeout=30) as answer:
            statuses.append((answer.status, json.loads(answer.read())["id"]))

    threads = [threading.Thread(target=post) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 50
    assert {rid for _, rid in statuses} == {response_id}
    assert sorted(s for s, _ in statuses).count(201) == 1
    db.session.expire_all()
    assert count(db, Response) == 1
    assert count(db, Answer) == 3


def test_api_validates_and_replays(client, login_as, sample_survey, db):
    login_as("inspector")
    token = csrf_token(client, "/surveys/sample_check/fill")
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    rid = str(uuid.uuid4())
    bad = client.post("/api/surveys/sample_check/responses", headers=headers,
                      json={"id": rid, "answers": {"has_union": "perhaps"}})
    assert bad.status_code == 422 and "has_union" in bad.json["errors"]
    good = client.post("/api/surveys/sample_check/responses", headers=headers,
                       json={"id": rid, "answers": {"has_union": "no"}})
    assert good.status_code == 201 and good.json["created"] is True
    again = client.post("/api/surveys/sample_check/responses", headers=headers,
                        json={"id": rid, "answers": {"has_union": "no"}})
    assert again.status_code == 200 and again.json["created"] is False
    missing_id = client.post("/api/surveys/sample_check/responses", headers=headers,
                             json={"answers": {}})
    assert missing_id.status_code == 400
    assert client.post("/api/surveys/sample_check/responses",
                       json={"id": str(uuid.uuid4()), "answers": {}}).status_code == 400


def test_preview_validates_like_the_real_form_and_stores_nothing(client, login_as,
                                                                 sample_survey, db):
    login_as("office")
    page = client.get("/surveys/sample_check/preview")
    assert page.status_code == 200 and "Phiếu thử" in page.get_data(as_text=True)
    token = csrf_token(client, "/surveys/sample_check/preview")
    bad = client.post("/surveys/sample_check/preview",
                      data={"csrf_token": token, "members": "abc", "has_union": "yes"})
    assert bad.status_code == 400 and "Hãy nhập một số nguyên" in bad.get_data(as_text=True)
    good = client.post("/surveys/sample_check/preview", data={"csrf_token": token, **GOOD})
    assert good.status_code == 200
    assert count(db, Response) == 0


def test_changed_survey_with_responses_becomes_a_new_version(client, login_as, sample_survey,
                                                             db):
    login_as("admin")
    assert fill(client, GOOD).status_code == 303
    changed = SAMPLE_SURVEY.replace("Số đoàn viên, en: Members", "Tổng số đoàn viên, en: Total")
    changed = changed.replace("      - key: note_text\n", "      - key: remark\n")
    definition = load_definition(changed)
    assert sync_definition(db.session, definition, changed) == "new_versions"
    db.session.commit()
    assert count(db, SurveyVersion) == 2
    old = db.session.scalars(select(Response)).one()
    assert old.version.number == 1
    # the old response still shows its own questions
    page = client.get(f"/surveys/sample_check/responses/{old.id}").get_data(as_text=True)
    assert "Số đoàn viên" in page and "Ghi chú" in page
    # and exports under its own version's columns
    data = client.get("/admin/surveys/sample_check/responses.xlsx").data
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == ["Phiên bản 1", "Phiên bản 2", "Mã"]
    v1 = book.get_sheet_by_name("Phiên bản 1").to_python()
    assert "Ghi chú" in v1[0] and v1[1][0] == str(old.id)
    assert v1[1][v1[0].index("Số đoàn viên")] == 120
    v2 = book.get_sheet_by_name("Phiên bản 2").to_python()
    assert "Tổng số đoàn viên" in v2[0] and len(v2) == 1
    fields = {(sheet, field) for sheet, _column, field, *_ in book.get_sheet_by_name("Mã")
              .to_python()[1:]}
    assert ("Phiên bản 1", "note_text") in fields and ("Phiên bản 2", "remark") in fields


def test_unchanged_survey_sync_does_nothing_and_unused_version_is_replaced(sample_survey, db):
    definition = load_definition(SAMPLE_SURVEY)
    assert sync_definition(db.session, definition, SAMPLE_SURVEY) == "unchanged"
    changed = SAMPLE_SURVEY.replace("Phiếu thử", "Phiếu thử mới")
    assert sync_definition(db.session, load_definition(changed), changed) == "replaced"
    assert count(db, SurveyVersion) == 1
    assert definition_of(sample_survey.current_version).title.vi == "Phiếu thử mới"


def test_worker_polls_cannot_be_filled_as_staff(client, login_as, db):
    text = SAMPLE_SURVEY.replace("key: sample_check", "key: poll_x").replace(
        "audience: inspection", "audience: worker_poll")
    sync_definition(db.session, load_definition(text), text)
    db.session.commit()
    login_as("admin")
    assert client.get("/surveys/poll_x/fill").status_code == 404


# ---- a resent id that belongs to someone else is refused (issue 10, item 7) --------------


def _answers_of(db, response_id):
    return [(a.question_key, a.value_choice, a.value_number, a.value_text)
            for a in db.session.scalars(select(Answer).where(Answer.response_id == response_id)
                                        .order_by(Answer.id))]


def test_another_units_response_id_sent_in_the_form_is_refused_and_the_answers_kept(
        app, client, make_user, login, sample_survey, db):
    owner = make_user("inspector", unit_code="KT-DAKHA")
    login(owner)
    taken = str(uuid.uuid4())
    assert fill(client, GOOD, taken).status_code == 303
    before = _answers_of(db, uuid.UUID(taken))

    other = app.test_client()
    login_other = make_user("inspector", unit_code="KT-SATHAY")
    token = csrf_token(other)
    other.post("/login", data={"username": login_other.username, "password": PASSWORD,
                               "csrf_token": token})
    sent = fill(other, {**GOOD, "members": "77", "note_text": "của Sa Thầy"}, taken)
    assert sent.status_code == 409
    html = sent.get_data(as_text=True)
    assert "người khác" in html and "không có gì được lưu" in html
    assert "của Sa Thầy" in html and 'value="77"' in html  # what was typed is kept
    fresh = html.split('name="_response_id" value="')[1].split('"')[0]
    assert fresh != taken
    db.session.expire_all()
    assert count(db, Response) == 1 and _answers_of(db, uuid.UUID(taken)) == before
    assert db.session.get(Response, uuid.UUID(taken)).submitted_by_id == owner.id
    # Sending again saves them, as this reporter's own response.
    again = fill(other, {**GOOD, "members": "77", "note_text": "của Sa Thầy"}, fresh)
    assert again.status_code == 303
    mine = db.session.get(Response, uuid.UUID(fresh))
    assert mine.submitted_by_id == login_other.id and ("members", None, 77, None) in \
        _answers_of(db, mine.id)


def test_another_persons_response_id_sent_to_the_api_is_refused(client, make_user, login,
                                                                sample_survey, db):
    owner = make_user("inspector", unit_code="KT-DAKHA")
    login(owner)
    taken = str(uuid.uuid4())
    assert fill(client, GOOD, taken).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    client._cookies.clear()
    login(make_user("inspector", unit_code="KT-SATHAY"))
    token = csrf_token(client, "/surveys/sample_check/fill")
    for headers in ({"Accept": "application/json"}, {}):
        sent = client.post("/api/surveys/sample_check/responses",
                           headers={"X-CSRFToken": token, **headers},
                           json={"id": taken, "answers": {"has_union": "no"}})
        assert sent.status_code == 409
        assert sent.json["id"] == taken and "người khác" in sent.json["error"]
    db.session.expire_all()
    assert count(db, Response) == 1
    assert ("has_union", "yes", None, None) in _answers_of(db, uuid.UUID(taken))


def test_the_same_persons_resend_is_still_a_replay(client, login_as, sample_survey, db):
    login_as("inspector")
    rid = str(uuid.uuid4())
    assert fill(client, GOOD, rid).status_code == 303
    token = csrf_token(client, "/surveys/sample_check/fill")
    again = client.post("/api/surveys/sample_check/responses",
                        headers={"X-CSRFToken": token, "Accept": "application/json"},
                        json={"id": rid, "answers": {"has_union": "no"}})
    assert again.status_code == 200 and again.json["created"] is False
    assert fill(client, GOOD, rid).status_code == 303
    assert count(db, Response) == 1
