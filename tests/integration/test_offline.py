"""The installable app and what a phone keeps for working offline (issue 12), server side:
the manifest and its icons, the service worker served from the root, the pages each person
keeps, and the token the outbox sends its stored answers with.

The browser side (the service worker, the outbox, sending) is tested in Chromium by
tests/browser/test_working_offline.py and, for the outbox's logic, by tests/js/outbox.test.mjs.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import date
from urllib.parse import urlencode

import pytest
from PIL import Image

from survey_app.fieldwork import services as fieldwork
from survey_app.models import Response
from survey_app.offline import services
from survey_app.offline.views import _served
from tests.conftest import csrf_token
from tests.integration.test_form_json import poll
from tests.integration.test_responses import GOOD, count

__all__ = ["poll"]  # a fixture used here

FILL = "/surveys/sample_check/fill"



def shell_of(script: str) -> list[str]:
    """The SHELL list the worker builds: other URLs, then the static files under /static/."""
    found = re.search(
        r"^const SHELL = (\[.*?\])\.concat\((\[.*?\])\.map\(\(p\) => '(/static/)' \+ p\)\);$",
        script, re.M)
    others, static, prefix = json.loads(found.group(1)), json.loads(found.group(2)), found.group(3)
    return others + [prefix + name for name in static]

def test_the_manifest_makes_an_installable_vietnamese_app(client, db):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["name"] == "Khảo sát tổng kết Công đoàn Kon Tum"
    assert manifest["short_name"] == "Tổng kết CĐ" and len(manifest["short_name"]) <= 12
    assert manifest["lang"] == "vi"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/", "/",
                                                                               "standalone")
    assert manifest["theme_color"] == "#b3261e"
    seen = set()
    for icon in manifest["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.mimetype == "image/png", icon["src"]
        image = Image.open(io.BytesIO(png.data))
        assert f"{image.width}x{image.height}" == icon["sizes"]
        corner = image.convert("RGBA").getpixel((1, 1))
        if icon["purpose"] == "maskable":  # the phone crops it: the colour fills the square
            assert corner == (0xB3, 0x26, 0x1E, 255)
        else:  # the rounded square of icon.svg
            assert corner[3] == 0
        seen.add((icon["sizes"], icon["purpose"]))
    assert seen == {(s, p) for s in ("192x192", "512x512") for p in ("any", "maskable")}


def test_every_staff_page_links_the_manifest_and_loads_the_offline_script(client, login_as):
    login_as("inspector")
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<script type="module" src="/static/js/offline.js"></script>' in html
    user_id = re.search(r'data-outbox data-user="(\d+)"', html)
    assert user_id, "the outbox bar knows whose answers to count"
    assert 'data-outbox-count="0"' in html and "Gửi ngay" in html
    assert "Đang ngoại tuyến" in html  # the banner, shown by offline.js when offline


def test_the_poll_page_loads_none_of_it(client, poll):
    """A worker's phone answering a poll gets no worker, no outbox and no manifest."""
    assert "offline.js" in client.get("/login").get_data(as_text=True)  # a staff page
    html = client.get(f"/p/{poll.token}").get_data(as_text=True)
    assert "form" in html and "poll" in html
    for part in ("offline.js", "outbox", "manifest", "sw.js", "data-outbox"):
        assert part not in html, part


