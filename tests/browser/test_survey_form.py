"""Survey forms in a phone's Chromium: skip logic, live checks, pages, repeat rows, drafts
and indicators (static/js/survey-form.js), and the same rules on the server without JS."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, has_horizontal_scroll, small_tap_targets
from tests.conftest import PASSWORD

# Every question type; `layout: pages` (four sections, the second shown only with a union).
FORM = """\
key: form_test
title: {vi: Phiếu thử mọi loại câu hỏi, en: Every question type}
audience: inspection
layout: pages
choice_lists:
  agree5:
    - {value: "1", label: {vi: Hoàn toàn không đồng ý, en: Strongly disagree}}
    - {value: "2", label: {vi: Không đồng ý, en: Disagree}}
    - {value: "3", label: {vi: Bình thường, en: Neutral}}
    - {value: "4", label: {vi: Đồng ý, en: Agree}}
    - {value: "5", label: {vi: Hoàn toàn đồng ý, en: Strongly agree}}
sections:
  - key: s_basic
    title: {vi: Thông tin chung, en: General}
    area: "1.1"
    questions:
      - key: visit_date
        type: date
        required: true
        label: {vi: Ngày kiểm tra, en: Visit date}
        constraint: ". <= today()"
      - key: has_union
        type: yes_no
        required: true
        label: {vi: "Đơn vị đã có công đoàn cơ sở?", en: "Is there a union?"}
      - key: union_name
        type: text
        required: true
        relevant: "${has_union} = 'yes'"
        label: {vi: Tên công đoàn cơ sở, en: Union name}
      - key: workers
        type: integer
        min: 0
        label: {vi: Số người lao động, en: Workers}
        constraint: ". >= 1"
        constraint_message: {vi: Phải có ít nhất một người lao động., en: At least one worker.}
  - key: s_opinion
    title: {vi: Ý kiến, en: Opinions}
    relevant: "${has_union} = 'yes'"
    questions:
      - key: docs
        type: multiple_choice
        label: {vi: Hồ sơ đã xem, en: Documents}
        choices:
          - {value: ke_hoach, label: {vi: Kế hoạch, en: Plan}}
          - {value: khac, label: {vi: Khác, en: Other}}
      - key: docs_other
        type: text
        relevant: "selected(${docs}, 'khac')"
        label: {vi: Hồ sơ khác, en: Other documents}
      - key: score
        type: rating
        label: {vi: Mức độ hài lòng, en: Satisfaction}
        min_label: {vi: Rất kém, en: Very poor}
        max_label: {vi: Rất tốt, en: Very good}
      - key: m
        type: matrix
        choices: agree5
        label: {vi: Đánh giá các mặt, en: Rate each}
        rows:
          - {key: m_pay, label: {vi: Tiền lương, en: Pay}}
          - {key: m_safety, label: {vi: An toàn lao động, en: Safety}}
      - key: why_pay
        type: long_text
        relevant: "${m_pay} != '' and ${m_pay} <= 2"
        label: {vi: "Vì sao chưa hài lòng về tiền lương?", en: "Why not satisfied with pay?"}
      - key: note1
        type: note
        label: {vi: Phần tiếp theo hỏi về số liệu., en: Next come figures.}
  - key: s_figures
    title: {vi: Số liệu, en: Figures}
    area: "1.3"
    questions:
      - key: members
        type: indicator
        unit: {vi: đoàn viên, en: members}
        baseline_label: {vi: Năm 2008, en: "2008"}
        current_label: {vi: Năm 2017, en: "2017"}
        label: {vi: Số đoàn viên, en: Members}
        min: 0
      - key: branches
        type: repeat
        max_rows: 3
        label: {vi: Các công đoàn bộ phận, en: Branches}
        questions:
          - {key: branch_name, type: text, required: true, label: {vi: Tên bộ phận, en: Name}}
          - {key: branch_size, type: integer, min: 0, label: {vi: Số đoàn viên, en: Members}}
          - key: branch_women
            type: integer
            relevant: "${branch_size} > 0"
            constraint: ". <= ${branch_size}"
            label: {vi: Số nữ, en: Women}
  - key: s_end
    title: {vi: Kết luận, en: Conclusion}
    questions:
      - {key: comment, type: long_text, max_length: 200, label: {vi: Nhận xét chung, en: Comment}}
