"""Sending a form that fails: nothing typed is lost (issue 9.1, and issue 10.5 on polls).

Each case sends a filled form into a real failure (the connection cut, a session ended in
another tab, a token that aged, a body over the server's limit, a server error, the poll's
per-address limit), then checks that every answer is still in the page and in the draft (or,
for a staff form with no connection, in the phone's outbox: issue 12), that the page says in
Vietnamese what happened and what to do, and that sending again stores exactly one response.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from survey_app.extensions import limiter
from survey_app.models import Response
from survey_app.polls import services as polls
from tests.browser.offline_phone import WAITING, wait_until
from tests.browser.test_poll_page import make_link
from tests.browser.test_survey_form import choose, progress, signed_in, surveys
from tests.conftest import PASSWORD

__all__ = ["signed_in", "surveys"]  # fixtures used here

FAILURE = "#send-failure"
KEPT = "Không mất gì: mọi câu trả lời vẫn còn nguyên."
LONG_NOTE = "Công đoàn đã ký thoả ước lao động tập thể; cần theo dõi việc trả lương làm thêm giờ."


def script_errors(page) -> list[str]:
    """Errors from scripts or the CSP; a refused or failed request is the test's own doing."""
    return [e for e in page.console_errors if "Failed to load resource" not in e]


def stored(db) -> list[Response]:
    """The responses in the database now (read afresh: the server commits in its thread)."""
    db.session.rollback()
    return db.session.scalars(sa.select(Response)).all()


def fill_single(page, live_server) -> None:
    """The one-page test form, answered: text, choices, a number, two repeat rows."""
    page.goto(f"{live_server}/surveys/form_single/fill")
    page.fill("#f-visit_date", "2017-09-12")
    choose(page, "has_union", "Có")
    page.fill("#f-union_name", "CĐCS Công ty A")
    page.fill("#f-workers", "120")
    page.fill("#f-branches-0-branch_name", "Tổ may 1")
    page.locator(".add-row").click()
    page.fill("#f-branches-1-branch_name", "Tổ may 2")
    page.fill("#f-comment", LONG_NOTE[:190])


def assert_answers_kept(page) -> None:
    assert page.input_value("#f-visit_date") == "2017-09-12"
    assert page.locator("#f-has_union-q input[value=yes]").is_checked()
    assert page.input_value("#f-union_name") == "CĐCS Công ty A"
    assert page.input_value("#f-workers") == "120"
    assert page.input_value("#f-branches-1-branch_name") == "Tổ may 2"
    assert page.input_value("#f-comment") == LONG_NOTE[:190]


def draft_of(page, storage: str = "localStorage") -> dict | None:
    key = page.get_attribute("form.survey", "data-draft-key")
    text = page.evaluate(f"k => {storage}.getItem('survey-draft:' + k)", key)
    return json.loads(text) if text else None


def assert_draft_kept(page, response_id: str) -> None:
    draft = draft_of(page)
    assert draft is not None, "the draft was lost"
    assert draft["responseId"] == response_id
    assert draft["values"]["union_name"] == ["CĐCS Công ty A"]
    assert draft["values"]["branches.1.branch_name"] == ["Tổ may 2"]


def send(page, name: str = "Gửi") -> None:
    page.get_by_role("button", name=name, exact=True).click()


def send_again_and_land_on_the_response(page, live_server, db, response_id: str) -> None:
    send(page, "Gửi lại")
    page.wait_for_url(re.compile(rf"/surveys/form_single/responses/{response_id}$"))
    expect(page.get_by_text("câu trả lời của bạn đã được lưu")).to_be_visible()
    expect(page.get_by_text("CĐCS Công ty A")).to_be_visible()
    [response] = stored(db)
    assert str(response.id) == response_id
    assert page.evaluate("() => Object.keys(localStorage)"
                         ".filter(k => k.startsWith('survey-draft:'))") == []


def outbox_items(page) -> list[dict]:
    return page.evaluate("""async () => (await import('/static/js/outbox.js'))
        .openOutbox().items(null)""")


@pytest.mark.parametrize("stored_before_the_cut", [False, True],
                         ids=["request-lost", "answer-lost"])
