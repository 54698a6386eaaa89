"""Browser tests: Debian's Chromium driven by Playwright, a phone viewport, a live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import chromium_path

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 360, "height": 740}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("REQUIRE_BROWSER is set but Chromium is not installed")
        pytest.skip(
            "Chromium is not installed: browser tests skipped "
            "(apt-get install chromium, or set REQUIRE_BROWSER=1 to fail instead)"
        )
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "vi-VN",
    }


def has_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


def small_tap_targets(page) -> list[str]:
    """Visible links, buttons and inputs smaller than 44 px in height."""
    return page.evaluate("""() => [...document.querySelectorAll(
        'a, button, input:not([type=hidden]), select, summary')]
        .filter(el => el.offsetParent !== null && !el.closest('.skip'))
        .filter(el => el.getBoundingClientRect().height < 44)
        .map(el => el.outerHTML.slice(0, 80))""")


LAYOUT_CHECK = (Path(__file__).with_name("layout_check.js")).read_text(encoding="utf-8")


def layout_problems(page, width: int) -> list[str]:
    """Words broken across lines, anything wider than ``width``, controls under 44 px
    (see layout_check.js). Opens every <details> and every page of a paged form first, so
    that what they hold is measured too."""
    page.evaluate("""() => {
        for (const d of document.querySelectorAll("details")) d.open = true;
        for (const s of document.querySelectorAll("[data-section][hidden]")) s.hidden = false;
    }""")
    return page.evaluate(LAYOUT_CHECK, width)
