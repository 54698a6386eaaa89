"""Anonymous worker polls reached by printed QR codes."""

from flask import Blueprint

bp = Blueprint("polls", __name__)

from survey_app.polls import views  # noqa: E402,F401
