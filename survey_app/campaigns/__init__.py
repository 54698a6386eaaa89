from flask import Blueprint

bp = Blueprint("campaigns", __name__)

from survey_app.campaigns import views  # noqa: E402,F401
