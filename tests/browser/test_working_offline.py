"""Offline first (issue 12), in a phone's Chromium with the app's real service worker and the
real server: forms that open, fill and send with no signal, an outbox that delivers each
answer once, and nothing lost through a reload, a closed tab, an ended session, a refusal or
a new release of the app.

The forms here are the checklists of an inspector's visits, reached from "Lịch kiểm tra của
tôi" (/visits), the catalog's fill form (/surveys/inspection_2017/fill) and a small test form
(tests/browser/offline_phone.py drives them). What the server received is read from the raw
request bodies (BodyRecorder), before Flask parses them.
"""

from __future__ import annotations

import functools
import re
import threading
import time
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from survey_app.accounts.services import sign_out_everywhere
from survey_app.fieldwork import services as fieldwork
from survey_app.models import Answer, InspectionVisit, Response
from survey_app.offline import services as offline_services
from tests.browser.conftest import PHONE, has_horizontal_scroll, layout_problems
from tests.browser.offline_phone import (
    INSPECTION_ANSWERS,
    PAGES_CACHE,
    BodyRecorder,
    Phone,
    stored_bodies,
    three_forms_offline,
    wait_until,
)

FILL = "/surveys/inspection_2017/fill"
KEPT = ["/", "/outbox", FILL]


@pytest.fixture
def phone(playwright, browser, live_server, nq20):
    """A Pixel 5 (its screen, touch and user agent), in Vietnamese."""
    context = browser.new_context(**playwright.devices["Pixel 5"], locale="vi-VN")
    yield Phone(context, live_server)
    context.close()


@pytest.fixture
def recorder(app, monkeypatch) -> BodyRecorder:
    recording = BodyRecorder(app.wsgi_app)
    monkeypatch.setattr(app, "wsgi_app", recording)
    return recording


@pytest.fixture
def poll_link(db, nq20):
    from survey_app.polls import services as polls

    link = polls.create_link(db.session, "worker_poll_2017", "MAU-CDCS-TPKT01")
    db.session.commit()
    return link


@pytest.fixture
def inspector(make_user):
    return make_user("inspector", unit_code="KT")


@pytest.fixture
def visits(db, nq20, inspector) -> list[InspectionVisit]:
    """Three visits of the inspector's team in the shipped campaign nq20_2017."""
    fieldwork.create_team(db.session, nq20, "Đoàn kiểm tra số 1", inspector.username, [])
    planned = [fieldwork.add_visit(db.session, nq20, code, "Đoàn kiểm tra số 1",
                                   date(2017, 9, day))
               for code, day in (("KT-TPKT", 11), ("KT-DAKHA", 12), ("KT-DAKTO", 13))]
    db.session.commit()
    return planned


def checklist(visit) -> str:
    return f"/visits/{visit.id}/checklist"


def visit_pages(visits) -> list[str]:
    """What the phone keeps for an inspector: their visits, each visit and its checklist."""
    return ["/visits", "/outbox", *(p for v in visits for p in (f"/visits/{v.id}",
                                                                 checklist(v)))]


def stored(db) -> list[Response]:
    db.session.rollback()  # the server commits in its own thread
    return db.session.scalars(sa.select(Response).order_by(Response.submitted_at)).all()


def answers_of(db, response_id: str) -> dict[str, str]:
    rows = db.session.scalars(sa.select(Answer).where(Answer.response_id == uuid.UUID(
        response_id))).all()
    return {a.question_key: a.value_text or a.value_choice or a.value_date for a in rows}


def three_answers() -> list[dict[str, str]]:
    return [{**INSPECTION_ANSWERS, "visit_date": f"2017-09-1{n}",
             "a11_uu_diem": f"{INSPECTION_ANSWERS['a11_uu_diem']} (lần {n + 1})"}
            for n in range(3)]


