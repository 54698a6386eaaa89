"""On a 360 px phone: sign in, see the Kon Tum tree, no horizontal scroll, big tap targets."""

from playwright.sync_api import expect

from tests.browser.conftest import has_horizontal_scroll, small_tap_targets
from tests.conftest import PASSWORD


def sign_in(page, live_server, user):
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server}/")


def test_sign_in_page_fits_a_phone(page, live_server, db):
    page.goto(f"{live_server}/login")
    assert page.locator("html").get_attribute("lang") == "vi"
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    assert not has_horizontal_scroll(page)
    assert small_tap_targets(page) == []


def test_admin_signs_in_and_browses_the_tree_on_a_phone(page, live_server, make_user):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    user = make_user("admin")
    sign_in(page, live_server, user)
    assert "Xin chào" in page.content()
    assert not has_horizontal_scroll(page)

    page.get_by_role("link", name="Đơn vị").first.click()
    expect(page.get_by_text("Liên đoàn Lao động tỉnh Kon Tum")).to_be_visible()
    expect(page.get_by_text("LĐLĐ huyện Ia H'Drai")).to_be_visible()
    assert not has_horizontal_scroll(page)
    assert small_tap_targets(page) == []

    # collapse the province: its districts disappear; expand again
    province = page.locator("summary", has_text="Liên đoàn Lao động tỉnh Kon Tum")
    province.locator(".unit-name").click()
    assert not page.get_by_text("LĐLĐ huyện Đắk Hà").is_visible()
    province.locator(".unit-name").click()
    expect(page.get_by_text("LĐLĐ huyện Đắk Hà")).to_be_visible()

    # live search narrows the tree as the user types
    page.get_by_placeholder("Tìm theo tên hoặc mã").fill("Đắk Hà")
    expect(page.get_by_text("LĐLĐ huyện Đắk Hà")).to_be_visible()
    assert not page.get_by_text("LĐLĐ huyện Sa Thầy").is_visible()
    assert errors == []  # no CSP violation or script error


def test_search_works_without_javascript(browser, live_server, make_user):
    user = make_user("admin")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    sign_in(page, live_server, user)
    page.goto(f"{live_server}/admin/units?q=sa+th%E1%BA%A7y")
    expect(page.get_by_text("LĐLĐ huyện Sa Thầy")).to_be_visible()
    assert page.get_by_text("LĐLĐ huyện Đắk Hà").count() == 0
    context.close()
