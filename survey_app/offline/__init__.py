from flask import Blueprint

bp = Blueprint("offline", __name__)

from survey_app.offline import views  # noqa: E402,F401
