"""Long lists a page at a time: the page asked for, read safely, and the links to the others."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

PER_PAGE = 25
_DIGITS = re.compile(r"[0-9]{1,7}")


def page_number(raw: str | None) -> int:
    """A page number from a query string: anything but a positive whole number is page 1."""
    text = (raw or "").strip()
    if not _DIGITS.fullmatch(text):
        return 1
    return int(text) if 0 < int(text) < 10**6 else 1


def last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return last_page(self.total, self.per_page)

    @property
    def first_index(self) -> int:
        """1-based position of the first item shown (0 for an empty list)."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def links(self, around: int = 1) -> list[int | None]:
        """Page numbers to link: the first, the last and ``around`` either side of this one;
        ``None`` where numbers are left out (shown as "…")."""
        keep = sorted(
            n for n in {1, self.pages, *range(self.number - around, self.number + around + 1)}
            if 1 <= n <= self.pages
        )
        out: list[int | None] = []
        previous = 0
        for n in keep:
            if n - previous == 2 and previous:
                out.append(n - 1)  # one page left out: its number is as short as "…"
            elif n - previous > 2 and previous:
                out.append(None)
            out.append(n)
            previous = n
        return out