def test_three_checklists_sent_offline_reach_the_server_once_each_for_its_visit(
        phone, inspector, visits, recorder, db, nq20):
    """The issue's "done when": an inspector opens the day's visits, loses the signal, fills
    and sends three checklists, reloads, gets the signal back; the server holds exactly
    three responses, each tied to its visit, however often the outbox is replayed."""
    phone.sign_in(inspector.username)  # an inspector lands on "Lịch kiểm tra của tôi"
    expect(phone.page.locator("h1")).to_have_text("Lịch kiểm tra của tôi")
    expect(phone.page.locator(".visit-list a")).to_have_count(3)
    paths = [checklist(v) for v in visits]
    answers = three_answers()
    items = three_forms_offline(
        phone, paths, answers, visit_pages(visits),
        reach=lambda path: phone.open_checklist_from_my_visits(int(path.split("/")[2])))
    assert recorder.posts == [] and stored(db) == []  # nothing left the phone
    for item, visit, answer in zip(items, visits, answers, strict=True):
        assert item["user"] == inspector.id and item["survey"] == "inspection_2017"
        assert item["version"] == 1 and item["state"] == "waiting"
        assert (item["visit"], item["unit"], item["url"]) == (
            visit.id, visit.unit.name, checklist(visit))
        assert "csrf_token" not in item["body"]
        assert f"visit_date={answer['visit_date']}" in item["body"]

    phone.online()  # the signal is back: the page sends by itself
    phone.wait_for_count(0)
    responses = {r.visit_id: r for r in stored(db)}
    assert sorted(responses) == sorted(v.id for v in visits)
    for item, visit, answer in zip(items, visits, answers, strict=True):
        response = responses[visit.id]  # each answer tied to its own visit
        assert str(response.id) == item["id"]
        assert (response.unit_id, response.campaign_id, response.submitted_by_id) == (
            visit.unit_id, nq20.id, inspector.id)
        assert db.session.get(InspectionVisit, visit.id).status == "done"
        assert answers_of(db, item["id"])["a11_uu_diem"] == answer["a11_uu_diem"]
    # what the server received is, byte for byte, what the page stored
    posts = [p for p in recorder.posts if p.path in paths]
    assert sorted(p.body for p in posts) == sorted(stored_bodies(items).values())
    assert all(p.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
               and p.headers["X-Csrftoken"] for p in posts)
    receipts = {r["id"]: r for r in phone.outbox("receipts", inspector.id)}
    assert sorted(receipts) == sorted(i["id"] for i in items)
    for item, visit in zip(items, visits, strict=True):
        assert (receipts[item["id"]]["url"], receipts[item["id"]]["visit"]) == (
            f"/visits/{visit.id}", visit.id)

    # the whole outbox replayed three times more: still three responses
    for replay in range(3):
        phone.replay(items)
        if replay == 2:
            phone.page.reload()  # sent on opening a page, too
        else:
            phone.send_now()
        phone.wait_for_count(0)
    assert len(stored(db)) == 3
    assert len([p for p in recorder.posts if p.path in paths]) == 12
    assert len(phone.outbox("receipts", inspector.id)) == 3

    phone.open("/visits")  # the visits say so, and the receipts say where each answer is
    expect(phone.page.locator(".visit-list .badge.checklist-submitted")).to_have_count(3)
    phone.open("/outbox")
    assert not phone.page.locator(".flash-success").count()  # no pile of "thank you"s
    receipts = phone.page.locator(".outbox-receipt")
    expect(receipts).to_have_count(3)
    expect(receipts.first).to_contain_text("Đã gửi")
    for visit in visits:
        expect(receipts.filter(has_text=visit.unit.name)).to_have_count(1)
    expect(phone.page.get_by_text("Không có phiếu nào đang chờ gửi")).to_be_visible()
    assert phone.errors == []


def test_catalog_forms_sent_offline_reach_the_server_once_each(phone, inspector, recorder, db):
    """The same with the catalog's fill form, where one page makes many responses."""
    phone.sign_in(inspector.username)
    answers = three_answers()[:2]
    items = three_forms_offline(phone, [FILL] * 2, answers, KEPT)
    assert all(i["visit"] is None and i["unit"] == "Liên đoàn Lao động tỉnh Kon Tum"
               for i in items)
    phone.online()
    phone.wait_for_count(0)
    responses = stored(db)
    assert sorted(str(r.id) for r in responses) == sorted(i["id"] for i in items)
    for response in responses:
        assert response.submitted_by_id == inspector.id and response.unit_id == inspector.unit_id
        assert response.visit_id is None
    assert sorted(p.body for p in recorder.posts) == sorted(stored_bodies(items).values())
    receipts = phone.outbox("receipts", inspector.id)
    assert all(r["url"] == f"/surveys/inspection_2017/responses/{r['id']}" for r in receipts)
    phone.replay(items)
    phone.send_now()
    phone.wait_for_count(0)
    assert len(stored(db)) == 2 and len(recorder.posts) == 4
    assert phone.errors == []


