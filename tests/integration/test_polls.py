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

from survey_app.catalog.services import sync_definition
from survey_app.models import Base, PollLink, Response
from survey_app.polls import services
from survey_app.surveys.loader import load_definition

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
    stored = db.session.scalars(sa.select(Response)).one()
    assert stored.channel == "poll" and stored.submitted_by_id is None
    assert stored.submitted_at is None and stored.poll_link_id == poll.id
    assert stored.unit_id == poll.unit_id


def test_a_second_answer_from_the_same_device_is_refused(client, poll, db):
    assert answer(client, poll, {"member": "no"}).status_code == 303
    again = client.get(f"/p/{poll.token}")
    assert "đã trả lời" in again.get_data(as_text=True)
    page_token = "x"
    second = client.post(f"/p/{poll.token}", data={"csrf_token": page_token, "member": "yes"})
    assert "đã trả lời" in second.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1


def test_invalid_answers_are_kept_with_vietnamese_errors(client, poll, db):
    response = answer(client, poll, {"member": "maybe", "wish": "x" * 301})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "x" * 301 in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


def test_expired_csrf_token_keeps_the_answers_and_asks_to_send_again(client, poll, db):
    client.get(f"/p/{poll.token}")
    response = client.post(f"/p/{poll.token}", data={
        "csrf_token": "expired-or-forged", "_response_id": str(uuid.uuid4()),
        "member": "yes", "wish": "Tăng lương cho công nhân"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Tăng lương cho công nhân" in html and "bấm Gửi lần nữa" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    retry = client.post(f"/p/{poll.token}", data={
        "csrf_token": token_of(html), "_response_id": str(uuid.uuid4()), "member": "yes"})
    assert retry.status_code == 303


def test_honeypot_stores_nothing(client, poll, db):
    response = answer(client, poll, {"member": "yes", "website": "http://spam.example"})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


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
    assert new_rows["responses"] and new_rows["answers"]
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
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


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
    from survey_app.catalog.services import definition_of
    from survey_app.models.responses import Channel
    from survey_app.responses.services import store_response
    from survey_app.surveys.validation import validate

    definition = definition_of(link.survey.current_version)
    for _ in range(n):
        result = validate(definition, {"member": member, "union_helps": helps})
        store_response(db.session.connection(), response_id=uuid.uuid4(),
                       version_id=link.survey.current_version_id, survey_id=link.survey_id,
                       answers=result.answers, channel=Channel.POLL, today=dt.date.today(),
                       unit_id=link.unit_id, poll_link_id=link.id)
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
    rid = db.session.scalars(sa.select(Response.id)).first()
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
    from survey_app.catalog.services import definition_of
    from survey_app.models.responses import Channel
    from survey_app.responses.services import store_response
    from survey_app.surveys.validation import validate

    definition = definition_of(link.survey.current_version)
    for text in texts:
        result = validate(definition, {"member": "yes", "union_helps": "2", "wish": text})
        assert result.ok, result.errors
        store_response(db.session.connection(), response_id=uuid.uuid4(),
                       version_id=link.survey.current_version_id, survey_id=link.survey_id,
                       answers=result.answers, channel=Channel.POLL, today=dt.date.today(),
                       unit_id=link.unit_id, poll_link_id=link.id)
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