"""
SINGLE = FORM.replace("key: form_test", "key: form_single").replace(
    "layout: pages", "layout: single"
)
CONSTRAINT_MESSAGE = "Phải có ít nhất một người lao động."


@pytest.fixture
def surveys(db, tmp_path):
    """The test survey in both layouts, loaded from files as the catalogue loads them."""
    from survey_app.registry.services import sync_definition
    from survey_app.surveys.loader import load_definition

    for name, text in (("form_test.yaml", FORM), ("form_single.yaml", SINGLE)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        source = path.read_text(encoding="utf-8")
        sync_definition(db.session, load_definition(source), source)
    db.session.commit()


@pytest.fixture
def signed_in(page, live_server, make_user, surveys):
    """An admin signed in on the phone; console errors (CSP violations too) collected."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.user = make_user("admin")
    sign_in(page, live_server, page.user)
    page.console_errors = errors
    return page


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server}/")


def choose(page, question: str, label: str) -> None:
    page.locator(f"#f-{question}-q label.choice", has_text=label).first.click()


def progress(page) -> tuple[int, int]:
    n, total = re.findall(r"\d+", page.locator(".progress-text").inner_text())
    return int(n), int(total)


def test_skip_logic_live_and_hidden_required_question_does_not_block(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server}/surveys/form_single/preview")
    assert not page.locator(".progress").is_visible()  # layout: single, one page
    union_name = page.locator("#f-union_name-q")
    opinions = page.locator("section[data-section=s_opinion]")
    assert not union_name.is_visible() and not opinions.is_visible()

    choose(page, "has_union", "Có")
    assert union_name.is_visible() and opinions.is_visible()
    page.fill("#f-union_name", "typed, then hidden")
    choose(page, "docs", "Khác")
    expect(page.locator("#f-docs_other-q")).to_be_visible()  # selected() on a multiple choice
    choose(page, "m_pay", "Không đồng ý")  # a matrix row answer shows a follow-up
    expect(page.locator("#f-why_pay-q")).to_be_visible()

    choose(page, "has_union", "Không")
    assert not union_name.is_visible() and not opinions.is_visible()
    assert page.locator("#f-union_name").is_disabled()  # not posted

    page.fill("#f-visit_date", "2017-09-12")
    page.fill("#f-branches-0-branch_name", "Tổ 1")
    with page.expect_request("**/preview") as sent:
        page.get_by_role("button", name="Kiểm tra câu trả lời").click()
    expect(page.locator(".flash-success")).to_be_visible()  # the server accepted it
    assert "union_name" not in sent.value.post_data  # the hidden answer was not sent
    assert page.console_errors == []


def test_constraint_live_and_on_the_server_without_javascript(signed_in, live_server, browser):
    page = signed_in
    page.goto(f"{live_server}/surveys/form_single/preview")
    page.fill("#f-workers", "0")
    page.locator("#f-workers").blur()
    error = page.locator("#f-workers-err")
    assert error.inner_text() == CONSTRAINT_MESSAGE
    assert page.get_attribute("#f-workers", "aria-invalid") == "true"
    assert "f-workers-err" in page.get_attribute("#f-workers", "aria-describedby")
    page.fill("#f-workers", "12")  # fixing it clears the message while typing
    assert error.count() == 0
    assert page.get_attribute("#f-workers", "aria-invalid") is None

    # on sending: a summary, and the cursor in the first question with a problem
    page.fill("#f-workers", "1,5")
    page.get_by_role("button", name="Kiểm tra câu trả lời").click()
    expect(page.locator("#form-errors")).to_be_visible()
    # date, union, workers; not the branch name: an empty repeat row is dropped, not checked
    assert page.locator("#form-errors li").count() == 3
    assert page.evaluate("document.activeElement.name") == "visit_date"
    expect(page.locator("#f-workers-err")).to_be_visible()
    assert page.console_errors == []

    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="vi-VN")
    plain = context.new_page()
    sign_in(plain, live_server, page.user)
    plain.goto(f"{live_server}/surveys/form_single/preview")
    plain.fill("#f-workers", "0")
    plain.get_by_role("button", name="Kiểm tra câu trả lời").click()
    assert plain.locator("#f-workers-err").inner_text() == CONSTRAINT_MESSAGE
    expect(plain.locator("#form-errors")).to_be_visible()
    context.close()