def test_a_dropped_connection_keeps_the_answers_on_the_phone_and_sends_them_once(
        signed_in, live_server, db, context, stored_before_the_cut):
    """No connection when Send is pressed: the answers wait in the phone's outbox (issue
    12; before it, they stayed in the form for Send again) and go once it is back."""
    page = signed_in
    fill_single(page, live_server)
    response_id = page.input_value("input[name=_response_id]")
    if stored_before_the_cut:
        # The server stores the answers, then the connection drops before its answer
        # arrives: the phone cannot know they arrived.
        def store_then_cut(route):
            route.fetch()
            route.abort("connectionreset")
        page.route("**/surveys/form_single/fill", store_then_cut)
    else:
        page.wait_for_function("() => performance.getEntriesByType('resource')"
                               ".some(e => e.name.endsWith('/js/send.js'))")
        context.set_offline(True)
    send(page)

    kept = page.locator("#send-kept")
    expect(kept).to_contain_text("Đã lưu trên điện thoại.")
    expect(kept).to_contain_text("phiếu sẽ tự gửi đi ngay khi có mạng")
    assert kept.evaluate("e => e === document.activeElement")
    assert page.url.endswith("/surveys/form_single/fill")  # no browser error page
    assert not page.locator("form.survey").is_visible()
    [item] = outbox_items(page)
    assert item["id"] == response_id
    answers = parse_qs(item["body"])
    assert answers["union_name"] == ["CĐCS Công ty A"]
    assert answers["branches.1.branch_name"] == ["Tổ may 2"]
    assert answers["comment"] == [LONG_NOTE[:190]]
    assert draft_of(page) is None  # the outbox holds them now, not the draft
    expect(page.locator("[data-outbox-count]")).to_have_attribute("data-outbox-count", "1")
    assert len(stored(db)) == (1 if stored_before_the_cut else 0)

    context.set_offline(False)
    page.unroute("**/surveys/form_single/fill")
    page.reload()  # the outbox is sent when a page opens (and when the connection returns)
    wait_until(page, WAITING, 0)  # the page's count and the outbox itself
    [response] = stored(db)  # the replay of an answer that did arrive is not a second one
    assert str(response.id) == response_id
    assert outbox_items(page) == []
    assert script_errors(page) == []


def test_a_session_ended_in_another_tab_signs_in_again_and_comes_back_filled(
        signed_in, live_server, db, context):
    page = signed_in
    page.goto(f"{live_server}/surveys/form_test/fill")  # layout: pages
    response_id = page.input_value("input[name=_response_id]")
    page.fill("#f-visit_date", "2017-09-12")
    choose(page, "has_union", "Có")
    page.fill("#f-union_name", "CĐCS Công ty A")
    page.locator(".page-next").click()
    choose(page, "m_pay", "Đồng ý")
    page.locator(".page-next").click()
    page.fill("#f-members-baseline", "120")
    page.fill("#f-members", "138")
    page.fill("#f-branches-0-branch_name", "Tổ may 1")
    page.locator(".page-next").click()
    page.fill("#f-comment", LONG_NOTE[:190])
    assert progress(page) == (4, 4)

    # The same person signs out in another tab (the same cookies, as the tab would send).
    token = page.locator("form[action='/logout'] input[name=csrf_token]").input_value()
    signed_out = context.request.post(f"{live_server}/logout", form={"csrf_token": token},
                                      max_redirects=0)
    assert signed_out.status == 302
    send(page)

    failure = page.locator(FAILURE)
    expect(failure).to_contain_text("Phiên đăng nhập đã kết thúc")
    expect(failure).to_contain_text(KEPT)
    expect(page.locator(".form-actions .submit")).to_have_text("Gửi")  # sign in first
    assert page.input_value("#f-comment") == LONG_NOTE[:190]
    assert draft_of(page)["values"]["members"] == ["138"]
    assert stored(db) == []

    failure.get_by_role("link", name="Đăng nhập lại").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_label("Tên đăng nhập").fill(page.user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server}/surveys/form_test/fill")

    # the same filled form, on the page it was sent from, with a fresh token
    expect(page.locator(".draft-notice")).to_be_visible()
    assert progress(page) == (4, 4)
    assert page.input_value("#f-comment") == LONG_NOTE[:190]
    assert page.input_value("#f-members") == "138"
    assert page.input_value("input[name=_response_id]") == response_id
    send(page)
    page.wait_for_url(re.compile(rf"/surveys/form_test/responses/{response_id}$"))
    [response] = stored(db)
    assert str(response.id) == response_id
    expect(page.get_by_text("138").first).to_be_visible()
    assert script_errors(page) == []


