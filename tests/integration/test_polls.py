"""Worker polls: links, QR codes, anonymous answering, abuse protection, nothing identifying."""

import datetime as dt
import io
import logging
import re
import urllib.request
import uuid

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from survey_app.models import Answer, Base, PollAnswer, PollLink, PollResponse, Response
from survey_app.polls import services
from survey_app.registry.services import sync_definition
from survey_app.surveys.loader import load_definition
from tests.factories import add_poll_answers

POLL = """\
key: poll_test
title: {vi: Phiếu ý kiến thử, en: Test poll}
audience: worker_poll
layout: single
choice_lists:
  agree:
    - {value: "1", label: {vi: Không đồng ý, en: Disagree}}
    - {value: "2", label: {vi: Đồng ý, en: Agree}}
sections:
  - key: s1
    title: {vi: Ý kiến, en: Opinion}
    area: "1.3"
    questions:
      - key: member
        type: yes_no
        label: {vi: "Anh/Chị là đoàn viên?", en: "Member?"}
        required: true
      - key: union_helps
        type: single_choice
        label: {vi: Công đoàn giúp đỡ anh/chị, en: The union helps}
        choices: agree
        relevant: "${member} = 'yes'"
      - key: wish
        type: text
        label: {vi: Mong muốn, en: Wish}
        max_length: 300
"""
UA = "Mozilla/5.0 (Linux; Android 8; TestPhone-Q7) Chrome/90"


@pytest.fixture
def poll(db, kontum):
    sync_definition(db.session, load_definition(POLL), POLL)
    db.session.commit()
    link = services.create_link(db.session, "poll_test", "MAU-CDCS-TPKT01")
    db.session.commit()
    return link


def token_of(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def answer(client, link, data, **kwargs):
    page = client.get(f"/p/{link.token}", headers={"User-Agent": UA})
    body = {"csrf_token": token_of(page.get_data(as_text=True)),
            "_response_id": str(uuid.uuid4()), **data}
    return client.post(f"/p/{link.token}", data=body, headers={"User-Agent": UA}, **kwargs)


def test_cli_prints_the_link_last_and_writes_a_decodable_qr(app, poll, tmp_path, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["polls", "create", "poll_test", "KT-DAKHA", "--cap", "50",
                                 "--closes", "2030-01-01T17:00"])
    assert result.exit_code == 0, result.output
    link_url = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"http://127\.0\.0\.1:5000/p/[A-Za-z0-9_-]{22,}", link_url)
    token = link_url.rsplit("/", 1)[1]
    out = tmp_path / "qr.png"
    assert runner.invoke(args=["polls", "qr", token, str(out)]).exit_code == 0
    decoded = zxingcpp.read_barcodes(Image.open(out), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [d.text for d in decoded] == [link_url]
    assert decoded[0].ec_level in ("M", "Q", "H")


def test_cli_refuses_a_survey_that_is_not_a_poll(app, sample_survey, kontum):
    result = app.test_cli_runner().invoke(args=["polls", "create", "sample_check", "KT"])
    assert result.exit_code != 0 and "phiếu lấy ý kiến" in result.output


def test_tokens_are_long_and_random(poll, db):
    other = services.create_link(db.session, "poll_test", "KT-DAKHA")
    assert len(poll.token) >= 22 and poll.token != other.token


def test_qr_endpoints_and_zip_decode_to_the_link(client, login_as, poll, app):
    login_as("office")
    url = f"{app.config['BASE_URL']}/p/{poll.token}"
    png = client.get(f"/admin/polls/{poll.id}/qr.png")
    assert png.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)),
                                     formats=zxingcpp.BarcodeFormat.QRCode)
    assert [d.text for d in decoded] == [url]
    svg = client.get(f"/admin/polls/{poll.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/admin/polls/posters.zip?id={poll.id}").data))
    [name] = archive.namelist()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(archive.read(name))),
                                     formats=zxingcpp.BarcodeFormat.QRCode)
    assert [d.text for d in decoded] == [url]
    poster = client.get(f"/admin/polls/posters?id={poll.id}").get_data(as_text=True)
    assert poll.unit.name in poster and url in poster and "Phiếu ý kiến thử" in poster


def test_following_the_link_renders_the_poll_without_an_account(client, poll):
    page = client.get(f"/p/{poll.token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Phiếu ý kiến thử" in html and "CĐCS Công ty TNHH May mặc Kon Tum" in html


def test_submit_without_javascript_stores_an_anonymous_response(client, poll, db):
    response = answer(client, poll, {"member": "yes", "union_helps": "2"})
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 200
    stored = db.session.scalars(sa.select(PollResponse)).one()
    assert stored.poll_link_id == poll.id and stored.unit_id == poll.unit_id
    answers = db.session.scalars(sa.select(PollAnswer).order_by(PollAnswer.ordinal)).all()
    assert [(a.ordinal, a.question_key, a.value_choice) for a in answers] == [
        (0, "member", "yes"), (1, "union_helps", "2")]
    # staff tables untouched
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_a_second_answer_from_the_same_device_is_refused(client, poll, db):
    assert answer(client, poll, {"member": "no"}).status_code == 303
    again = client.get(f"/p/{poll.token}")
    assert "đã trả lời" in again.get_data(as_text=True)
    page_token = "x"
    second = client.post(f"/p/{poll.token}", data={"csrf_token": page_token, "member": "yes"})
    assert "đã trả lời" in second.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PollResponse)) == 1