def test_pages_with_progress_bar_skip_hidden_sections(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server}/surveys/form_test/preview")
    sections = page.locator("section[data-section]:visible")
    next_button, back = page.locator(".page-next"), page.locator(".page-prev")
    submit = page.locator(".form-actions .submit")
    assert progress(page) == (1, 3)  # the opinions section waits for a union
    assert sections.count() == 1 and not back.is_visible() and not submit.is_visible()

    next_button.click()  # Next checks the page first
    assert progress(page) == (1, 3)
    assert page.evaluate("document.activeElement.name") == "visit_date"
    expect(page.locator("#f-has_union-err")).to_be_visible()

    page.fill("#f-visit_date", "2017-09-12")
    choose(page, "has_union", "Có")
    page.fill("#f-union_name", "CĐCS Công ty A")
    assert progress(page) == (1, 4)
    assert page.locator(".progress-bar span.done").count() == 1
    next_button.click()
    assert progress(page) == (2, 4)
    assert sections.first.get_attribute("data-section") == "s_opinion"
    assert back.is_visible()

    back.click()
    choose(page, "has_union", "Không")
    next_button.click()
    assert progress(page) == (2, 3)
    assert sections.first.get_attribute("data-section") == "s_figures"
    page.fill("#f-branches-0-branch_name", "Tổ 1")
    page.locator("#f-branches-0-branch_name").press("Enter")  # Enter means Next, not send
    assert progress(page) == (3, 3)
    assert submit.is_visible() and not next_button.is_visible()
    assert page.locator(".progress-bar span.done").count() == 3
    assert not has_horizontal_scroll(page)
    assert page.console_errors == []


def test_paged_form_never_shows_every_section_at_once(signed_in, live_server, browser):
    page = signed_in
    # The sections shown once the page is parsed, before the survey-form.js module runs
    # (modules run after "interactive", before DOMContentLoaded).
    page.add_init_script("""
        document.addEventListener('readystatechange', () => {
          if (document.readyState !== 'interactive') return;
          window.firstSeen = [...document.querySelectorAll('section[data-section]')]
            .filter((s) => !s.hidden).map((s) => s.dataset.section);
        });
    """)
    page.goto(f"{live_server}/surveys/form_test/preview")
    assert page.evaluate("window.firstSeen") == ["s_basic"]
    assert page.locator("form.survey[data-paged]").count() == 1
    assert page.locator("section[data-section]:visible").count() == 1
    assert page.console_errors == []

    # survey-form.js does not load: after a few seconds every section shows again. (No
    # service worker here: it would serve the script from the phone, past the route.)
    broken = browser.new_context(viewport=PHONE, locale="vi-VN", service_workers="block")
    lost = broken.new_page()
    sign_in(lost, live_server, page.user)
    lost.route("**/js/survey-form.js", lambda route: route.abort())
    lost.goto(f"{live_server}/surveys/form_test/preview")
    assert lost.locator("section[data-section]:visible").count() == 1
    expect(lost.locator("section[data-section]:visible")).to_have_count(4, timeout=8000)
    broken.close()

    # Without JavaScript: the whole form, as before.
    plain_context = browser.new_context(java_script_enabled=False, viewport=PHONE,
                                        locale="vi-VN")
    plain = plain_context.new_page()
    sign_in(plain, live_server, page.user)
    plain.goto(f"{live_server}/surveys/form_test/preview")
    assert plain.locator("section[data-section]:visible").count() == 4
    plain_context.close()


