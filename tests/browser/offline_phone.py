"""An inspector's phone with no signal (issue 12): a page object over a Chromium context with
the app's service worker, its outbox and the server's raw request bodies.

Used by tests/browser/test_working_offline.py with "Lịch kiểm tra của tôi" (/visits), each
visit's page and checklist (/visits/<id>/checklist), and the catalog's fill form.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import expect

from tests.conftest import PASSWORD

PAGES_CACHE = "pages-1"  # static/js/sw.js: the pages kept for offline work

#: The required answers of surveys/inspection_2017.yaml, and a text that tests the bytes.
INSPECTION_ANSWERS = {
    "visit_date": "2017-09-12",
    "unit_kind": "ldld_huyen",
    "review_status": "da_xong",
    "a11_quan_triet": "no",
    "a11_muc_do": "3",
    "a12_muc_do": "3",
    "a13_thoa_uoc": "yes",
    "a13_muc_do": "2",
    "a14_muc_do": "4",
    "kl_muc_do": "3",
    "a11_uu_diem": "Đã quán triệt Nghị quyết 20-NQ/TW đến 100% tổ công đoàn & \"đoàn viên\" + 1",
}

SET_ANSWERS = """answers => {
  const form = document.querySelector('form.survey');
  for (const [name, value] of Object.entries(answers)) {
    const controls = [...form.querySelectorAll(`[name="${CSS.escape(name)}"]`)];
    if (!controls.length) throw new Error(`no field ${name}`);
    for (const c of controls) {
      if (c.type === 'radio' || c.type === 'checkbox') c.checked = c.value === value;
      else c.value = value;
    }
    controls[0].dispatchEvent(new Event('change', { bubbles: true }));
  }
}"""

#: Whether the page shows ``n`` waiting and the outbox holds that many.
WAITING = """async (n) => {
  const shown = document.querySelector('[data-outbox-count]')?.dataset.outboxCount;
  const { openOutbox } = await import('/static/js/outbox.js');
  return shown === String(n) && (await openOutbox().items(null)).length === n;
}"""

OUTBOX = """async ([method, args]) => {
  const { openOutbox } = await import('/static/js/outbox.js');
  return openOutbox()[method](...args);
}"""


@dataclass
class RecordedPost:
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass
class BodyRecorder:
    """The raw bodies of the form POSTs the server received, before Flask reads them: a
    WSGI middleware the test puts in front of the live app (``monkeypatch.setattr(app,
    "wsgi_app", BodyRecorder(app.wsgi_app))``)."""

    wsgi_app: Callable
    posts: list[RecordedPost] = field(default_factory=list)

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] != "/login":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items()
                       if k.startswith("HTTP_")}
            headers["Content-Type"] = environ.get("CONTENT_TYPE", "")
            self.posts.append(RecordedPost(environ["PATH_INFO"], body, headers))
        return self.wsgi_app(environ, start_response)


def wait_until(page, expression: str, arg=None, timeout: float = 15.0) -> None:
    """Until ``expression`` (a function, which may be async) is truthy in ``page``.

    page.wait_for_function takes a pending promise for a truthy answer: it cannot wait on
    the caches or IndexedDB."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression, arg):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        page.wait_for_timeout(100)