def test_invalid_answers_are_kept_with_vietnamese_errors(client, poll, db):
    response = answer(client, poll, {"member": "maybe", "wish": "x" * 301})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "x" * 301 in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PollResponse)) == 0


def test_expired_csrf_token_keeps_the_answers_and_asks_to_send_again(client, poll, db):
    client.get(f"/p/{poll.token}")
    response = client.post(f"/p/{poll.token}", data={
        "csrf_token": "expired-or-forged", "_response_id": str(uuid.uuid4()),
        "member": "yes", "wish": "Tăng lương cho công nhân"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Tăng lương cho công nhân" in html and "bấm Gửi lần nữa" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PollResponse)) == 0
    retry = client.post(f"/p/{poll.token}", data={
        "csrf_token": token_of(html), "_response_id": str(uuid.uuid4()), "member": "yes"})
    assert retry.status_code == 303


def test_honeypot_stores_nothing(client, poll, db):
    response = answer(client, poll, {"member": "yes", "website": "http://spam.example"})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PollResponse)) == 0


def test_posting_too_often_answers_429(app, poll, client):
    original = app.config["POLL_POST_LIMIT"]
    app.config["POLL_POST_LIMIT"] = "3 per minute"
    try:
        statuses = [client.post(f"/p/{poll.token}", data={"member": "yes"}).status_code
                    for _ in range(5)]
    finally:
        app.config["POLL_POST_LIMIT"] = original
    assert statuses[:3] == [400, 400, 400] and statuses[3:] == [429, 429]


@pytest.mark.parametrize(("change", "status", "text"), [
    ({"is_closed": True}, 410, "đã đóng"),
    ({"closes_at": dt.datetime(2017, 10, 5, tzinfo=dt.UTC)}, 410, "đã đóng"),
    ({"opens_at": dt.datetime(2099, 1, 1, tzinfo=dt.UTC)}, 404, "chưa mở"),
    ({"max_responses": 1}, 410, "đủ số"),
])
def test_closed_expired_not_yet_and_full_links_get_friendly_pages(client, poll, db, change,
                                                                  status, text):
    if change.get("max_responses"):
        # A cap is set when the link is made (its count starts then), and one answer fills it.
        poll.max_responses = change["max_responses"]
        db.session.commit()
        assert answer(client, poll, {"member": "no"}).status_code == 303
        client._cookies.clear()
    for key, value in change.items():
        setattr(poll, key, value)
    db.session.commit()
    page = client.get(f"/p/{poll.token}")
    assert page.status_code == status
    html = page.get_data(as_text=True)
    assert text in html and "Traceback" not in html


def test_unknown_link_is_a_friendly_404(client, db):
    page = client.get("/p/khong-co-ma-nay")
    assert page.status_code == 404 and "không tồn tại" in page.get_data(as_text=True)


def _dump(db):
    rows = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows[table.name] = [tuple(r) for r in conn.execute(sa.select(table))]
    return rows


def test_database_keeps_no_address_agent_or_time_of_day(client, poll, db):
    before = _dump(db)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert answer(client, poll, {"member": "yes", "union_helps": "1", "wish": "Nhà trẻ"},
                  environ_base={"REMOTE_ADDR": "203.0.113.77"}).status_code == 303
    end = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    after = _dump(db)
    new_rows = {t: [r for r in rows if r not in before[t]] for t, rows in after.items()}
    assert new_rows["poll_responses"] and new_rows["poll_answers"]
    assert new_rows["audit_events"] == []
    text = repr(new_rows)
    assert "203.0.113.77" not in text and "TestPhone" not in text and "127.0.0.1" not in text
    for table, rows in new_rows.items():
        for row in rows:
            for value in row:
                if isinstance(value, dt.datetime):
                    moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
                    assert not start <= moment <= end, (table, row)


def test_request_log_has_no_line_for_poll_pages(live_server, poll, caplog):
    caplog.set_level(logging.INFO)
    with urllib.request.urlopen(f"{live_server}/p/{poll.token}") as page:
        assert page.status == 200
    with urllib.request.urlopen(f"{live_server}/healthz") as page:
        assert page.status == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/healthz" in line for line in lines)
    assert not any("/p/" in line for line in lines)


