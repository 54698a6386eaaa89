"""The catalog's own rule: who may fill in which staff survey."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from survey_app.access import may_respond
from survey_app.errors import UserError
from survey_app.models.surveys import Survey
from survey_app.registry.services import SurveyNotFound, get_survey
from survey_app.surveys.model import Audience


class NotYourForm(UserError):
    status = 403
    message = _l("This form is filled in by another role, not yours.")


def respondable_survey(session: Session, key: str, user) -> Survey:
    """The active staff survey ``key``, when ``user``'s role fills it in (``may_respond``).

    Raises SurveyNotFound (worker polls too: they are answered through their links only),
    NotYourForm.
    """
    survey = get_survey(session, key)
    if survey.audience == Audience.WORKER_POLL.value:
        raise SurveyNotFound()
    if not may_respond(user, survey.audience):
        raise NotYourForm()
    return survey
