"""Home page, health check, the site icon and the language switch."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from survey_app import LOCALE_COOKIE, LOCALES
from survey_app.access import access
from survey_app.extensions import db
from survey_app.formpages import current_locale
from survey_app.main import bp
from survey_app.main.services import home_tiles
from survey_app.models.base import utcnow

log = logging.getLogger(__name__)


@bp.get("/")
@access(login=True)
def index():
    groups = home_tiles(db.session, current_user, locale=current_locale())
    return render_template("main/index.html", user=current_user, groups=groups)


@bp.get("/healthz")
@access(public=True)
def healthz():
    """200 only when the database takes a committed write: answering reads is not enough
    (a read-only or deleted SQLite file still answers SELECT 1)."""
    try:
        current_app.extensions["heartbeat"].check(
            db.engine, now=utcnow(), reuse_seconds=current_app.config["HEALTHZ_REUSE_SECONDS"]
        )
    except SQLAlchemyError:
        log.warning("Health check: the database does not take writes", exc_info=True)
        return {"status": "unavailable", "database": "down"}, 503
    return {"status": "ok", "database": "up"}


@bp.get("/favicon.ico")
@access(public=True)
def favicon():
    """Browsers ask for /favicon.ico on their own, whatever the page links."""
    return send_from_directory(
        current_app.static_folder,
        "icons/favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=7 * 24 * 3600,
    )


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths are followed after a form, never another host."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.post("/language")
@access(public=True)
def set_language():
    lang = request.form.get("lang", "vi")
    response = redirect(safe_next(request.form.get("next"), url_for("auth.login")))
    if lang in LOCALES:
        response.set_cookie(
            LOCALE_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure,
        )
    return response