def test_staff_list_shows_live_counts_and_can_close(client, login_as, poll, db):
    answer(client, poll, {"member": "no"})
    client._cookies.clear()
    login_as("office")
    html = client.get("/admin/polls").get_data(as_text=True)
    assert "1 phiếu trả lời" in html and poll.token in html
    from tests.conftest import csrf_token

    token = csrf_token(client, "/admin/polls")
    assert client.post(f"/admin/polls/{poll.id}/close",
                       data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PollLink, poll.id).is_closed
    assert client.get(f"/p/{poll.token}").status_code == 410
    client.post(f"/admin/polls/{poll.id}/reopen", data={"csrf_token": token})
    assert client.get(f"/p/{poll.token}").status_code == 200


def test_a_poll_whose_survey_file_was_removed_collects_nothing(client, poll, db):
    from survey_app.models import Survey

    db.session.get(Survey, poll.survey_id).is_active = False  # as ``surveys sync`` does
    db.session.commit()
    page = client.get(f"/p/{poll.token}")
    assert page.status_code == 410 and "đã đóng" in page.get_data(as_text=True)
    posted = client.post(f"/p/{poll.token}",
                         data={"member": "no", "_response_id": str(uuid.uuid4())})
    assert posted.status_code == 410
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PollResponse)) == 0


def test_a_process_rereads_a_cached_link_after_closing_it_or_after_the_cache_time(
        app, client, login_as, poll, db, monkeypatch):
    monkeypatch.setitem(app.config, "POLL_LINK_CACHE_SECONDS", 2.0)
    clock = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])
    assert client.get(f"/p/{poll.token}").status_code == 200  # read and remembered
    # Closed from this process (the staff page): seen at once.
    login_as("office")
    from tests.conftest import csrf_token

    token = csrf_token(client, "/admin/polls")
    client.post(f"/admin/polls/{poll.id}/close", data={"csrf_token": token})
    assert client.get(f"/p/{poll.token}").status_code == 410
    client.post(f"/admin/polls/{poll.id}/reopen", data={"csrf_token": token})
    assert client.get(f"/p/{poll.token}").status_code == 200
    # Closed by another process (here: straight in the database): seen after the cache time.
    db.session.get(PollLink, poll.id).is_closed = True
    db.session.commit()
    clock[0] += 1.0
    assert client.get(f"/p/{poll.token}").status_code == 200
    clock[0] += 1.5
    assert client.get(f"/p/{poll.token}").status_code == 410


def _store_poll_answers(db, link, n, member="yes", helps="2"):
    from survey_app.registry.services import definition_of
    from survey_app.surveys.validation import validate

    definition = definition_of(link.survey.current_version)
    target = services.find_target(db.engine, link.token)
    for _ in range(n):
        result = validate(definition, {"member": member, "union_helps": helps})
        services.store_poll_response(db.session.connection(), target, sent_id=uuid.uuid4(),
                                     answers=result.answers, today=dt.date.today(),
                                     secret_key="test")
    db.session.commit()


@pytest.fixture
def three_units(db, poll):
    """Unit A (poll's unit): 6 answers, B: 7, C: 2 — C is small, A its complement."""
    b = services.create_link(db.session, "poll_test", "KT-DAKHA")
    c = services.create_link(db.session, "poll_test", "KT-SATHAY")
    db.session.commit()
    _store_poll_answers(db, poll, 6)
    _store_poll_answers(db, b, 7, helps="1")
    _store_poll_answers(db, c, 2)
    return poll, b, c


def test_small_groups_and_their_complement_are_hidden_everywhere(client, login_as, three_units,
                                                                 db):
    login_as("reviewer")
    api = client.get("/api/polls/poll_test/results").json
    member = next(q for q in api["questions"] if q["key"] == "member")
    by_unit = member["by_unit"]
    assert by_unit["KT-SATHAY"]["respondents"] is None          # 2 < 5: hidden
    assert by_unit["MAU-CDCS-TPKT01"]["respondents"] is None     # complement of the 2
    assert by_unit["KT-DAKHA"]["respondents"] == 7
    assert by_unit["KT-DAKHA"]["counts"] == {"yes": 7, "no": 0}
    assert member["overall"]["respondents"] == 15
    # what is shown never lets a hidden group be derived: total − shown = 8 ≥ 5
    assert member["overall"]["respondents"] - 7 >= 5

    html = client.get("/admin/polls/results/poll_test").get_data(as_text=True)
    assert "ít hơn 5 người" in html
    row = re.search(r"LĐLĐ huyện Sa Thầy</th>(.*?)</tr>", html, re.S).group(1)
    assert "—" in row and not re.search(r">\d+<", row)
    row = re.search(r"LĐLĐ huyện Đắk Hà</th>(.*?)</tr>", html, re.S).group(1)
    assert ">7<" in row

    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(
        client.get("/admin/polls/results/poll_test.xlsx").data))
    rows = book.get_sheet_by_index(0).to_python()
    sa_thay = [r for r in rows if r and r[0] == "LĐLĐ huyện Sa Thầy"]
    assert sa_thay and sa_thay[0][1] == "KT-SATHAY"
    assert all(v in ("—", "") for v in sa_thay[0][2:])
    dak_ha = [r for r in rows if r and r[0] == "LĐLĐ huyện Đắk Hà"]
    assert 7.0 in dak_ha[0]


