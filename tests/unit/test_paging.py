"""Page numbers read from a query string and the page links shown under a list."""

import pytest

from survey_app.paging import Page, page_number


@pytest.mark.parametrize(("raw", "number"), [(None, 1), ("", 1), ("3", 3), (" 7 ", 7), ("0", 1),
                                             ("-2", 1), ("2.5", 1), ("abc", 1), ("١٢", 1),
                                             ("9" * 30, 1)])
def test_page_number_is_a_positive_whole_number_or_1(raw, number):
    assert page_number(raw) == number


def page(number, total, per_page=25):
    size = max(0, min(per_page, total - (number - 1) * per_page))
    return Page(items=list(range(size)), number=number, per_page=per_page, total=total)


@pytest.mark.parametrize(("number", "pages", "links"), [
    (1, 1, [1]),
    (1, 2, [1, 2]),
    (1, 5, [1, 2, None, 5]),
    (3, 5, [1, 2, 3, 4, 5]),
    (5, 10, [1, None, 4, 5, 6, None, 10]),
    (4, 10, [1, 2, 3, 4, 5, None, 10]),
    (10, 10, [1, None, 9, 10]),
])
def test_links_keep_both_ends_and_the_neighbours(number, pages, links):
    assert page(number, pages * 25).links() == links


def test_positions_and_neighbours():
    p = page(3, 60)
    assert (p.pages, p.first_index, p.last_index, p.has_previous, p.has_next) == (
        3, 51, 60, True, False)
    empty = page(1, 0)
    assert (empty.pages, empty.first_index, empty.last_index, empty.has_next) == (1, 0, 0, False)
