"""The installable app (issue 12): its manifest, its service worker, the offline page, the
outbox page, and the two small JSON answers the phone's scripts ask for."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException

from survey_app.access import access
from survey_app.config import PROJECT_ROOT
from survey_app.extensions import db
from survey_app.offline import bp, services

#: Templates of the pages the worker keeps with its files: a change to them is a new release.
KEPT_TEMPLATES = (
    PROJECT_ROOT / "templates" / "base.html",
    PROJECT_ROOT / "templates" / "offline" / "offline.html",
)


def _revalidated(response):
    """Always asked again (a 304 when unchanged): an update never waits on a stale copy."""
    response.cache_control.no_cache = True
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/manifest.webmanifest")
@access(public=True)
def manifest():
    body = current_app.json.dumps(
        services.manifest(lambda name: url_for("static", filename=name))
    )
    response = current_app.response_class(body, mimetype="application/manifest+json")
    return _revalidated(response)


@bp.get("/sw.js")
@access(public=True)
def service_worker():
    """static/js/sw.js from the root, so that its scope is the whole app."""
    static = Path(current_app.static_folder)
    urls = [url_for("static", filename=p.as_posix()) for p in services.shell_files(static)]
    urls.append(url_for("main.favicon"))
    script = services.service_worker_script(static, urls, list(KEPT_TEMPLATES))
    response = current_app.response_class(script, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return _revalidated(response)


@bp.get("/offline")
@access(public=True)
def offline_page():
    """Shown by the service worker for a page that is not kept on the phone."""
    return render_template("offline/offline.html")


@bp.get("/outbox")
@access(login=True)
def outbox():
    """What waits on this phone and what reached the server (filled in by outbox-page.js
    from the phone's own storage)."""
    return render_template("offline/outbox.html")


def _served(path: str) -> bool:
    """Whether this app has a page at ``path`` (the visits and report pages of issue 11
    are listed by the services before their views are merged)."""
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:  # NotFound, MethodNotAllowed, a RequestRedirect to another path
        return False
    return True


@bp.get("/offline/pages")
@access(login=True)
def pages():
    """The pages the service worker keeps for the person signed in."""
    listed = services.offline_pages(db.session, current_user)
    return {"pages": [path for path in listed if _served(path)]}


@bp.get("/offline/token")
@access(login=True)
def token():
    """A fresh form token for sending the outbox, and whose session this is: the outbox
    sends only that person's answers, their stored bodies unchanged."""
    return {"csrf_token": generate_csrf(), "user": current_user.id}


@bp.app_template_global()
def outbox_messages() -> dict[str, str]:
    """What offline.js says about the outbox, translated ({n}: a number)."""
    return {
        "sending": _("Sending…"),
        "sent": _("Sent: %(n)s.", n="{n}"),
        "network": _(
            "No connection yet: the answers stay on this phone and are sent by themselves "
            "when there is one."
        ),
        "session": _("Your session has ended: sign in again to send what waits on this phone."),
        "signIn": _("Sign in again"),
        "refused": _("%(n)s refused by the server: open them to correct them.", n="{n}"),
        "later": _("The server did not take them yet: they will be sent again shortly."),
        "outbox": _("See what waits on this phone"),
    }