def test_an_aged_token_is_renewed_and_the_form_sent_without_losing_a_thing(
        signed_in, live_server, db):
    page = signed_in
    fill_single(page, live_server)
    response_id = page.input_value("input[name=_response_id]")
    # the token the page was served with has expired (8 hours open): still signed in
    page.locator("form.survey input[name=csrf_token]").evaluate("e => e.value = 'aged-token'")
    statuses = []
    page.on("response", lambda r: statuses.append(r.status)
            if r.request.method == "POST" else None)
    send(page)
    page.wait_for_url(re.compile(rf"/responses/{response_id}$"))
    assert statuses == [400, 201]  # refused once, then sent with the new token by itself
    assert [str(r.id) for r in stored(db)] == [response_id]


def test_a_body_over_the_servers_limit_says_so_and_keeps_the_answers(
        signed_in, live_server, db, app):
    page = signed_in
    fill_single(page, live_server)
    response_id = page.input_value("input[name=_response_id]")
    form = page.locator("form.survey")
    body_size = "form => new URLSearchParams(new FormData(form)).toString().length"
    short = form.evaluate(body_size)
    long_name = ("Tổ may số một " * 40)[:500]  # as long as a text answer may be
    page.fill("#f-branches-0-branch_name", long_name)
    long = form.evaluate(body_size)
    original = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = (short + long) // 2  # a proxy's small limit, say
    try:
        send(page)
        failure = page.locator(FAILURE)
        expect(failure).to_contain_text("Câu trả lời quá dài, không gửi được")
        expect(failure).to_contain_text(KEPT)
        assert page.input_value("#f-branches-0-branch_name") == long_name
        assert_answers_kept(page)
        assert_draft_kept(page, response_id)
        assert stored(db) == []
        page.fill("#f-branches-0-branch_name", "Tổ may 1")  # what the message asks
        send_again_and_land_on_the_response(page, live_server, db, response_id)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = original


def test_a_server_error_keeps_the_answers_and_sending_again_stores_once(
        signed_in, live_server, db, monkeypatch):
    from survey_app.responses import services as responses

    page = signed_in
    fill_single(page, live_server)
    response_id = page.input_value("input[name=_response_id]")

    def broken(*args, **kwargs):
        raise RuntimeError("the database is not answering")

    monkeypatch.setattr(responses, "store_response", broken)  # a real 500 from the app
    send(page)
    failure = page.locator(FAILURE)
    expect(failure).to_contain_text("Máy chủ đang gặp sự cố")
    expect(failure).to_contain_text(KEPT)
    assert_answers_kept(page)
    assert_draft_kept(page, response_id)
    monkeypatch.undo()

    # a proxy in front of a restarting app: 503 with its own HTML page
    page.route("**/surveys/form_single/fill", lambda route: route.fulfill(
        status=503, content_type="text/html", body="<h1>503 Service Unavailable</h1>"))
    send(page, "Gửi lại")
    expect(failure).to_contain_text("Máy chủ đang gặp sự cố")
    assert_answers_kept(page)
    assert stored(db) == []
    page.unroute("**/surveys/form_single/fill")
    send_again_and_land_on_the_response(page, live_server, db, response_id)


def test_send_cannot_be_pressed_twice_while_sending(signed_in, live_server, db):
    page = signed_in
    fill_single(page, live_server)
    posts = []

    def slow(route):
        posts.append(route.request.url)
        page.wait_for_timeout(800)
        route.continue_()

    page.route("**/surveys/form_single/fill", slow)
    button = page.locator(".form-actions .submit")
    button.click()
    expect(button).to_be_disabled()
    expect(button).to_have_text("Đang gửi…")
    page.locator("#f-union_name").press("Enter")  # Enter sends too: ignored meanwhile
    button.dispatch_event("click")
    page.wait_for_url(re.compile(r"/responses/"))
    assert len(posts) == 1
    assert len(stored(db)) == 1


def test_answers_the_server_refuses_are_shown_in_the_page(signed_in, live_server, db):
    page = signed_in
    fill_single(page, live_server)
    # the server's own JSON for answers it refuses (tests/integration checks the view)
    refusal = {"errors": {"workers": "Hãy nhập một số nguyên."},
               "message": "1 câu trả lời cần xem lại."}
    page.route("**/surveys/form_single/fill", lambda route: route.fulfill(
        status=422, content_type="application/json", body=json.dumps(refusal)))
    send(page)
    expect(page.locator("#f-workers-err")).to_have_text("Hãy nhập một số nguyên.")
    expect(page.locator("#form-errors")).to_be_visible()
    assert page.evaluate("document.activeElement.name") == "workers"
    assert_answers_kept(page)
    assert page.locator(".form-actions .submit").is_enabled()
    assert stored(db) == []