def test_poll_answers_are_never_shown_one_by_one(client, login_as, three_units, db):
    login_as("admin")
    rid = db.session.scalars(sa.select(PollResponse.id)).first()
    assert client.get(f"/surveys/poll_test/responses/{rid}").status_code == 404
    export = client.get("/admin/surveys/poll_test/responses.xlsx")
    assert export.status_code == 302 and "results" in export.headers["Location"]


def test_tokens_never_start_with_a_dash_so_the_command_line_takes_them():
    from survey_app.models.polls import new_token

    assert not any(new_token().startswith("-") for _ in range(2000))


def test_posters_zip_names_its_files_from_safe_names_only(client, login_as, poll, db, app):
    """A unit code saved before the code rule was shared cannot become a path in the ZIP."""
    import zipfile

    from survey_app.models import Unit

    kt = db.session.scalars(sa.select(Unit).where(Unit.code == "KT")).one()
    hostile = ["../../../../x/zipslip", "/etc/passwd", "C:\\win", "a\x01b", "Đắk Hà", ".."]
    links = [poll]
    for i, code in enumerate(hostile):
        db.session.add(Unit(code=code, name=f"Đơn vị {i}", kind="grassroots", parent=kt))
        db.session.flush()
        links.append(services.create_link(db.session, "poll_test", code))
    links.append(services.create_link(db.session, "poll_test", "MAU-CDCS-TPKT01"))  # twice
    db.session.commit()
    login_as("office")
    query = "&".join(f"id={link.id}" for link in links)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/admin/polls/posters.zip?{query}").data))
    names = archive.namelist()
    assert len(names) == len(set(names)) == len(links)
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_-]+\.png", name), name
        assert ".." not in name and not name.startswith(("/", "\\"))
    assert names[0] == "MAU-CDCS-TPKT01-poll_test.png"
    assert "x_zipslip-poll_test.png" in names and "Dak_Ha-poll_test.png" in names
    assert names[-1] == "MAU-CDCS-TPKT01-poll_test-2.png"
    url = f"{app.config['BASE_URL']}/p/{links[1].token}"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(archive.read(names[1]))),
                                     formats=zxingcpp.BarcodeFormat.QRCode)
    assert [d.text for d in decoded] == [url]


def test_results_show_labels_unit_codes_and_percentages_beside_counts(client, login_as,
                                                                      three_units):
    """Issue 9, item 5: labels, not codes; codes in their own column; shares beside counts."""
    login_as("reviewer")
    html = client.get("/admin/polls/results/poll_test").get_data(as_text=True)
    assert "<h1>Phiếu ý kiến thử</h1>" in html
    assert ">Mã đơn vị</th>" in html and ">Số người trả lời</th>" in html
    row = re.search(r"LĐLĐ huyện Đắk Hà</th>(.*?)</tr>", html, re.S).group(1)
    assert '<td class="code">KT-DAKHA</td>' in row
    assert '7 <span class="share">(100,0%)</span>' in row  # 7 of 7 members
    helps = html[html.index("Công đoàn giúp đỡ anh/chị"):]
    row = re.search(r"LĐLĐ huyện Đắk Hà</th>(.*?)</tr>", helps, re.S).group(1)
    assert re.search(r"<th scope=\"col\">Không đồng ý</th>", helps)
    assert '7 <span class="share">(100,0%)</span>' in row
    total = re.search(r"Tất cả đơn vị</th>(.*?)</tr>", helps, re.S).group(1)
    # 13 answered "the union helps": 7 of Đắk Hà (disagree), 6 + 2 hidden (agree) → 7/15, 8/15
    assert '7 <span class="share">(46,7%)</span>' in total
    assert '8 <span class="share">(53,3%)</span>' in total

    api = client.get("/api/polls/poll_test/results").json
    helps = next(q for q in api["questions"] if q["key"] == "union_helps")
    assert helps["overall"]["shares"] == {"1": 0.4667, "2": 0.5333}
    assert helps["by_unit"]["KT-SATHAY"]["shares"] == {"1": None, "2": None}
    assert api["title"] == "Phiếu ý kiến thử"

    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    data = client.get("/admin/polls/results/poll_test.xlsx").data
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "Phiếu ý kiến thử"
    start = next(i for i, r in enumerate(rows) if r[0] == "Công đoàn giúp đỡ anh/chị")
    assert rows[start + 1][:5] == ["Đơn vị", "Mã đơn vị", "Không đồng ý", "", "Đồng ý"]
    assert rows[start + 1][6] == "Số người trả lời"
    assert rows[start + 2][2:6] == ["Số người", "Tỷ lệ", "Số người", "Tỷ lệ"]
    dak_ha = next(r for r in rows[start:] if r[0] == "LĐLĐ huyện Đắk Hà")
    assert dak_ha[1:] == ["KT-DAKHA", 7, 1.0, 0, 0.0, 7]
    sheet = load_workbook(io.BytesIO(data)).active
    excel_row = start + 1 + rows[start:].index(dak_ha)
    shares = [c for c in sheet[excel_row] if c.column in (4, 6)]
    assert [c.value for c in shares] == [1, 0]
    assert all(c.number_format == "0.0%" and c.data_type == "n" for c in shares)