def test_repeat_rows_are_added_and_removed_in_the_page(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server}/surveys/form_single/preview")
    add = page.locator(".add-row")
    rows = page.locator(".repeat-row")
    assert add.get_attribute("type") == "button"  # no round trip to the server
    assert not rows.first.locator(".remove-row").is_visible()  # keep at least one row

    page.fill("#f-branches-0-branch_name", "A")
    add.click()
    assert page.evaluate("document.activeElement.name") == "branches.1.branch_name"
    page.keyboard.type("B")
    add.click()
    page.fill("#f-branches-2-branch_name", "C")
    page.fill("#f-branches-2-branch_size", "4")
    page.fill("#f-branches-2-branch_women", "5")  # sibling in the same row: too many
    page.locator("#f-branches-2-branch_women").blur()
    expect(page.locator("#f-branches-2-branch_women-err")).to_be_visible()
    assert not add.is_visible()  # max_rows: 3
    assert not page.locator("#f-branches-1-branch_women-q").is_visible()  # row 2 has no size

    rows.nth(1).locator(".remove-row").click()
    assert rows.count() == 2 and add.is_visible()
    names = page.eval_on_selector_all(".repeat-row input", "els => els.map(e => e.name)")
    assert names == [f"branches.{i}.{k}" for i in (0, 1)
                     for k in ("branch_name", "branch_size", "branch_women")]
    assert page.input_value("#f-branches-1-branch_name") == "C"
    expect(page.locator("#f-branches-1-branch_women-err")).to_be_visible()  # renumbered with it
    page.fill("#f-branches-1-branch_women", "3")

    page.fill("#f-visit_date", "2017-09-12")
    choose(page, "has_union", "Không")
    page.get_by_role("button", name="Kiểm tra câu trả lời").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert page.input_value("#f-branches-1-branch_name") == "C"
    assert page.console_errors == []


def test_draft_comes_back_after_a_reload(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server}/surveys/form_test/fill")
    key = page.get_attribute("form.survey", "data-draft-key")
    assert key
    response_id = page.input_value("input[name=_response_id]")
    page.fill("#f-visit_date", "2017-09-12")
    choose(page, "has_union", "Có")
    page.fill("#f-union_name", "CĐCS Công ty A")
    page.locator(".page-next").click()
    page.wait_for_function(
        "k => (localStorage.getItem('survey-draft:' + k) || '').includes('s_opinion')", arg=key
    )

    page.reload()
    expect(page.locator(".draft-notice")).to_be_visible()
    assert page.input_value("#f-union_name") == "CĐCS Công ty A"
    assert page.input_value("input[name=_response_id]") == response_id  # same submission
    assert progress(page) == (2, 4)  # back on the page it was on

    page.locator(".draft-notice button").click()  # start again
    assert page.input_value("#f-union_name") == ""
    assert not page.locator(".draft-notice").is_visible()
    assert progress(page) == (1, 3)
    page.reload()
    assert page.locator(".draft-notice").count() == 0
    assert page.console_errors == []


def test_indicator_change_updates_live_like_the_server(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server}/surveys/form_single/preview")
    change = page.locator("p.change[data-change-for=members]")
    assert change.inner_text() == ""
    page.fill("#f-members-baseline", "120")
    page.fill("#f-members", "138,5")
    live = change.inner_text()
    assert "+18,5" in live and "+15,42%" in live  # Vietnamese: decimal comma

    # the server's own text for the same numbers (the page, posted without running JS)
    page.fill("#f-visit_date", "2017-09-12")
    choose(page, "has_union", "Không")
    server = page.evaluate("""async () => {
        const form = document.querySelector('form.survey');
        const sent = await fetch(location.href, {method: 'POST', body: new FormData(form)});
        const html = await sent.text();
        return new DOMParser().parseFromString(html, 'text/html')
            .querySelector('p.change[data-change-for=members]').textContent.trim();
    }""")
    assert live == server
    page.fill("#f-members", "")
    assert change.inner_text() == ""
    assert page.console_errors == []


def test_every_page_fits_a_phone(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server}/surveys/form_test/preview")
    page.fill("#f-visit_date", "2017-09-12")
    choose(page, "has_union", "Có")
    page.fill("#f-union_name", "A")
    for _ in range(4):
        assert not has_horizontal_scroll(page)
        # a radio or checkbox is tapped through its whole row (label.choice, checked below)
        small = [t for t in small_tap_targets(page)
                 if not re.match(r'<input type="(radio|checkbox)"', t)]
        assert small == []
        heights = page.eval_on_selector_all(
            "label.choice", "els => els.filter(e => e.offsetParent).map(e => e.offsetHeight)")
        assert all(h >= 44 for h in heights)
        if page.locator(".page-next").is_visible():
            page.locator(".page-next").click()
    assert progress(page) == (4, 4)
    assert page.console_errors == []
