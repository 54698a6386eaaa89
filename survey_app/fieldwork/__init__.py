from flask import Blueprint

bp = Blueprint("fieldwork", __name__)

from survey_app.fieldwork import views  # noqa: E402,F401