def test_the_service_worker_is_served_from_the_root_and_always_revalidated(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    script = response.get_data(as_text=True)
    release = services.release_of(script)
    assert re.fullmatch(r"[0-9a-f]{16}", release)
    shell = shell_of(script)
    for url in ("/static/js/offline.js", "/static/js/outbox.js", "/static/js/send.js",
                "/static/js/survey-form.js", "/static/js/staff-form.js", "/static/css/app.css",
                "/static/icons/icon-192.png", "/favicon.ico"):
        assert url in shell
    assert "/static/js/sw.js" not in shell and not any(u.startswith("/p/") for u in shell)
    for url in shell:
        assert client.get(url).status_code == 200, url
    # unchanged: the browser's check costs a 304
    again = client.get("/sw.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_any_changed_file_makes_a_new_release(tmp_path):
    static = tmp_path / "static"
    for name, text in (("js/sw.js", "// worker"), ("js/a.js", "a"), ("css/app.css", "b"),
                       ("icons/i.svg", "<svg/>")):
        (static / name).parent.mkdir(parents=True, exist_ok=True)
        (static / name).write_text(text)
    template = tmp_path / "offline.html"
    template.write_text("<p>offline</p>")

    def release() -> str:
        return services.release_of(services.service_worker_script(static, ["/x"], [template]))

    first = release()
    assert release() == first
    (static / "css/app.css").write_text("b { color: red }")
    second = release()
    assert second != first
    template.write_text("<p>offline!</p>")
    assert release() not in (first, second)
    assert services.service_worker_script(static, ["/x"], [template]).endswith("// worker")


def test_the_offline_page_is_the_same_for_everyone(client, login_as):
    anonymous = client.get("/offline")
    assert anonymous.status_code == 200
    html = anonymous.get_data(as_text=True)
    assert "Không có mạng" in html and 'href="/outbox"' in html and 'href=""' in html
    assert "data-user=" not in html
    # the worker fetches it without cookies: nothing of whoever was signed in
    user = login_as("inspector")
    client.get("/")
    client.delete_cookie("session")
    assert user.username not in client.get("/offline").get_data(as_text=True)


def test_the_outbox_page_is_for_signed_in_people(client, login_as):
    assert client.get("/outbox").status_code == 302
    login_as("reporter")
    html = client.get("/outbox").get_data(as_text=True)
    assert "Phiếu trên điện thoại" in html
    assert 'id="outbox-item"' in html and 'id="outbox-receipt"' in html
    assert "/static/js/outbox-page.js" in html
    assert 'data-storage="always"' in html


def test_a_stored_body_sent_with_a_fresh_token_in_a_header_is_stored_once(
        client, login_as, sample_survey, db):
    """The outbox's way: the answers as the page kept them (no token in them), hours later,
    with the token of the session at hand in X-CSRFToken."""
    user = login_as("inspector")
    response_id = str(uuid.uuid4())
    body = urlencode({"_response_id": response_id, **GOOD})
    session = client.get("/offline/token")
    assert session.status_code == 200 and session.headers["Cache-Control"] == "no-store"
    assert session.json["user"] == user.id
    headers = {"Accept": "application/json", "X-CSRFToken": session.json["csrf_token"],
               "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
               "X-Outbox": "1"}
    for attempt in range(3):  # sent, then the outbox replayed twice
        answer = client.post(FILL, data=body, headers=headers)
        assert answer.status_code == (201 if attempt == 0 else 200)
        assert answer.json["id"] == response_id
    assert count(db, Response) == 1
    # sent in the background: no "thank you" piles up for the next page the person opens
    assert "đã được lưu" not in client.get("/outbox").get_data(as_text=True)
    # without a token the same body is refused, and so is an old one
    assert client.post(FILL, data=body, headers={"Accept": "application/json"}).status_code == 400
    assert client.post(FILL, data=body, headers={**headers, "X-CSRFToken": "old"}).status_code \
        == 400


def test_the_token_is_only_for_a_session(client, db):
    response = client.get("/offline/token")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ----------------------------------------------------------------------- offline pages


@pytest.fixture
def plan(db, nq20, make_user):
    """Two inspectors on one team with three visits; another team with one visit."""
    leader = make_user("inspector", username="truong-doan")
    member = make_user("inspector", username="thanh-vien")
    other = make_user("inspector", username="doan-khac")
    fieldwork.create_team(db.session, nq20, "Đoàn 1", leader.username, [member.username])
    fieldwork.create_team(db.session, nq20, "Đoàn 2", other.username)
    ours = [fieldwork.add_visit(db.session, nq20, code, "Đoàn 1", date(2017, 9, day))
            for code, day in (("KT-TPKT", 11), ("KT-DAKHA", 12), ("MAU-NGANH-GD", 13))]
    theirs = fieldwork.add_visit(db.session, nq20, "KT-DAKTO", "Đoàn 2", date(2017, 9, 14))
    db.session.commit()
    return {"leader": leader, "member": member, "other": other, "ours": ours,
            "theirs": theirs, "campaign": nq20}


def test_an_inspector_keeps_their_visits_checklists_and_forms(db, plan):
    member = plan["member"]
    pages = services.offline_pages(db.session, member)
    visits = [page for v in plan["ours"] for page in (f"/visits/{v.id}",
                                                      f"/visits/{v.id}/checklist")]
    assert pages == ["/", "/outbox", "/visits", *visits, "/surveys/inspection_2017/fill"]
    assert services.offline_pages(db.session, plan["leader"]) == pages
    theirs = plan["theirs"].id
    assert f"/visits/{theirs}" not in pages and f"/visits/{theirs}/checklist" not in pages
    assert services.offline_pages(db.session, plan["other"])[3:5] == [
        f"/visits/{theirs}", f"/visits/{theirs}/checklist"]
    # a campaign closed (its file removed) takes its visits off the phones
    plan["campaign"].is_active = False
    db.session.flush()
    assert services.offline_pages(db.session, member) == [
        "/", "/outbox", "/visits", "/surveys/inspection_2017/fill"]


def test_a_reporter_keeps_the_unit_report_where_the_unit_owes_one(db, nq20, make_user):
    district = make_user("reporter", unit_code="KT-DAKHA")
    assert services.offline_pages(db.session, district) == [
        "/", "/outbox", "/campaigns/nq20_2017/report", "/surveys/unit_report_2017/fill"]
    province_top = make_user("reporter", unit_code="VGCL")  # the national level owes none here
    assert "/campaigns/nq20_2017/report" not in services.offline_pages(db.session, province_top)


def test_readers_keep_only_the_home_page_and_the_outbox(db, nq20, make_user):
    for role in ("reviewer", "organization"):
        assert services.offline_pages(db.session, make_user(role)) == ["/", "/outbox"]
    office = services.offline_pages(db.session, make_user("office"))
    assert office == ["/", "/outbox", "/surveys/inspection_2017/fill",
                      "/surveys/unit_report_2017/fill"]


def test_the_worker_is_given_only_pages_this_app_serves_and_each_opens(client, login, db,
                                                                      plan):
    login(plan["member"])
    listed = client.get("/offline/pages")
    assert listed.status_code == 200
    pages = listed.json["pages"]
    with client.application.test_request_context():
        expected = [p for p in services.offline_pages(db.session, plan["member"]) if _served(p)]
    assert pages == expected
    assert {"/", "/outbox", "/surveys/inspection_2017/fill"} <= set(pages)
    for page in pages:  # the visits pages too, once issue 11's views are merged
        response = client.get(page)
        assert response.status_code == 200, page
        assert response.mimetype == "text/html"


STATIC_REF = re.compile(r'(?:src|href)="(/static/[^"?#]+)')
JS_IMPORT = re.compile(r"""(?:\bfrom|\bimport\(?)\s*['"]\./([\w.-]+\.js)['"]""")


def loaded_files(client, page: str) -> set[str]:
    """The static files ``page`` loads: its links and scripts, and what those scripts import
    (statically or when needed), all the way down."""
    found = set(STATIC_REF.findall(client.get(page).get_data(as_text=True)))
    scripts = [url for url in found if url.endswith(".js")]
    while scripts:
        source = client.get(scripts.pop()).get_data(as_text=True)
        for name in JS_IMPORT.findall(source):
            url = f"/static/js/{name}"
            if url not in found:
                found.add(url)
                scripts.append(url)
    return found


def test_everything_a_kept_page_loads_is_kept_with_it(client, login, db, nq20, plan,
                                                       make_user):
    """A page kept on the phone opens offline whole: its styles, scripts and icons are in
    the worker's list (the files only online pages load are left out of it)."""
    shell = set(shell_of(client.get("/sw.js").get_data(as_text=True)))
    reporter = make_user("reporter", unit_code="KT-DAKHA")
    for person in (plan["member"], reporter):
        login(person)
        for page in client.get("/offline/pages").json["pages"]:
            missing = loaded_files(client, page) - shell
            assert not missing, (page, sorted(missing))
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        client.delete_cookie("session")
    assert "/static/js/staff-form.js" in shell and "/static/css/reports.css" in shell
    assert "/static/css/review.css" not in shell and "/static/js/poll.js" not in shell


def test_served_tells_pages_from_unknown_addresses(app):
    with app.test_request_context():
        assert _served("/surveys/inspection_2017/fill")
        assert _served("/outbox")
        assert not _served("/no/such/page")
        assert not _served("/healthz/")  # a redirect elsewhere is not the page itself
