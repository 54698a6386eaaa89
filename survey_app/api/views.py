"""JSON endpoints for clients that queue submissions (phones offline) and for tools.

The session cookie signs the caller in, and the CSRF token travels in the X-CSRFToken
header, as for forms.
"""

from __future__ import annotations

import uuid

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app.access import Perm, access
from survey_app.api import bp
from survey_app.catalog.services import respondable_survey
from survey_app.extensions import db
from survey_app.localtime import local_today
from survey_app.models.base import utcnow
from survey_app.models.responses import Channel
from survey_app.registry import services
from survey_app.responses import services as responses
from survey_app.surveys.validation import validate


@bp.post("/api/surveys/<key>/responses")
@access(Perm.SURVEYS_RESPOND)
def submit_response(key: str):
    survey = respondable_survey(db.session, key, current_user)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("answers", {}), dict):
        return {"error": _("The request body must be a JSON object with id and answers.")}, 400
    response_id = responses.parse_response_id(body.get("id"))
    version = survey.current_version
    try:
        existing = responses.replayed_response(
            db.session, response_id, survey_id=survey.id, submitted_by_id=current_user.id)
        if existing is not None:
            # A replay (the phone did not hear the first answer): the stored response stands.
            return _created(key, existing.id, created=False)
        definition = services.definition_of(version)
        result = validate(definition, body.get("answers", {}), today=local_today())
        if not result.ok:
            return {"errors": result.errors}, 422
        channel = Channel.OFFLINE if body.get("queued") else Channel.API
        created = responses.store_response(
            db.session.connection(), response_id=response_id, version_id=version.id,
            survey_id=survey.id, answers=result.answers, channel=channel, today=local_today(),
            now=utcnow(), unit_id=current_user.unit_id, submitted_by_id=current_user.id)
    except responses.ReplayRefused as exc:
        # Always JSON here: a phone's queue must tell this from "saved".
        db.session.rollback()
        return {"error": str(exc.message), "id": str(response_id)}, exc.status
    db.session.commit()
    return _created(key, response_id, created=created)


def _created(key: str, response_id: uuid.UUID, *, created: bool):
    body = {"id": str(response_id), "created": created,
            "url": url_for("catalog.view_response", key=key, response_id=response_id)}
    return body, 201 if created else 200