def test_a_session_that_ended_offline_sends_after_signing_in_unchanged(
        phone, inspector, visits, recorder, db):
    phone.sign_in(inspector.username)
    answers = three_answers()[:2]
    phone.wait_until_kept(visit_pages(visits))
    phone.offline()
    for visit, answer in zip(visits, answers, strict=False):
        phone.open(checklist(visit))
        phone.answer(answer)
        phone.send_offline()
    items = phone.outbox("items", inspector.id)

    sign_out_everywhere(db.session, inspector)  # the session ends meanwhile (or expires)
    db.session.commit()
    phone.online()
    status = phone.page.locator("[data-outbox-status]")
    expect(status).to_contain_text("Phiên đăng nhập đã hết")
    assert phone.outbox_count() == 2
    assert phone.outbox("items", inspector.id) == items  # waiting, unchanged
    assert stored(db) == [] and recorder.posts == []  # nothing was posted

    status.get_by_role("link", name="Đăng nhập lại").click()
    phone.page.wait_for_url(re.compile(r"/login\?next="))
    phone.sign_in(inspector.username, next_path=checklist(visits[1]))
    phone.wait_for_count(0)
    responses = stored(db)
    assert sorted(str(r.id) for r in responses) == sorted(i["id"] for i in items)
    assert {r.visit_id for r in responses} == {visits[0].id, visits[1].id}
    assert sorted(p.body for p in recorder.posts) == sorted(stored_bodies(items).values())
    assert phone.errors == []


def test_a_new_release_taking_over_offline_keeps_the_queue_and_the_kept_forms(
        phone, inspector, visits, db, monkeypatch):
    kept = visit_pages(visits)
    phone.sign_in(inspector.username)
    phone.wait_until_kept(kept)
    old = phone.page.evaluate("() => caches.keys()")
    phone.offline()
    phone.open_checklist_from_my_visits(visits[0].id)
    phone.answer(three_answers()[0])
    phone.send_offline()

    # A new release of the app. The phone catches a moment of signal, too weak to send
    # (the outbox's requests fail) but enough to fetch the new worker, which installs
    # and waits while the app is open.
    original = offline_services.service_worker_script
    monkeypatch.setattr(offline_services, "service_worker_script", lambda *a: original(*a)
                        .replace('const RELEASE = "', 'const RELEASE = "next-', 1))
    context = phone.context
    context.route("**/offline/token", lambda route: route.abort("internetdisconnected"))
    phone.online()
    phone.page.evaluate("""async () => {
        const registration = await navigator.serviceWorker.getRegistration();
        await registration.update();
        const worker = registration.installing ?? registration.waiting;
        if (worker && worker.state !== 'installed') await new Promise((done) => {
            worker.addEventListener('statechange', () => worker.state === 'installed' && done());
        });
    }""")
    phone.offline()
    context.unroute("**/offline/token")
    assert phone.outbox_count() == 1
    assert stored(db) == []

    # Offline, the app is closed and opened again: the new worker takes over now.
    phone.page.close()
    phone.page = context.new_page()
    workers = phone.watch_workers()
    try:
        phone.open_checklist_from_my_visits(visits[1].id)
    except PlaywrightError as error:  # say what the workers were doing (issue 12, item 3)
        raise AssertionError(f"{error}\nservice workers: {workers}") from error
    wait_until(phone.page, """async () => (await caches.keys())
        .some((name) => name.startsWith('files-next-'))""")
    wait_until(phone.page, """async () => !(await caches.keys())
        .some((name) => /^files-[0-9a-f]{16}$/.test(name))""")  # the old files are gone
    assert PAGES_CACHE in phone.page.evaluate("() => caches.keys()") and PAGES_CACHE in old
    assert set(kept) <= phone.kept_pages()  # the kept forms survived the update
    assert phone.banner_shown()
    phone.wait_for_count(1)  # and so did the queue
    phone.answer(three_answers()[1])  # the new release's files work offline
    phone.send_offline()
    phone.wait_for_count(2)
    for path in kept:
        phone.open(path)
    phone.open(checklist(visits[0]))
    assert phone.shows_kept()  # still waiting, not a blank second checklist

    phone.online()
    phone.wait_for_count(0)
    assert {r.visit_id for r in stored(db)} == {visits[0].id, visits[1].id}
    assert phone.errors == []


