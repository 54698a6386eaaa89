"""What a phone keeps to work with no signal (issue 12): the app's own files, and the pages of
each person's work, which the service worker (static/js/sw.js) fetches and keeps.

The page addresses are interfaces fixed by the campaigns issue (11): "/visits",
"/visits/<id>", "/visits/<id>/checklist", "/campaigns/<key>/report". The lists are built
here from the services that own the work, never from a request.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.access import Perm, has_perm, may_respond
from survey_app.campaigns.services import config_of, list_campaigns
from survey_app.fieldwork.services import visits_of
from survey_app.models.surveys import Survey
from survey_app.models.users import Role, User
from survey_app.reports import services as reports
from survey_app.surveys.model import Audience

HOME = "/"
OUTBOX = "/outbox"
VISITS = "/visits"

#: The app's own files a phone keeps (under the static folder), and the service worker.
SHELL_FOLDERS = ("css", "js", "icons")
STATIC = "/static/"
SERVICE_WORKER = Path("js") / "sw.js"
#: Not kept: the worker itself, what only the anonymous poll page loads (never kept), and
#: what only pages used online load (the review, posters, the roster and the accounts): no
#: page kept on the phone (offline_pages) uses them.
NOT_SHELL = frozenset({SERVICE_WORKER, *(Path(p) for p in (
    "js/poll.js", "css/poll.css", "css/poster.css", "css/review.css", "js/print.js",
    "js/search.js", "js/unit-picker.js", "js/unit-tree.js"))})


def fill_pages(session: Session, user: User) -> list[str]:
    """The catalog's fill forms of the active staff surveys ``user`` fills in."""
    surveys = session.scalars(
        select(Survey)
        .where(
            Survey.is_active.is_(True),
            Survey.current_version_id.is_not(None),
            Survey.audience != Audience.WORKER_POLL.value,
        )
        .order_by(Survey.key)
    )
    return [f"/surveys/{s.key}/fill" for s in surveys if may_respond(user, s.audience)]


def visit_pages(session: Session, user: User) -> list[str]:
    """An inspector's "Lịch kiểm tra của tôi", and each of their visits with its checklist:
    the list links to a visit's page, which opens its checklist, so offline the inspector
    goes the same way as with a signal."""
    if not has_perm(user, Perm.VISITS_CONDUCT):
        return []
    return [VISITS, *(page for visit in visits_of(session, user)
                      for page in (f"/visits/{visit.id}", f"/visits/{visit.id}/checklist"))]


def report_pages(session: Session, user: User) -> list[str]:
    """A unit reporter's own report (the one they file) in each active campaign where the
    unit owes one, as the reports service says."""
    if user.role != Role.REPORTER.value or user.unit_id is None:
        return []
    unit, access = reports.unit_for(session, user, None)
    if access != reports.Access.FILE:
        return []
    today = date.today()
    return [
        f"/campaigns/{campaign.key}/report"
        for campaign in list_campaigns(session)
        if reports.deadline_of(config_of(campaign), unit, today).owes
    ]


def offline_pages(session: Session, user: User) -> list[str]:
    """Every page ``user`` may need with no signal, each once: the home page, the outbox,
    their visits and checklists, their unit's reports and the forms they fill in."""
    pages = [
        HOME,
        OUTBOX,
        *visit_pages(session, user),
        *report_pages(session, user),
        *fill_pages(session, user),
    ]
    return list(dict.fromkeys(pages))


def shell_files(static_folder: Path) -> list[Path]:
    """The files of the app shell, relative to the static folder, in a stable order."""
    files = (
        path.relative_to(static_folder)
        for folder in SHELL_FOLDERS
        for path in (static_folder / folder).rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )
    return sorted(path for path in files if path not in NOT_SHELL)


def service_worker_script(static_folder: Path, shell_urls: list[str], extra: list[Path]) -> str:
    """static/js/sw.js, preceded by its release and the list of files to keep.

    The release is a hash of every shell file, the worker and ``extra`` (templates of pages
    it keeps): any change makes a new worker, which the browser installs (keeping the new
    files) before the old one lets go. Computed again only when a file's time or size
    changes.
    """
    files = [static_folder / p for p in (*shell_files(static_folder), SERVICE_WORKER)]
    files += list(extra)
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return _script(static_folder / SERVICE_WORKER, stamp, tuple(shell_urls))


@functools.lru_cache(maxsize=4)
def _script(worker: Path, stamp: tuple, shell_urls: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name, *_ in stamp:
        digest.update(name.encode())
        digest.update(Path(name).read_bytes())
    digest.update(json.dumps(shell_urls).encode())
    release = digest.hexdigest()[:16]
    # the static files' common prefix written once: the list grows with the app, the
    # worker the phone fetches should not (bench/offline_size.py)
    static = [url.removeprefix(STATIC) for url in shell_urls if url.startswith(STATIC)]
    others = [url for url in shell_urls if not url.startswith(STATIC)]
    head = (f"const RELEASE = {json.dumps(release)};\nconst SHELL = {json.dumps(others)}"
            f".concat({json.dumps(static)}.map((p) => '{STATIC}' + p));\n")
    return head + worker.read_text(encoding="utf-8")


def release_of(script: str) -> str:
    """The release a service worker script carries (its first line)."""
    return json.loads(script.split("\n", 1)[0].removeprefix("const RELEASE = ").rstrip(";"))


def manifest(icon_url, *, start_url: str = HOME) -> dict:
    """The web app manifest: the app installed on a phone's home screen, in Vietnamese
    (the province's language whatever the person's choice in the app)."""
    icons = [
        {"src": icon_url(f"icons/icon{kind}-{size}.png"), "sizes": f"{size}x{size}",
         "type": "image/png", "purpose": purpose}
        for kind, purpose in (("", "any"), ("-maskable", "maskable"))
        for size in (192, 512)
    ]
    return {
        "id": start_url,
        "name": "Khảo sát tổng kết Công đoàn Kon Tum",
        "short_name": "Tổng kết CĐ",
        "description": "Phiếu kiểm tra, báo cáo đơn vị và phiếu ý kiến của LĐLĐ tỉnh Kon Tum; "
        "điền được cả khi không có mạng.",
        "lang": "vi",
        "dir": "ltr",
        "start_url": start_url,
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": "#b3261e",
        "background_color": "#f7f4f1",
        "icons": icons,
    }