class Phone:
    """One phone: a browser context (its service worker, caches and IndexedDB) and a page."""

    def __init__(self, context, live_server: str):
        self.context = context
        self.server = live_server
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def url(self, path: str) -> str:
        return f"{self.server}{path}"

    # ------------------------------------------------------------------ the app

    def sign_in(self, username: str, next_path: str = "/") -> None:
        page = self.page
        if "/login" not in page.url:
            page.goto(self.url(f"/login?next={next_path}"))
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        # an inspector signed in without an address to go back to lands on their visits
        landings = {self.url(next_path)} | ({self.url("/visits")} if next_path == "/" else set())
        page.wait_for_url(lambda url: url in landings)

    def wait_until_kept(self, paths: list[str], timeout: float = 20.0) -> None:
        """Until the service worker controls the page and has kept ``paths``.

        A page whose navigation left before the first worker was active, and that was not
        yet running when the worker claimed its clients, stays uncontrolled: claim() passes
        over such a page.  The person's next page is controlled; here the page is reloaded
        once the worker is active, which is the same."""
        page = self.page
        wait_until(page, """async () => (await navigator.serviceWorker.getRegistration())
            ?.active?.state === 'activated'""", timeout=timeout)
        if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
            page.reload()
        page.wait_for_function("() => navigator.serviceWorker.controller !== null",
                               timeout=timeout * 1000)
        deadline = time.monotonic() + timeout
        while not set(paths) <= self.kept_pages():
            assert time.monotonic() < deadline, f"not kept: {set(paths) - self.kept_pages()}"
            self.page.wait_for_timeout(200)

    def watch_workers(self) -> list:
        """The states of the app's service workers as the browser reports them (DevTools'
        ServiceWorker domain), from now on: what a failure about an update should show."""
        log: list = []
        cdp = self.context.new_cdp_session(self.page)
        cdp.on("ServiceWorker.workerVersionUpdated", lambda event: log.append(
            [(v["versionId"], v["status"], v["runningStatus"], v.get("controlledClients", []))
             for v in event["versions"]]))
        cdp.send("ServiceWorker.enable")
        return log

    def kept_pages(self) -> set[str]:
        return set(self.page.evaluate("""async (name) => (await (await caches.open(name))
            .keys()).map((r) => new URL(r.url).pathname)""", PAGES_CACHE))

    def offline(self) -> None:
        self.context.set_offline(True)

    def online(self) -> None:
        self.context.set_offline(False)

    def open(self, path: str) -> None:
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == 200, (path, response)

    def open_checklist_from_my_visits(self, visit_id: int) -> None:
        """As an inspector goes: "Lịch kiểm tra của tôi", the visit, "Mở phiếu kiểm tra"."""
        page = self.page
        self.open("/visits")
        expect(page.locator("h1")).to_have_text("Lịch kiểm tra của tôi")
        page.locator(f'.visit-list a[href="/visits/{visit_id}"]').click()
        page.wait_for_url(self.url(f"/visits/{visit_id}"))
        page.get_by_role("link", name="Mở phiếu kiểm tra").click()
        page.wait_for_url(self.url(f"/visits/{visit_id}/checklist"))
        expect(page.locator("form.survey")).to_be_visible()

    def shows_kept(self) -> bool:
        """Whether the page says its answers wait on the phone, in place of the form."""
        kept = self.page.locator("#send-kept")
        expect(kept).to_contain_text("Đã lưu trên điện thoại.")
        return kept.is_visible() and self.page.locator("form.survey").is_hidden()

    def banner_shown(self) -> bool:
        return self.page.locator("[data-offline-banner]").is_visible()

    # ------------------------------------------------------------------ forms

    def answer(self, answers: dict[str, str]) -> None:
        self.page.evaluate(SET_ANSWERS, answers)

    def response_id(self) -> str:
        return self.page.input_value("form.survey input[name=_response_id]")

    def send(self) -> None:
        """Page through a paged form (checking each page, as a person would) and send."""
        page = self.page
        submit = page.locator(".form-actions .submit")
        following = page.locator(".form-actions .page-next")
        for _ in range(20):
            if submit.is_visible():
                break
            following.click()
        submit.click()

    def send_offline(self) -> None:
        """Send with no connection: the page says the answers wait on the phone."""
        self.send()
        kept = self.page.locator("#send-kept")
        expect(kept).to_contain_text("Đã lưu trên điện thoại.")
        expect(kept).to_contain_text("phiếu sẽ tự gửi đi ngay khi có mạng")

    # ------------------------------------------------------------------ the outbox

    def outbox_count(self) -> int:
        """The number in the page's [data-outbox-count], whose text says the same."""
        element = self.page.locator("[data-outbox-count]")
        value = element.get_attribute("data-outbox-count")
        assert element.inner_text() == value or not element.is_visible()
        assert element.text_content() == value
        return int(value)

    def wait_for_count(self, n: int, timeout: float = 15.0) -> None:
        """Until the page shows ``n`` waiting and the outbox holds ``n`` (the page's own
        "0" before offline.js has counted would otherwise pass for an empty outbox)."""
        wait_until(self.page, WAITING, n, timeout)

    def outbox(self, method: str, *args):
        """Call the page's outbox (static/js/outbox.js): items, receipts, put, get…"""
        return self.page.evaluate(OUTBOX, [method, list(args)])

    def replay(self, items: list[dict]) -> None:
        """Put ``items`` back into the outbox, as if they had never been acknowledged."""
        for item in items:
            self.outbox("put", item)
        self.page.evaluate("() => window.dispatchEvent(new Event('outbox'))")  # recount
        self.wait_for_count(len(items))

    def send_now(self) -> None:
        self.page.get_by_role("button", name="Gửi ngay").click()


def three_forms_offline(phone: Phone, form_paths: list[str], answers: list[dict[str, str]],
                        kept: list[str], *, reach: Callable[[str], None] | None = None
                        ) -> list[dict]:
    """The issue's scenario up to the return of the signal: the pages ``kept`` are on the
    phone; the signal goes; each of ``form_paths`` is opened from the phone (by ``reach``,
    else by its address), answered with the matching ``answers`` and sent; the outbox then
    holds one item per form; a reload and a closed tab keep all of it. Returns the outbox's
    items (with their exact bodies).

    With the catalog's form the paths are the same fill page. With the visits they are
    ``/visits/<id>/checklist`` of the inspector's team, each reached from "Lịch kiểm tra của
    tôi": a checklist opened again says it waits on the phone, in place of a second form.
    """
    phone.wait_until_kept(kept)
    phone.offline()
    for path, answer in zip(form_paths, answers, strict=True):
        (reach or phone.open)(path)  # from the phone: no connection
        assert phone.banner_shown(), "the page must say it is offline"
        phone.answer(answer)
        phone.send_offline()
    n = len(form_paths)
    phone.wait_for_count(n)  # the bar is counted again once the item is in IndexedDB
    assert phone.outbox_count() == n
    items = phone.outbox("items", None)
    assert len(items) == n and len({i["id"] for i in items}) == n

    phone.page.reload()  # still offline
    phone.wait_for_count(n)
    for path in {*form_paths, *kept}:
        phone.open(path)  # each kept page still opens
        assert phone.banner_shown()
        if "/visits/" in path and path.endswith("/checklist"):
            assert phone.shows_kept(), path  # its checklist waits: no second one
        elif path in form_paths:
            expect(phone.page.locator("form.survey")).to_be_visible()
    phone.page.close()  # a closed tab, then the app opened again
    phone.page = phone.context.new_page()
    phone.open(kept[0])
    phone.wait_for_count(n)
    assert phone.outbox("items", None) == items
    return items


def stored_bodies(items: list[dict]) -> dict[str, bytes]:
    return {item["id"]: item["body"].encode() for item in items}