def test_the_same_draft_in_two_tabs_is_one_submission(phone, inspector, visits, db):
    phone.sign_in(inspector.username)
    phone.wait_until_kept(visit_pages(visits))
    phone.offline()
    first = phone.page
    phone.open(checklist(visits[0]))
    phone.answer(three_answers()[0])
    first.wait_for_function(
        "() => Object.keys(localStorage).some((key) => key.startsWith('survey-draft:'))")
    second = Phone(phone.context, phone.server)
    second.open(checklist(visits[0]))  # the draft comes back in the other tab, with its id
    expect(second.page.locator(".draft-notice")).to_be_visible()
    assert second.response_id() == phone.response_id()
    second.send_offline()
    phone.send_offline()
    assert phone.outbox_count() == 1 and len(phone.outbox("items", None)) == 1
    phone.online()
    phone.wait_for_count(0)
    [response] = stored(db)
    assert str(response.id) == phone.outbox("receipts", None)[0]["id"]
    assert response.visit_id == visits[0].id


def one_checklist_waiting(phone, inspector, visits) -> dict:
    """Signed in, pages kept, no signal: the first visit's checklist sent and waiting in the
    outbox (the item returned)."""
    phone.sign_in(inspector.username)
    phone.wait_until_kept(visit_pages(visits))
    phone.offline()
    phone.open(checklist(visits[0]))
    phone.answer(three_answers()[0])
    phone.send_offline()
    [item] = phone.outbox("items", inspector.id)
    return item


def test_the_connection_back_while_a_try_is_failing_sends_right_after_it(
        phone, inspector, visits, db, app, monkeypatch):
    """The signal returns while a try made on a weak one is still failing (the tab is busy):
    the answers go as soon as that try ends, not at the next retry, up to a minute later."""
    one_checklist_waiting(phone, inspector, visits)
    phone.wait_for_count(1)

    token = app.view_functions["offline.token"]
    slow = threading.Event()

    @functools.wraps(token)  # its access rule too
    def weak_signal():  # the first try hangs on the weak signal, then fails
        if not slow.is_set():
            slow.set()
            time.sleep(1.5)
            return {"error": "busy"}, 503
        return token()

    monkeypatch.setitem(app.view_functions, "offline.token", weak_signal)
    phone.online()
    assert slow.wait(5)  # the first try is on its way
    phone.page.evaluate("() => window.dispatchEvent(new Event('online'))")  # the signal is back
    phone.wait_for_count(0, timeout=4)  # long before the next retry (5 s after the failure)
    [response] = stored(db)
    assert response.visit_id == visits[0].id
    assert phone.errors == []


def test_a_tab_that_waited_for_another_tab_sending_shows_what_is_left(
        phone, inspector, visits, db):
    """One tab sends at a time (a Web Lock); the other, which found the outbox busy, counts
    again once that tab is done rather than showing "1" for an answer that has left."""
    item = one_checklist_waiting(phone, inspector, visits)
    other = Phone(phone.context, phone.server)
    other.open("/outbox")
    other.wait_for_count(1)
    # the other tab is sending (it holds the lock) when this one tries
    other.page.evaluate("""() => { navigator.locks.request('survey-outbox',
        () => new Promise((done) => { window.doneSending = done; })); }""")
    other.page.wait_for_function("() => typeof window.doneSending === 'function'")
    phone.send_now()
    phone.page.wait_for_timeout(300)
    assert phone.outbox_count() == 1
    other.outbox("remove", item["id"])  # what the other tab's send does on the server's ack
    other.page.evaluate("() => window.doneSending()")
    phone.wait_for_count(0, timeout=5)
    assert phone.errors == [] and other.errors == []


def test_a_visit_whose_checklist_waits_opens_as_waiting_not_as_a_second_form(
        phone, inspector, visits, db):
    """A kept page opens with a new response id each time: opened again, the visit's
    checklist would become a second one, which the server refuses (one per visit). So the
    page says the checklist waits on the phone, until the server has it."""
    phone.sign_in(inspector.username)
    phone.wait_until_kept(visit_pages(visits))
    phone.offline()
    phone.open_checklist_from_my_visits(visits[0].id)
    phone.answer(three_answers()[0])
    phone.send_offline()
    [item] = phone.outbox("items", inspector.id)

    phone.open_checklist_from_my_visits(visits[1].id)  # another visit: a form, as usual
    expect(phone.page.locator("#send-kept")).to_have_count(0)
    phone.open("/visits")
    phone.page.locator(f'.visit-list a[href="/visits/{visits[0].id}"]').click()
    phone.page.get_by_role("link", name="Mở phiếu kiểm tra").click()
    phone.page.wait_for_url(phone.url(checklist(visits[0])))
    assert phone.shows_kept()
    expect(phone.page.locator("#send-kept").get_by_role(
        "link", name="Xem phiếu chờ gửi")).to_be_visible()
    phone.page.set_viewport_size(PHONE)  # 360 px
    assert layout_problems(phone.page, PHONE["width"]) == []
    assert phone.outbox("items", inspector.id) == [item]

    phone.online()
    phone.wait_for_count(0)
    [response] = stored(db)
    assert (str(response.id), response.visit_id) == (item["id"], visits[0].id)
    assert phone.outbox("items", None) == []  # nothing refused left behind
    phone.open(checklist(visits[0]))  # from the server now: the checklist as it was sent
    expect(phone.page.locator("form.survey")).to_have_count(0)
    assert phone.errors == []


