"""Searching as Vietnamese is typed on a phone, in Chromium: the unit tree's live filter
finds "Đắk Hà" from "dak ha" (issue 9, item 6)."""

from tests.browser.test_phone_layout import sign_in


def test_tree_filter_matches_without_accents(page, live_server, make_user):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, make_user("admin"))
    page.goto(f"{live_server}/admin/units")
    page.get_by_placeholder("Tìm theo tên hoặc mã").fill("dak ha")
    assert page.get_by_text("LĐLĐ huyện Đắk Hà").is_visible()
    assert page.get_by_text("CĐCS Công ty Cà phê Đắk Hà (mẫu)").is_visible()
    assert not page.get_by_text("LĐLĐ huyện Sa Thầy").is_visible()
    # the edit links ("Sửa") and kind badges are not searched: only names and codes
    page.get_by_placeholder("Tìm theo tên hoặc mã").fill("sua")
    assert not page.get_by_text("LĐLĐ huyện Đắk Hà").is_visible()
    page.get_by_placeholder("Tìm theo tên hoặc mã").fill("kt-sathay")
    assert page.get_by_text("LĐLĐ huyện Sa Thầy").is_visible()
    assert not page.get_by_text("LĐLĐ huyện Đắk Hà").is_visible()
    assert errors == []

