"""Each role's home page offers its own work, and nothing a role reaches from it is refused."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from survey_app.models import Role
from survey_app.registry.services import sync_surveys
from tests.conftest import PROJECT_SURVEYS
from tests.factories import add_responses

FILL_INSPECTION = "/surveys/inspection_2017/fill"
FILL_REPORT = "/surveys/unit_report_2017/fill"
READ = {"/surveys/inspection_2017/responses", "/surveys/unit_report_2017/responses",
        "/admin/polls/results/worker_poll_2017"}
UNITS, USERS, SURVEYS, POLL_LINKS = "/admin/units", "/admin/users", "/admin/surveys", "/admin/polls"
MY_VISITS = "/visits"  # an inspector's own visits (issue 11), with or without a campaign

TILES: dict[str, set[str]] = {
    "admin": {FILL_INSPECTION, FILL_REPORT, *READ, SURVEYS, POLL_LINKS, UNITS, USERS},
    "office": {FILL_INSPECTION, FILL_REPORT, *READ, SURVEYS, POLL_LINKS, UNITS},
    "reviewer": {*READ, UNITS},
    "organization": {*READ, UNITS},
    "inspector": {FILL_INSPECTION, MY_VISITS},
    "reporter": {FILL_REPORT},
}


class Links(HTMLParser):
    """The ``href`` of every link on a page, and of those with class ``tile``."""

    def __init__(self):
        super().__init__()
        self.all: list[str] = []
        self.tiles: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.all.append(attrs["href"])
            if "tile" in (attrs.get("class") or "").split():
                self.tiles.append(attrs["href"])


def links_of(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


@pytest.fixture
def shipped_surveys(db):
    sync_surveys(db.session, PROJECT_SURVEYS)
    db.session.commit()


def test_every_role_is_covered():
    assert set(TILES) == {r.value for r in Role}


@pytest.mark.parametrize("role", list(TILES))
def test_home_page_offers_each_role_exactly_its_own_work(client, login_as, shipped_surveys,
                                                         role):
    login_as(role)
    response = client.get("/")
    assert response.status_code == 200
    tiles = links_of(response.get_data(as_text=True)).tiles
    assert sorted(tiles) == sorted(TILES[role])  # each once, nothing more


@pytest.mark.parametrize("role", list(TILES))
def test_nothing_reached_from_the_home_page_is_refused(client, login_as, shipped_surveys, role):
    """Every link on the home page, and every link on the pages those lead to, answers 200."""
    login_as(role)
    seen: dict[str, str] = {}
    frontier = [("/", "start")]
    for _depth in range(2):
        found = []
        for path, came_from in frontier:
            response = client.get(path)
            assert response.status_code == 200, (role, path, came_from, response.status_code)
            seen[path] = came_from
            if response.mimetype != "text/html":
                continue
            for href in links_of(response.get_data(as_text=True)).all:
                parts = urlsplit(href)
                if parts.netloc or href.startswith("#") or parts.path.startswith("/static/"):
                    continue
                if href not in seen and href not in (p for p, _ in found):
                    found.append((href, path))
        frontier = found
    for path, came_from in frontier:  # the last level: reached, not followed further
        assert client.get(path).status_code == 200, (role, path, came_from)


def test_a_survey_whose_file_was_removed_stays_for_readers_while_it_has_responses(
        client, login_as, db, shipped_surveys, sample_survey):
    sample_survey.is_active = False
    db.session.commit()
    login_as("reviewer")
    tiles = links_of(client.get("/").get_data(as_text=True)).tiles
    assert "/surveys/sample_check/responses" not in tiles

    add_responses(db, sample_survey, "KT-DAKHA", 1)
    tiles = links_of(client.get("/").get_data(as_text=True)).tiles
    assert "/surveys/sample_check/responses" in tiles
    login_as("office")
    tiles = links_of(client.get("/").get_data(as_text=True)).tiles
    assert "/surveys/sample_check/fill" not in tiles  # nothing new is collected


def test_tiles_count_responses_and_titles_follow_the_language(client, login_as, db,
                                                              shipped_surveys, sample_survey):
    add_responses(db, sample_survey, "KT-DAKHA", 1250)
    login_as("organization")
    page = client.get("/").get_data(as_text=True)
    assert "Phiếu thử" in page and "1.250 phiếu đã gửi" in page
    client.set_cookie("lang", "en")
    page = client.get("/").get_data(as_text=True)
    assert "Sample form" in page and "1,250 responses, by unit" in page


def test_home_page_runs_a_fixed_number_of_queries(client, login_as, db, shipped_surveys,
                                                  sample_survey, count_queries):
    login_as("admin")
    client.get("/")  # definitions are parsed once per version and kept
    with count_queries() as few:
        assert client.get("/").status_code == 200
    add_responses(db, sample_survey, "KT-DAKHA", 30)
    with count_queries() as many:
        assert client.get("/").status_code == 200
    # the user, the surveys, their response counts, the active campaigns (plans, reports)
    assert many.count == few.count <= 4, many.statements