def test_results_in_english_use_the_definitions_english(client, login_as, three_units):
    login_as("reviewer")
    client.set_cookie("lang", "en")
    html = client.get("/admin/polls/results/poll_test").get_data(as_text=True)
    assert "<h1>Test poll</h1>" in html and "The union helps" in html
    assert ">Disagree</th>" in html and ">Unit code</th>" in html
    assert '7 <span class="share">(46,7%)</span>' in html  # numbers the Vietnamese way
    from python_calamine import CalamineWorkbook

    data = client.get("/admin/polls/results/poll_test.xlsx").data
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "Test poll"
    assert ["Unit", "Unit code", "Disagree", "", "Agree", "", "Respondents"] in rows


def _store_wishes(db, link, texts):
    from survey_app.registry.services import definition_of
    from survey_app.surveys.validation import validate

    definition = definition_of(link.survey.current_version)
    for text in texts:
        result = validate(definition, {"member": "yes", "union_helps": "2", "wish": text})
        assert result.ok, result.errors
        add_poll_answers(db, link, result.answers)
    db.session.commit()


@pytest.fixture
def wishes(db, poll):
    """Written answers: A (poll's unit) 12 writers, B 5, C 2 — C is small, B its complement."""
    b = services.create_link(db.session, "poll_test", "KT-DAKHA")
    c = services.create_link(db.session, "poll_test", "KT-SATHAY")
    db.session.commit()
    a_texts = [f"Ý kiến A{i:02d}" for i in range(12)]
    _store_wishes(db, poll, a_texts)
    _store_wishes(db, b, [f"Ý kiến B{i}" for i in range(5)])
    _store_poll_answers(db, b, 3)  # B's members who wrote nothing
    _store_wishes(db, c, ["Ý kiến C0", "=HYPERLINK(\"http://evil.example\",\"C1\")"])
    return a_texts


def test_written_answers_are_shown_for_big_enough_units_only_shuffled_and_undated(
    client, login_as, wishes
):
    """Issue 9, item 8: readable by results readers, only for groups at or above the
    threshold (and its complement), in an order unrelated to time, with no date."""
    login_as("reviewer")
    html = client.get("/admin/polls/results/poll_test").get_data(as_text=True)
    shown = re.findall(r"<li>(Ý kiến [ABC]\d+)</li>", html)
    assert sorted(shown) == wishes                       # all of A, none of B or C
    assert "Ý kiến B" not in html and "Ý kiến C" not in html
    assert shown not in (wishes, wishes[::-1])           # not in the order they came
    again = re.findall(r"<li>(Ý kiến [ABC]\d+)</li>",
                       client.get("/admin/polls/results/poll_test").get_data(as_text=True))
    assert again == shown                                # the same order on every visit
    assert "ít nhất 5 người viết" in html

    api = client.get("/api/polls/poll_test/results").json
    [wish] = api["texts"]
    assert wish["label"] == "Mong muốn" and wish["respondents"] == 19
    assert wish["by_unit"]["MAU-CDCS-TPKT01"] == {"respondents": 12, "answers": shown}
    assert wish["by_unit"]["KT-SATHAY"] == {"respondents": None, "answers": None}
    assert wish["by_unit"]["KT-DAKHA"] == {"respondents": None, "answers": None}  # complement

    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    data = client.get("/admin/polls/results/poll_test.xlsx").data
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names[1] == "Ý kiến viết"
    rows = book.get_sheet_by_name("Ý kiến viết").to_python()
    assert rows[1] == ["Câu hỏi", "Đơn vị", "Mã đơn vị", "Câu trả lời"]
    assert rows[2:] == [["Mong muốn", "CĐCS Công ty TNHH May mặc Kon Tum (mẫu)",
                         "MAU-CDCS-TPKT01", text] for text in shown]
    sheet = load_workbook(io.BytesIO(data))["Ý kiến viết"]
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row)


def test_the_page_lists_a_capped_number_of_written_answers(client, login_as, db, poll):
    from survey_app.polls.views import TEXTS_ON_PAGE

    _store_wishes(db, poll, [f"Ý kiến {i:03d}" for i in range(TEXTS_ON_PAGE + 7)])
    login_as("office")
    html = client.get("/admin/polls/results/poll_test").get_data(as_text=True)
    assert len(re.findall(r"<li>Ý kiến \d+</li>", html)) == TEXTS_ON_PAGE
    assert "… và 7 ý kiến khác trong tệp Excel." in html
    data = client.get("/api/polls/poll_test/results").json
    assert len(data["texts"][0]["by_unit"]["MAU-CDCS-TPKT01"]["answers"]) == TEXTS_ON_PAGE + 7


