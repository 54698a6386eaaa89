"""A worker's phone: scan the poster's QR code, answer in a light page, once per device."""

import io
import re

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from survey_app.polls import services
from survey_app.registry.services import sync_definition
from survey_app.surveys.loader import load_definition
from tests.browser.conftest import has_horizontal_scroll
from tests.conftest import PROJECT_SURVEYS

BUDGET = 30 * 1024
FIRST_FLIGHT = 14 * 1024


def make_link(db, live_server, app):
    text = (PROJECT_SURVEYS / "worker_poll_2017.yaml").read_text(encoding="utf-8")
    sync_definition(db.session, load_definition(text, expected_key="worker_poll_2017"), text)
    db.session.commit()
    link = services.create_link(db.session, "worker_poll_2017", "MAU-CDCS-TPKT01")
    db.session.commit()
    return link


def test_poster_qr_leads_to_a_light_poll_answered_once(page, context, live_server, app, db,
                                                       kontum):
    link = make_link(db, live_server, app)
    original = app.config["BASE_URL"]
    app.config["BASE_URL"] = live_server
    try:
        png = services.qr_png(services.poll_url(live_server, link))
    finally:
        app.config["BASE_URL"] = original
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)),
                                    formats=zxingcpp.BarcodeFormat.QRCode)
    url = code.text
    assert url == f"{live_server}/p/{link.token}"

    transferred: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"],
                                                                   e["response"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: transferred.__setitem__(
        e["requestId"], e["encodedDataLength"]))
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(url, wait_until="networkidle")
    total = sum(transferred.values())
    html = [size for rid, size in transferred.items() if urls.get(rid) == url]
    assert total <= BUDGET, sorted((v, urls.get(k)) for k, v in transferred.items())
    assert html and html[0] <= FIRST_FLIGHT
    assert errors == []
    assert not has_horizontal_scroll(page)

    # answer a few questions and send, with JavaScript on
    page.locator("form.poll input[type=radio]").first.check()
    page.get_by_role("button", name="Gửi").click()
    page.wait_for_url(re.compile(r"/thanks$"))
    expect(page.get_by_text("Xin cảm ơn!")).to_be_visible()

    # the same phone is told it already answered (cookie), even after the cookie is gone
    page.goto(url)
    expect(page.get_by_text("Anh/Chị đã trả lời").first).to_be_visible()
    context.clear_cookies()
    page.goto(url)
    expect(page.get_by_text("đã trả lời phiếu này trên điện thoại này")).to_be_visible()
    assert not page.locator("form.poll").is_visible()


def test_poll_works_with_javascript_off(browser, live_server, app, db, kontum):
    link = make_link(db, live_server, app)
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}/p/{link.token}")
    page.locator("form.poll input[type=radio]").first.check()
    page.get_by_role("button", name="Gửi").click()
    page.wait_for_url(re.compile(r"/thanks$"))
    expect(page.get_by_text("Xin cảm ơn!")).to_be_visible()
    context.close()


def test_printed_posters_carry_scannable_codes_one_per_page(page, live_server, app, db, kontum,
                                                             make_user):
    from tests.browser.test_phone_layout import sign_in

    first = make_link(db, live_server, app)
    second = services.create_link(db.session, "worker_poll_2017", "KT-DAKHA")
    db.session.commit()
    sign_in(page, live_server, make_user("office"))
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.goto(f"{live_server}/admin/polls/posters?id={first.id}&id={second.id}")
    page.emulate_media(media="print")
    page.wait_for_load_state("networkidle")
    assert page.locator(".toolbar").is_hidden()
    expected = {services.poll_url(app.config["BASE_URL"], link) for link in (first, second)}
    found = set()
    for poster in page.locator(".poster").all():
        image = Image.open(io.BytesIO(poster.screenshot()))
        codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        found |= {c.text for c in codes}
        qr = poster.locator("img.qr").bounding_box()
        assert qr["width"] >= 5 / 2.54 * 96  # at least 5 cm at print resolution
        assert poster.get_by_text(next(u for u in expected if u.endswith(
            poster.locator(".short").inner_text().rsplit("/", 1)[1]))).is_visible()
    assert found == expected
    breaks = page.evaluate("""() => [...document.querySelectorAll('.poster')]
        .map(p => getComputedStyle(p).breakAfter)""")
    assert breaks[0] == "page"


SCALE_FACTS = """() => {
  const scales = [...document.querySelectorAll('.q-rating .choices, .matrix-row .choices')];
  const broken = [];
  for (const label of document.querySelectorAll(
      '.q-rating .choice span, .matrix-row .choice span')) {
    const node = label.firstChild, text = node.textContent, range = document.createRange();
    let lastTop = null;
    for (let i = 0; i < text.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      if (lastTop !== null && rect.top > lastTop + 2 && text[i - 1] !== ' ' && text[i] !== ' ')
        broken.push(text);
      lastTop = rect.top;
    }
  }
  const choices = [...document.querySelectorAll('.q-rating .choice, .matrix-row .choice')];
  return {
    count: scales.length,
    styles: [...new Set(scales.map(s => s.className + ' ' + getComputedStyle(s).flexDirection
                                         + ' ' + getComputedStyle(s).display))],
    broken,
    short: choices.filter(c => c.getBoundingClientRect().height < 44).length,
    smallest_font: Math.min(...choices.map(c => parseFloat(getComputedStyle(c).fontSize))),
    overflowing: choices.filter(c => c.scrollWidth > c.clientWidth + 1).length,
  };
}"""


def test_the_poll_draws_every_scale_one_way_and_keeps_its_words_whole(browser, live_server,
                                                                      app, db, kontum):
    """Issue 9, item 8: one scale style per poll; at 320 px scale labels stay readable."""
    link = make_link(db, live_server, app)
    for width in (320, 360, 480, 640):
        for lang in ("vi", "en"):
            context = browser.new_context(viewport={"width": width, "height": 740},
                                          is_mobile=True, has_touch=True)
            context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
            page = context.new_page()
            page.goto(f"{live_server}/p/{link.token}")
            facts = page.evaluate(SCALE_FACTS)
            where = (width, lang, facts)
            assert facts["count"] == 4, where  # three matrix rows and the overall rating
            assert len(facts["styles"]) == 1, where
            assert facts["broken"] == [], where
            assert facts["short"] == 0 and facts["overflowing"] == 0, where
            assert facts["smallest_font"] >= 13, where
            assert not has_horizontal_scroll(page), where
            context.close()
