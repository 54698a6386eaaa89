"""Review and findings (issue 13): results rolled up the union tree, the data appendix,
findings tied to evidence, Ban Tổ chức's sign-off, the province report, and the audit page."""

from flask import Blueprint

bp = Blueprint("review", __name__)

from survey_app.review import views  # noqa: E402,F401