# ---- anonymous rows carry no order (issue 10, item 4) ------------------------------------


def _rows_with_their_order(conn):
    """Every row of every table as a dict, with what could order it besides its columns:
    SQLite's rowid (when the table has one), PostgreSQL's place in the heap (ctid) and
    writing transaction (xmin), and the place in an unordered scan (a plain dump's order)."""
    tables = {}
    for table in Base.metadata.sorted_tables:
        extra = []
        if conn.dialect.name == "sqlite":
            try:
                conn.exec_driver_sql(f"SELECT rowid FROM {table.name} LIMIT 1")
                extra = ["rowid AS _rowid"]
            except sa.exc.OperationalError:  # WITHOUT ROWID
                pass
        else:
            extra = ["(ctid::text::point)[0] * 100000 + (ctid::text::point)[1] AS _ctid",
                     "xmin::text::bigint AS _xmin"]
        columns = ", ".join([*(f'"{c.name}"' for c in table.columns), *extra])
        result = conn.exec_driver_sql(f'SELECT {columns} FROM "{table.name}"')
        tables[table.name] = [{**row._asdict(), "_scan": i} for i, row in enumerate(result)]
    return tables


def _submissions_of(tables, tokens):
    """{table: {submission index: [rows]}}: the rows holding a submission's token, and the
    rows whose id they point at (``response_id``), whatever the tables are called."""
    index_of = {token: i for i, token in enumerate(tokens)}
    keys = {}
    for rows in tables.values():
        for row in rows:
            hit = next((index_of[v] for v in row.values() if isinstance(v, str)
                        and v in index_of), None)
            if hit is not None and row.get("response_id") is not None:
                keys[str(row["response_id"])] = hit
    found = {}
    for name, rows in tables.items():
        for row in rows:
            hit = next((index_of[v] for v in row.values() if isinstance(v, str)
                        and v in index_of), None)
            if hit is None:
                hit = keys.get(str(row.get("id"))) if "id" in row else None
            if hit is None and row.get("response_id") is not None:
                hit = keys.get(str(row["response_id"]))
            if hit is not None:
                found.setdefault(name, {}).setdefault(hit, []).append(row)
    return found


def _ordering_attributes(by_submission):
    """The attributes that put a table's submissions in the order they were sent (or the
    reverse): every value of each one before every value of the next."""
    n = len(by_submission)
    if n < 2:
        return []
    ordered = []
    for attribute in next(iter(by_submission.values()))[0]:
        try:
            spans = [(min(r[attribute] for r in by_submission[i]),
                      max(r[attribute] for r in by_submission[i])) for i in range(n)]
            ascending = all(spans[i][1] < spans[i + 1][0] for i in range(n - 1))
            descending = all(spans[i][0] > spans[i + 1][1] for i in range(n - 1))
        except (TypeError, KeyError):  # None, or values that do not compare
            continue
        if ascending or descending:
            ordered.append(attribute)
    return ordered


def test_poll_rows_cannot_be_placed_among_staff_submissions(app, client, login_as, poll,
                                                           sample_survey, db):
    """Staff and poll submissions alternate; from the database alone, no column, rowid,
    heap position or transaction id orders the poll submissions (so none places them
    between two timed staff submissions), and no counter of the staff rows skips where a
    poll submission came."""
    from tests.conftest import csrf_token

    login_as("inspector")
    n = 10
    staff_tokens = [uuid.uuid4().hex[:16] for _ in range(n)]
    poll_tokens = [uuid.uuid4().hex for _ in range(n)]
    for staff_token, poll_token in zip(staff_tokens, poll_tokens, strict=True):
        sent = client.post("/surveys/sample_check/fill", data={
            "csrf_token": csrf_token(client, "/surveys/sample_check/fill"),
            "_response_id": str(uuid.uuid4()), "has_union": "yes", "members": "12",
            "level": "low", "note_text": staff_token, "models.0.model_name": "Tổ tự quản"})
        assert sent.status_code == 303
        assert answer(app.test_client(), poll, {"member": "yes", "union_helps": "2",
                                                "wish": poll_token}).status_code == 303

    with db.engine.connect() as conn:
        tables = _rows_with_their_order(conn)
    polls = _submissions_of(tables, poll_tokens)
    assert {len(found) for found in polls.values()} == {n}  # every submission found
    assert "poll_responses" in polls and "poll_answers" in polls
    postgres = db.engine.dialect.name == "postgresql"
    for name, found in polls.items():
        leaks = _ordering_attributes(found)
        if postgres:
            # Until ``settle`` rewrites them, today's rows keep PostgreSQL's insertion
            # order and transaction ids (documented in the README); nothing else orders.
            assert set(leaks) <= {"_ctid", "_xmin", "_scan"}, (name, leaks)
        else:
            assert leaks == [], (name, leaks)
        assert "_rowid" not in found[0][0]  # WITHOUT ROWID: no hidden counter

    # Staff rows: every counter runs on without a gap where a poll submission came.
    staff = _submissions_of(tables, staff_tokens)
    assert {len(found) for found in staff.values()} == {n}
    for name in ("responses", "answers"):
        for attribute in ("id", "_rowid"):
            values = sorted(r[attribute] for rows in staff[name].values() for r in rows
                            if isinstance(r.get(attribute), int))
            assert values == list(range(values[0], values[0] + len(values))) if values else True

    if postgres:
        with db.engine.begin() as conn:
            assert services.settle(conn, before=dt.date.today() + dt.timedelta(days=2)) == n
        with db.engine.connect() as conn:
            polls = _submissions_of(_rows_with_their_order(conn), poll_tokens)
        for name, found in polls.items():
            assert _ordering_attributes(found) == [], name


