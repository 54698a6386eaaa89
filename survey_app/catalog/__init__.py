from flask import Blueprint

bp = Blueprint("catalog", __name__)

from survey_app.catalog import views  # noqa: E402,F401
