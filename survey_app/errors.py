"""User errors (translated, shown) and the Vietnamese error pages."""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, generate_csrf
from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class UserError(Exception):
    """Something the user can fix; the message is shown to them, translated."""

    status = 400
    message = _l("This request could not be completed.")

    def __init__(self, message: str | None = None):
        super().__init__(message or str(self.message))
        if message is not None:
            self.message = message


ERROR_TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Please sign in"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("This conflicts with what is already saved"),
    410: _l("This link is no longer available"),
    413: _l("The file is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}

ERROR_HINTS = {
    400: _l("Please go back, check what you entered and try again."),
    401: _l("Sign in to continue."),
    403: _l("If you think you should have access, ask the administrator."),
    404: _l("The address may be mistyped, or the page has been moved."),
    405: _l("Please go back and use the buttons on the page."),
    409: _l("Reload the page and try again."),
    410: _l("The link has been closed or has expired."),
    413: _l("Please choose a smaller file and try again."),
    429: _l("Please wait a few minutes before trying again."),
    500: _l("The error has been recorded. Please try again in a moment."),
}


def wants_json() -> bool:
    """Whether an error should be answered in JSON: unless the client prefers a page."""
    return (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )


def json_requested() -> bool:
    """Whether the client asked for JSON rather than a page (survey-form.js sending a form
    says ``Accept: application/json``); a browser, or a client accepting anything, gets the
    page as before."""
    return (
        request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    )


def _roll_back() -> None:
    """End the request's failed transaction before anything else reads the database.

    A failed write leaves the session unusable (PendingRollbackError), and the error page
    itself reads the signed-in user.
    """
    from survey_app.extensions import db

    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("Rolling back before an error page failed", exc_info=True)


def render_error(status: int, message: str | None = None, **extra):
    """The error page, or for a JSON client {error, message, status} and any ``extra`` keys.

    The failed transaction is rolled back first; a page that cannot be drawn (the database
    is gone) becomes the plain page."""
    _roll_back()
    # a status without its own text (a 409 from a service) reads like its class: ours or theirs
    near = 500 if status >= 500 else 400
    title = str(ERROR_TITLES.get(status, ERROR_TITLES[near]))
    hint = message or str(ERROR_HINTS.get(status, ERROR_HINTS[near]))
    if wants_json():
        return {"error": title, "message": hint, "status": status, **extra}, status
    try:
        page = render_template("errors/error.html", status=status, title=title, hint=hint)
    except Exception:  # the page needs the database (the user) or a template: the bare page
        log.exception("The error page could not be rendered; sending the plain one")
        page = plain_error_page(status, title, hint)
    return page, status


def plain_error_page(status: int, title: str, hint: str) -> str:
    """The error page without a template, a user or the database; every value escaped."""
    values = {
        "lang": str(get_locale() or "vi"),
        "css": url_for("static", filename="css/app.css"),
        "status": status,
        "title": title,
        "hint": hint,
        "home": url_for("main.index"),
        "back": _("Back to the home page"),
    }
    return PLAIN_PAGE.format(**{name: escape(str(value)) for name, value in values.items()})


PLAIN_PAGE = """<!doctype html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="stylesheet" href="{css}">
</head>
<body>
  <main>
    <section class="card error-page">
      <p class="status">{status}</p>
      <h1>{title}</h1>
      <p>{hint}</p>
      <p class="actions"><a class="button" href="{home}">{back}</a></p>
    </section>
  </main>
</body>
</html>
"""


def sign_in_again_url() -> str | None:
    """Where to sign in and come back, when this page needs a session that has ended.

    A form posts to its own address, so the way back is the request's own path: after
    signing in, the form opens again and survey-form.js puts the kept draft back in.
    """
    from flask_login import current_user

    from survey_app.access import rule_for

    rule = rule_for(current_app, request.endpoint)
    if rule is None or rule.public or current_user.is_authenticated:
        return None
    return url_for("auth.login", next=request.full_path.rstrip("?"))


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = _("Your session has expired or the form is out of date. Please try again.")
        if not wants_json():
            return render_error(400, message)
        # A page sending its form by script keeps the answers and tries again: with a fresh
        # token while the person is still signed in, after signing in again otherwise.
        login_url = sign_in_again_url()
        extra = {"login_url": login_url} if login_url else {"csrf_token": generate_csrf()}
        return render_error(400, message, reason="csrf", **extra)

    @app.errorhandler(UserError)
    def user_error(exc: UserError):
        return render_error(exc.status, str(exc.message))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if status not in ERROR_TITLES:
            status = 500 if status >= 500 else 400
        if status == 401 and wants_json():
            return render_error(401, login_url=sign_in_again_url())
        return render_error(status)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        log.error("Unhandled error on %s %s", request.method, request.path, exc_info=exc)
        return render_error(500)