def test_settle_rewrites_past_days_only_and_keeps_every_answer(app, poll, db):
    from survey_app.localtime import local_today
    from survey_app.registry.services import definition_of
    from survey_app.surveys.validation import validate

    today = local_today()
    definition = definition_of(poll.survey.current_version)
    target = services.find_target(db.engine, poll.token)
    for i in range(8):
        result = validate(definition, {"member": "yes", "union_helps": "2", "wish": f"w{i}"})
        with db.engine.begin() as conn:
            services.store_poll_response(conn, target, sent_id=uuid.uuid4(),
                                         answers=result.answers, secret_key="k",
                                         today=today - dt.timedelta(days=1 + i % 2 * 30))
    result = validate(definition, {"member": "no"})
    with db.engine.begin() as conn:
        services.store_poll_response(conn, target, sent_id=uuid.uuid4(), answers=result.answers,
                                     secret_key="k", today=today)

    def stored():
        with db.engine.connect() as conn:
            return sorted(conn.execute(
                sa.select(PollResponse.id, PollResponse.submitted_on, PollResponse.poll_link_id,
                          PollAnswer.ordinal, PollAnswer.question_key, PollAnswer.value_choice,
                          PollAnswer.value_text)
                .join(PollAnswer, PollAnswer.response_id == PollResponse.id)).all())

    before = stored()
    result = app.test_cli_runner().invoke(args=["polls", "settle"])
    assert result.exit_code == 0, result.output
    assert "8" in result.output
    assert stored() == before  # the same rows, keys and answers
    with db.engine.connect() as conn:
        settled = dict(conn.execute(sa.select(PollResponse.submitted_on, PollResponse.is_settled)
                                    .distinct()).all())
        assert settled == {today: False, today - dt.timedelta(days=1): True,
                           today - dt.timedelta(days=31): True}
        if db.engine.dialect.name == "postgresql":
            # one transaction wrote every settled row: its id tells them apart no more
            xmins = conn.exec_driver_sql(
                "SELECT DISTINCT xmin::text FROM poll_responses WHERE is_settled "
                "UNION SELECT DISTINCT a.xmin::text FROM poll_answers a "
                "JOIN poll_responses r ON r.id = a.response_id WHERE r.is_settled").all()
            assert len(xmins) == 1
    # again: nothing left to settle
    assert "0" in app.test_cli_runner().invoke(args=["polls", "settle"]).output


# ---- a cap holds under concurrent posts, and the limit counts per link and address --------


def _concurrent_posts(live_server, token, n, data=None):
    """``n`` workers on their own phones open the poll, then all send at the same moment.
    Returns the statuses (redirects not followed)."""
    import threading
    import urllib.error
    import urllib.parse
    from http.cookiejar import CookieJar

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    phones = []
    for _ in range(n):
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect())
        html = opener.open(f"{live_server}/p/{token}").read().decode()
        phones.append((opener, token_of(html)))
    barrier, statuses = threading.Barrier(n), []

    def send(opener, csrf):
        body = urllib.parse.urlencode({"csrf_token": csrf, "_response_id": str(uuid.uuid4()),
                                       **(data or {"member": "no"})}).encode()
        barrier.wait()
        try:
            with opener.open(f"{live_server}/p/{token}", body, timeout=60) as reply:
                statuses.append(reply.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=send, args=phone) for phone in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_a_cap_of_3_holds_against_15_simultaneous_posts(live_server, poll, db):
    capped = services.create_link(db.session, "poll_test", "KT-DAKHA", max_responses=3)
    db.session.commit()
    statuses = _concurrent_posts(live_server, capped.token, 15)
    assert statuses == [303] * 3 + [410] * 12
    db.session.expire_all()
    count = sa.select(sa.func.count()).select_from(PollResponse)
    assert db.session.scalar(count.where(PollResponse.poll_link_id == capped.id)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PollAnswer)) == 3
    assert db.session.get(PollLink, capped.id).responses_taken == 3


