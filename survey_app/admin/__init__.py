from flask import Blueprint

bp = Blueprint("admin", __name__)

from survey_app.admin import views  # noqa: E402,F401