REFUSAL_FORM = """\
key: offline_check
title: {vi: Phiếu kiểm tra nhanh, en: Quick check}
audience: inspection
layout: single
sections:
  - key: s_main
    title: {vi: Phần chính, en: Main}
    questions:
      - {key: visit_date, type: date, required: true, label: {vi: Ngày kiểm tra, en: Date}}
      - {key: note, type: long_text, label: {vi: Nhận xét, en: Comment}}
"""
# The form changed while the answers waited: a new required question.
CHANGED_FORM = REFUSAL_FORM + """\
      - key: members
        type: integer
        required: true
        label: {vi: Số đoàn viên, en: Members}
"""


def load_form(db, text: str) -> None:
    from survey_app.registry.services import sync_definition
    from survey_app.surveys.loader import load_definition

    sync_definition(db.session, load_definition(text), text)
    db.session.commit()


def test_saving_a_draft_to_the_server_offline_says_so_and_keeps_the_page(
        phone, inspector, visits, db):
    """"Lưu nháp" posts to the server: with no signal the page stays, says why, and keeps
    the answers (never the browser's error page); sending the checklist still queues it."""
    phone.sign_in(inspector.username)
    phone.wait_until_kept(visit_pages(visits))
    phone.offline()
    phone.open_checklist_from_my_visits(visits[0].id)
    phone.answer(three_answers()[0])
    page = phone.page
    page.get_by_role("button", name="Lưu nháp").first.click()
    expect(page.locator("#send-failure")).to_have_text(
        "Không có mạng: bản nháp vẫn được giữ trên điện thoại này. Hãy lưu lên máy chủ khi có "
        "mạng; còn gửi phiếu thì không cần mạng.")
    assert page.url == phone.url(checklist(visits[0]))
    assert page.input_value("[name=a11_uu_diem]") == three_answers()[0]["a11_uu_diem"]
    phone.send_offline()
    assert phone.outbox_count() == 1
    phone.online()
    phone.wait_for_count(0)
    [response] = stored(db)
    assert response.visit_id == visits[0].id and response.submitted_at is not None
    assert phone.errors == []


def test_answers_the_server_refuses_stay_marked_and_are_corrected_and_sent(
        phone, inspector, db):
    load_form(db, REFUSAL_FORM)
    path = "/surveys/offline_check/fill"
    phone.sign_in(inspector.username)
    phone.wait_until_kept(["/outbox", path])
    phone.offline()
    phone.open(path)
    phone.answer({"visit_date": "2017-09-12", "note": "Ghi nhận tại đơn vị"})
    phone.send_offline()
    [item] = phone.outbox("items", inspector.id)

    load_form(db, CHANGED_FORM)  # on the server, meanwhile
    phone.online()
    status = phone.page.locator("[data-outbox-status]")
    expect(status).to_contain_text("1 phiếu bị máy chủ từ chối")
    assert phone.outbox_count() == 1  # never silently dropped
    [refused] = phone.outbox("items", inspector.id)
    assert refused["state"] == "refused" and refused["body"] == item["body"]
    assert refused["errors"] == {"members": "Câu hỏi này bắt buộc trả lời."}
    assert stored(db) == []

    status.get_by_role("link", name="Xem phiếu chờ gửi").click()
    card = phone.page.locator(".outbox-item")
    expect(card).to_contain_text("Bị máy chủ từ chối")
    expect(card).to_contain_text("1 câu trả lời cần xem lại.")
    expect(card).to_contain_text("Câu hỏi này bắt buộc trả lời.")
    card.get_by_role("button", name="Mở ra để sửa").click()

    phone.page.wait_for_url(phone.url(path))
    expect(phone.page.locator("#f-members-err")).to_have_text("Câu hỏi này bắt buộc trả lời.")
    assert phone.page.input_value("#f-note") == "Ghi nhận tại đơn vị"
    assert phone.response_id() == item["id"]
    phone.page.fill("#f-members", "120")
    phone.send()
    phone.page.wait_for_url(re.compile(rf"/responses/{item['id']}$"))
    [response] = stored(db)
    assert str(response.id) == item["id"]
    assert answers_of(db, item["id"])["note"] == "Ghi nhận tại đơn vị"
    phone.wait_for_count(0)
    assert phone.outbox("receipts", inspector.id)[0]["id"] == item["id"]