def test_a_resent_page_counts_once_against_the_cap(client, poll, db):
    poll.max_responses = 2
    db.session.commit()
    page = client.get(f"/p/{poll.token}").get_data(as_text=True)
    body = {"csrf_token": token_of(page), "_response_id": str(uuid.uuid4()), "member": "no"}
    assert client.post(f"/p/{poll.token}", data=body).status_code == 303
    # the done cookie lost (the redirect never arrived): the phone sends the same page again
    client.delete_cookie(f"p_done_{poll.id}", path=f"/p/{poll.token}")
    assert client.post(f"/p/{poll.token}", data=body).status_code == 303
    db.session.expire_all()
    assert db.session.get(PollLink, poll.id).responses_taken == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PollResponse)) == 1
    client._cookies.clear()
    assert answer(client, poll, {"member": "yes"}).status_code == 303
    client._cookies.clear()
    assert client.get(f"/p/{poll.token}").status_code == 410  # full: 2 of 2


def test_the_post_limit_counts_per_link_and_address(app, poll, db, monkeypatch):
    from survey_app.extensions import limiter

    monkeypatch.setitem(app.config, "POLL_POST_LIMIT", "3 per minute")
    other = services.create_link(db.session, "poll_test", "KT-DAKHA")
    db.session.commit()

    def post(link, address):
        return app.test_client().post(f"/p/{link.token}", data={"member": "yes"},
                                      environ_base={"REMOTE_ADDR": address}).status_code

    assert [post(poll, "198.51.100.7") for _ in range(4)] == [400, 400, 400, 429]
    assert post(other, "198.51.100.7") == 400      # another link from the same Wi-Fi
    assert post(poll, "198.51.100.8") == 400       # the same link from another address
    storage = limiter.storage
    keys = (list(storage.storage.scan_iter()) if hasattr(storage.storage, "scan_iter")
            else list(storage.storage))
    text = " ".join(str(key) for key in keys)
    assert keys and "198.51.100" not in text and poll.token not in text


def test_the_default_limit_lets_a_shift_behind_one_address_answer(app, poll, db):
    from limits import parse_many

    from survey_app.config import Settings

    [limit] = parse_many(Settings.poll_post_limit)
    assert limit.amount >= 400 and limit.get_expiry() <= 3600
    for _ in range(60):  # a busy minute at the gate: nobody is refused
        assert app.test_client().post(f"/p/{poll.token}", data={"member": "yes"},
                                      environ_base={"REMOTE_ADDR": "203.0.113.9"}
                                      ).status_code == 400


# ---- what a poll response is stored under (issue 10, items 4 and 7) ---------------------


def _post_page(client, link, sent_id, data):
    page = client.get(f"/p/{link.token}").get_data(as_text=True)
    return client.post(f"/p/{link.token}", data={"csrf_token": token_of(page),
                                                 "_response_id": sent_id, **data})


def test_a_poll_page_sent_to_another_link_is_stored_there_not_dropped(app, poll, db):
    other = services.create_link(db.session, "poll_test", "KT-DAKHA")
    db.session.commit()
    sent_id = str(uuid.uuid4())
    assert _post_page(app.test_client(), poll, sent_id, {"member": "no"}).status_code == 303
    assert _post_page(app.test_client(), other, sent_id,
                      {"member": "yes", "union_helps": "1"}).status_code == 303
    # ... and the same page sent again to its own link is the response already stored
    assert _post_page(app.test_client(), other, sent_id,
                      {"member": "no"}).status_code == 303
    rows = db.session.execute(
        sa.select(PollResponse.poll_link_id, PollAnswer.question_key, PollAnswer.value_choice)
        .join(PollAnswer, PollAnswer.response_id == PollResponse.id)
        .order_by(PollResponse.poll_link_id, PollAnswer.ordinal)).all()
    assert [tuple(r) for r in rows] == [(poll.id, "member", "no"), (other.id, "member", "yes"),
                                        (other.id, "union_helps", "1")]


def test_the_stored_key_is_random_whatever_id_the_page_sent(client, poll, db):
    # A tampered page sends a time-based id (UUID version 1: the clock in its first bits).
    sent = uuid.uuid1()
    assert _post_page(client, poll, str(sent), {"member": "no"}).status_code == 303
    stored = db.session.scalars(sa.select(PollResponse.id)).one()
    assert stored != sent and stored.version == 4
    assert sent.hex[:8] not in stored.hex and sent.hex[-12:] not in stored.hex


def test_a_changed_poll_with_answers_becomes_a_new_version_and_counts_them(
        client, login_as, three_units, db):
    from survey_app.models import SurveyVersion
    from survey_app.registry.services import get_survey

    changed = POLL.replace("Mong muốn, en: Wish", "Mong muốn khác, en: Other wish")
    assert sync_definition(db.session, load_definition(changed), changed) == "new_versions"
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyVersion)) == 2
    login_as("admin")
    html = client.get("/admin/surveys").get_data(as_text=True)
    meta = re.search(r"<code>poll_test</code>(.*?)</div>", html, re.S).group(1)
    assert "15 phiếu trả lời" in meta, meta
    assert get_survey(db.session, "poll_test").current_version.number == 2
