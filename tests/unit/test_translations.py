"""The Vietnamese catalogue is complete, current and keeps every placeholder."""

import functools
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "survey_app" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@functools.cache
def extract() -> dict:
    """Run the same extraction as `make messages`."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "extract",
                "-F",
                "babel.cfg",
                "-k",
                "_l",
                "-k",
                "lazy_gettext",
                "-k",
                "lazy_ngettext:1,2",
                "--no-location",
                "--sort-output",
                "--omit-header",
                "-o",
                str(pot),
                ".",
            ],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        return {m.id: m for m in load(pot) if m.id}


def load(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def test_messages_pot_is_up_to_date():
    extracted = set(extract())
    stored = {m.id for m in load(TRANSLATIONS / "messages.pot") if m.id}
    assert extracted - stored == set(), "run `make messages` and translate vi.po"
    assert stored - extracted == set(), "run `make messages`: the catalogue has stale entries"


def test_vietnamese_catalogue_is_complete_and_not_fuzzy():
    catalog = load(TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po")
    wanted = set(extract())
    have = {}
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {message.id!r}"
        have[message.id] = strings
    missing = [m for m in wanted if m not in have]
    assert missing == [], f"not in vi.po: {missing}"


def test_translations_keep_placeholders():
    catalog = load(TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po")
    for message in catalog:
        if not message.id:
            continue
        source = message.id[-1] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == set(PLACEHOLDER.findall(source)), source


def test_catalogue_keeps_its_header_so_that_it_compiles():
    """Without its header (Language, Plural-Forms) pybabel marks the catalogue fuzzy and
    `make translations` skips it: the app would silently fall back to English."""
    catalog = load(TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po")
    assert not catalog.fuzzy
    assert str(catalog.locale) == "vi"
    assert catalog.num_plurals == 1
