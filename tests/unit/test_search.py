"""Search folding: the shared vectors (tests/vectors/search.json, also run by
tests/js/search.test.mjs against static/js/search.js) and the stored search text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from survey_app.search import fold, matches, query_words, search_text

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "search.json").read_text(encoding="utf-8")
)


def test_the_vector_file_has_enough_cases():
    assert len(VECTORS["fold"]) >= 50 and len(VECTORS["match"]) >= 40
    assert any(v["match"] for v in VECTORS["match"])
    assert not all(v["match"] for v in VECTORS["match"])


@pytest.mark.parametrize("vector", VECTORS["fold"], ids=lambda v: repr(v["text"]))
def test_fold(vector):
    assert fold(vector["text"]) == vector["folded"]


@pytest.mark.parametrize(
    "vector", VECTORS["match"], ids=lambda v: f"{v['query']!r} in {v['text']!r}"
)
def test_match(vector):
    assert matches(vector["query"], fold(vector["text"])) is vector["match"]


def test_dak_ha_finds_dak_ha_as_typed_on_a_phone():
    assert matches("dak ha", fold("LĐLĐ huyện Đắk Hà"))
    assert query_words(" Đắk  hà ") == ["dak", "ha"]


def test_search_text_joins_the_parts_and_fits_its_column():
    assert search_text("LĐLĐ huyện Đắk Hà", "KT-DAKHA", limit=255) == "ldld huyen dak ha kt-dakha"
    assert search_text("Nguyễn Văn Đức", None, "", limit=300) == "nguyen van duc"
    assert len(search_text("Đ" * 400, limit=255)) == 255
