"""User errors (translated, shown) and the Vietnamese error pages."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
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
    410: _l("The link has been closed or has expired."),
    413: _l("Please choose a smaller file and try again."),
    429: _l("Please wait a few minutes before trying again."),
    500: _l("The error has been recorded. Please try again in a moment."),
}


def render_error(status: int, message: str | None = None):
    wants_json = (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )
    title = str(ERROR_TITLES.get(status, ERROR_TITLES[500]))
    hint = message or str(ERROR_HINTS.get(status, ERROR_HINTS[500]))
    if wants_json:
        return {"error": title, "message": hint, "status": status}, status
    return render_template("errors/error.html", status=status, title=title, hint=hint), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return render_error(
            400, _("Your session has expired or the form is out of date. Please try again.")
        )

    @app.errorhandler(UserError)
    def user_error(exc: UserError):
        return render_error(exc.status, str(exc.message))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if status not in ERROR_TITLES:
            status = 500 if status >= 500 else 400
        return render_error(status)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        log.error("Unhandled error on %s %s", request.method, request.path, exc_info=exc)
        return render_error(500)