def test_other_pages_offline_show_the_friendly_offline_page(phone, inspector):
    phone.sign_in(inspector.username)
    phone.wait_until_kept(KEPT)
    phone.offline()
    response = phone.page.goto(phone.url("/campaigns"))  # a page not kept on the phone
    assert response.status == 200
    expect(phone.page.get_by_role("heading", name="Không có mạng")).to_be_visible()
    assert phone.banner_shown()
    assert phone.page.url == phone.url("/campaigns")
    phone.online()
    phone.page.get_by_role("link", name="Thử lại").click()
    expect(phone.page.get_by_role("heading", name="Đợt tổng kết", exact=True)).to_be_visible()


def set_persistence(phone, setting: str) -> None:
    """What the browser decides for persistent storage (an installed app: granted)."""
    cdp = phone.context.new_cdp_session(phone.page)
    context_id = cdp.send("Target.getTargetInfo")["targetInfo"]["browserContextId"]
    cdp.send("Browser.setPermission", {
        "permission": {"name": "persistent-storage"}, "setting": setting,
        "origin": phone.server, "browserContextId": context_id})


def test_storage_is_asked_to_persist_after_sign_in_and_the_phone_is_told(phone, inspector):
    asked = []
    phone.page.expose_function("persistAsked", lambda: asked.append(True))
    phone.page.add_init_script("""(() => {
        const persist = navigator.storage.persist.bind(navigator.storage);
        navigator.storage.persist = () => { window.persistAsked?.(); return persist(); };
    })()""")
    phone.open("/login")
    assert asked == []  # nobody signed in: nothing asked
    phone.sign_in(inspector.username)
    phone.wait_until_kept(KEPT)
    assert asked == [True]  # asked once, after signing in
    set_persistence(phone, "denied")  # a browser that may clear the site's data
    for path in ("/outbox", "/"):
        phone.open(path)
        warning = phone.page.locator("[data-storage-no]")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text("Trình duyệt có thể tự xoá")
        expect(warning).to_contain_text("màn hình chính")
        expect(phone.page.locator("[data-storage-yes]")).to_be_hidden()
    assert asked == [True]  # not asked again on every page

    set_persistence(phone, "granted")
    phone.page.evaluate("() => navigator.storage.persist()")
    phone.open("/outbox")
    kept = phone.page.locator("[data-storage-yes]")
    expect(kept).to_be_visible()
    expect(kept).to_contain_text("giữ lâu dài")
    expect(phone.page.locator("[data-storage-no]")).to_be_hidden()
    phone.open("/")
    expect(phone.page.locator("[data-storage]")).to_be_hidden()  # nothing to warn about


def test_offline_pages_fit_a_phone(phone, inspector):
    phone.sign_in(inspector.username)
    phone.wait_until_kept(KEPT)
    phone.offline()
    phone.open(FILL)
    phone.answer(three_answers()[0])
    phone.send_offline()
    for width in (phone.page.viewport_size["width"], PHONE["width"]):  # a Pixel 5, 360 px
        phone.page.set_viewport_size({**PHONE, "width": width})
        for path in ("/", "/outbox", "/campaigns", FILL):
            phone.open(path)
            assert not has_horizontal_scroll(phone.page), (width, path)
            assert layout_problems(phone.page, width) == [], (width, path)


def test_a_poll_link_on_a_staff_phone_is_never_kept(phone, inspector, poll_link):
    """The anonymous poll is answered straight from the server, even on a phone with the
    staff app: never kept, and offline it gets the offline page, not a stale copy."""
    phone.sign_in(inspector.username)
    phone.wait_until_kept(KEPT)
    phone.open(f"/p/{poll_link.token}")
    expect(phone.page.locator("form.poll")).to_be_visible()
    assert not any(p.startswith("/p/") for p in phone.kept_pages())
    phone.offline()
    phone.page.reload()
    expect(phone.page.get_by_role("heading", name="Không có mạng")).to_be_visible()
    assert not phone.page.locator("form.poll").count()
