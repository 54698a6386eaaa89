"""Search the way Vietnamese is typed on phones: without diacritics, d for đ.

One rule, also in static/js/search.js; tests/vectors/search.json holds cases both run.
``fold`` lower-cases, decomposes (NFD) and drops every combining mark, writes đ (and ð,
which old Vietnamese encodings produced for Đ) as d, and collapses white space: "Đắk Hà"
and "dak ha" both fold to "dak ha". A query matches a text when each of its words is
found in the folded text ("cdcs may" finds "CĐCS Công ty TNHH May mặc Kon Tum").

Pure Python: the models keep a folded ``search_text`` column up to date with it, so that
SQL can filter with LIKE on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
import unicodedata

_D = str.maketrans({"đ": "d", "ð": "d"})
#: Python's white space (str.isspace) and the byte order mark: the same set as JavaScript's
#: \s with \x1c-\x1f and \x85 added in search.js.
_SPACES = re.compile(r"[\s\ufeff]+")


def fold(text: str) -> str:
    """``text`` as it is compared: lower case, no diacritics, d for đ, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    bare = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return _SPACES.sub(" ", bare.translate(_D)).strip(" ")


def query_words(query: str) -> list[str]:
    """The folded words of a query; each must be found for a match."""
    return fold(query).split()


def matches(query: str, folded_text: str) -> bool:
    """Whether every word of ``query`` occurs in ``folded_text`` (already folded)."""
    return all(word in folded_text for word in query_words(query))


def search_text(*parts: str | None, limit: int) -> str:
    """The folded text stored for searching, from ``parts`` (names, codes), cut to ``limit``."""
    return fold(" ".join(p for p in parts if p))[:limit]
