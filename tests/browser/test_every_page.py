"""Every page at 320 and 360 px: no word broken across lines, nothing wider than the
screen, every control a 44 px tap target (issue 9, item 3); and an icon link, with nothing
the page loads answering 4xx or 5xx (item 7).

The pages are the GET routes of ``app.url_map``; tests/browser/sample_pages.py says how to
reach each one. A route it does not know fails ``test_every_get_route_has_a_sample``.
"""

from __future__ import annotations

import pytest
from flask import url_for

from tests.browser.conftest import layout_problems
from tests.browser.sample_pages import ANONYMOUS, NOT_PAGES, PAGES, build_world
from tests.conftest import PASSWORD

WIDTHS = (320, 360)


def get_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def test_every_get_route_has_a_sample(app):
    endpoints = get_endpoints(app)
    missing = sorted(endpoints - PAGES.keys() - NOT_PAGES.keys())
    assert not missing, (
        f"GET routes with no sample URL: {', '.join(missing)}. Add each to PAGES in "
        "tests/browser/sample_pages.py (or to NOT_PAGES with the reason it is no page)."
    )
    stale = sorted((PAGES.keys() | NOT_PAGES.keys()) - endpoints)
    assert not stale, f"sample_pages.py names endpoints that do not exist: {', '.join(stale)}"
    assert not PAGES.keys() & NOT_PAGES.keys()


@pytest.fixture
def world(db, make_user):
    return build_world(db, make_user)


def _visits(app, world) -> list[tuple[str, str | None, str]]:
    """(endpoint, role, path) for every sample, in url_map order."""
    out = []
    with app.test_request_context():
        for endpoint in sorted(get_endpoints(app) & PAGES.keys()):
            for sample in PAGES[endpoint](world):
                out.append((endpoint, sample.role, url_for(endpoint, **sample.values)))
    return out


def _signed_in(browser, live_server, username: str | None, width: int):
    context = browser.new_context(
        viewport={"width": width, "height": 740}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale="vi-VN",
    )
    page = context.new_page()
    broken: list[str] = []  # answers of 400 and more while a page loads (icon, CSS, scripts)
    page.on("response", lambda r: broken.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    if username is not None:
        page.goto(f"{live_server}/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        # the home page, or an inspector's own visits (issue 11)
        page.wait_for_url(lambda url: url in (f"{live_server}/", f"{live_server}/visits"))
    return context, page, broken


def test_every_page_fits_a_phone(browser, live_server, app, world):
    """Each page is loaded once, at the narrowest width, then measured at each width: the
    page re-lays itself out as a phone turned or zoomed would."""
    visits = _visits(app, world)
    assert len(visits) >= len(PAGES)
    failures: list[str] = []
    sessions: dict[str | None, tuple] = {}
    try:
        for endpoint, role, path in visits:
            if role not in sessions:
                username = None if role is ANONYMOUS else world.users[role]
                sessions[role] = _signed_in(browser, live_server, username, WIDTHS[0])
            _context, page, broken = sessions[role]
            broken.clear()
            page.set_viewport_size({"width": WIDTHS[0], "height": 740})
            response = page.goto(f"{live_server}{path}", wait_until="networkidle")
            where = f"{endpoint} {path} as {role or 'anonymous'}"
            if response is None or response.status != 200:
                failures.append(f"{where}: status {response and response.status}")
                continue
            if role is not ANONYMOUS and "/login" in page.url:
                failures.append(f"{where}: sent to the sign-in page")
                continue
            for width in WIDTHS:
                if width != WIDTHS[0]:
                    page.set_viewport_size({"width": width, "height": 740})
                    page.evaluate("() => new Promise((done) => requestAnimationFrame(done))")
                failures += [f"{where} at {width} px: {problem}"
                             for problem in layout_problems(page, width)]
            if not page.locator('link[rel~="icon"]').count():
                failures.append(f"{where}: no <link rel=icon>")
            failures += [f"{where}: {item} while loading" for item in broken]
    finally:
        for context, _page, _broken in sessions.values():
            context.close()
    assert not failures, "\n".join(failures)


CHECK_PAGE = """<!doctype html><meta name="viewport" content="width=device-width">
<style>body { margin: 0; font: 16px sans-serif; } .row { display: flex; }
.squeezed { overflow-wrap: anywhere; } .wide { width: 500px; } .scroll { overflow-x: auto; }
.tall { min-height: 44px; display: block; }</style>
<div class="row"><span>%s</span><a class="button squeezed">Sửa</a></div>
<p id="hyphen" style="width: 3em">20-NQ/TW</p>
<p class="breakable squeezed">%s</p>
<div class="scroll"><div class="wide">in a scroll container</div></div>
<input type="datetime-local" id="when"> <input class="tall" id="ok">
<a href="#" style="position:absolute;left:-999px">skip</a>
"""


def test_layout_check_finds_what_a_person_stumbles_on(page):
    page.set_viewport_size({"width": 320, "height": 600})
    filler = "chữ " * 18
    page.set_content(CHECK_PAGE % (filler, "https://example.org/" + "a" * 80))
    problems = layout_problems(page, 320)
    # "20-" / "NQ/TW": wrapped where the hyphen allows, which is no broken word
    assert page.evaluate("document.getElementById('hyphen').getClientRects()[0].height") > 30
    assert any('word "Sửa" broken over' in p for p in problems), problems
    assert any("input#when is" in p and "44 px" in p for p in problems), problems
    assert not any("20-NQ/TW" in p or "example.org" in p or "#ok" in p for p in problems)
    assert not any("scroll container" in p or "skip" in p for p in problems), problems
    assert not any("wide" in p for p in problems), problems

    page.set_content('<body style="margin:0"><div style="width:400px">too wide</div></body>')
    problems = layout_problems(page, 320)
    assert problems == ["the page is 400 px wide on a 320 px screen",
                        'div "too wide" sticks out of the screen (0..400 px of 320)']