def test_preview_keeps_its_answers_through_signing_in_again(signed_in, live_server, context):
    page = signed_in
    page.goto(f"{live_server}/surveys/form_single/preview")
    page.fill("#f-visit_date", "2017-09-12")
    choose(page, "has_union", "Không")
    page.fill("#f-comment", "Thử phiếu trước khi gửi cho các đoàn")
    context.clear_cookies()  # the session is gone
    send(page, "Kiểm tra câu trả lời")
    failure = page.locator(FAILURE)
    expect(failure).to_contain_text("Phiên đăng nhập đã kết thúc")
    assert draft_of(page, "sessionStorage") is not None
    failure.get_by_role("link", name="Đăng nhập lại").click()
    page.get_by_label("Tên đăng nhập").fill(page.user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server}/surveys/form_single/preview")
    assert page.input_value("#f-comment") == "Thử phiếu trước khi gửi cho các đoàn"
    send(page, "Kiểm tra câu trả lời")
    expect(page.locator(".flash-success")).to_contain_text("Mọi câu trả lời đều hợp lệ")
    assert page.input_value("#f-comment") == "Thử phiếu trước khi gửi cho các đoàn"


# ---------------------------------------------------------------------- worker polls


def test_poll_over_the_address_limit_keeps_the_answers_and_sends_a_minute_later(
        browser, page, context, live_server, app, db, kontum):
    link = make_link(db, live_server, app)
    url = f"{live_server}/p/{link.token}"
    original = app.config["POLL_POST_LIMIT"]
    app.config["POLL_POST_LIMIT"] = "2 per minute"
    try:
        # Two workmates on the same factory Wi-Fi answered just before.
        for _ in range(2):
            other = browser.new_context()
            mate = other.new_page()
            mate.goto(url)
            mate.locator("form.poll input[type=radio]").first.check()
            mate.get_by_role("button", name="Gửi").click()
            mate.wait_for_url(re.compile(r"/thanks$"))
            other.close()

        page.goto(url)
        response_id = page.input_value("input[name=_response_id]")
        page.locator("form.poll input[type=radio]").first.check()
        note = page.locator("#f-p_mong_muon")
        note.fill("Mong công đoàn quan tâm bữa ăn ca")
        page.get_by_role("button", name="Gửi").click()
        failure = page.locator(FAILURE)
        expect(failure).to_contain_text("Vừa có nhiều phiếu được gửi từ cùng mạng này")
        expect(failure).to_contain_text("đợi một phút")
        expect(failure).to_contain_text(KEPT)
        assert note.input_value() == "Mong công đoàn quan tâm bữa ăn ca"
        assert page.locator("form.poll input[type=radio]").first.is_checked()
        draft = draft_of(page, "sessionStorage")
        assert draft["responseId"] == response_id
        assert draft_of(page) is None  # an anonymous answer never outlives the tab
        assert polls.response_count(db.session, link) == 2

        limiter.reset()  # a minute later
        page.get_by_role("button", name="Gửi lại").click()
        page.wait_for_url(re.compile(r"/thanks$"))
        db.session.rollback()
        assert polls.response_count(db.session, link) == 3
        assert page.evaluate("() => sessionStorage.length") == 0
    finally:
        app.config["POLL_POST_LIMIT"] = original


def test_poll_survives_an_aged_token_and_a_dropped_connection(page, context, live_server,
                                                             app, db, kontum):
    link = make_link(db, live_server, app)
    page.goto(f"{live_server}/p/{link.token}")
    page.locator("form.poll input[type=radio]").first.check()
    note = page.locator("#f-p_mong_muon")
    note.fill("Cần thêm chỗ để xe")
    page.wait_for_function("() => performance.getEntriesByType('resource')"
                           ".some(e => e.name.endsWith('/js/send.js'))")
    context.set_offline(True)
    page.get_by_role("button", name="Gửi").click()
    expect(page.locator(FAILURE)).to_contain_text("Không kết nối được với máy chủ")
    assert note.input_value() == "Cần thêm chỗ để xe"
    assert draft_of(page, "sessionStorage")["values"]
    context.set_offline(False)

    # meanwhile the page's token has aged (it was open all shift)
    page.locator("form.poll input[name=csrf_token]").evaluate("e => e.value = 'aged'")
    statuses = []
    page.on("response", lambda r: statuses.append(r.status)
            if r.request.method == "POST" else None)
    page.get_by_role("button", name="Gửi lại").click()
    page.wait_for_url(re.compile(r"/thanks$"))
    assert statuses == [400, 201]
    db.session.rollback()
    assert polls.response_count(db.session, link) == 1
