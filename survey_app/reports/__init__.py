from flask import Blueprint

bp = Blueprint("reports", __name__)

from survey_app.reports import views  # noqa: E402,F401
