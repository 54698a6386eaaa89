"""Survey definitions for staff: the list (with files that failed to load) and a preview."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app.access import Perm, access, has_perm
from survey_app.catalog import bp
from survey_app.catalog.services import respondable_survey
from survey_app.errors import json_requested
from survey_app.exports import xlsx_download
from survey_app.extensions import db
from survey_app.formpages import (
    current_locale,
    invalid_answers,
    new_response_id,
    outbox_info,
    post_form,
    read_submission,
)
from survey_app.localtime import local_today
from survey_app.models.base import utcnow
from survey_app.models.responses import Channel
from survey_app.paging import PER_PAGE, Page, page_number
from survey_app.registry import services
from survey_app.responses import services as responses
from survey_app.surveys import rendering
from survey_app.surveys.model import Audience
from survey_app.units import services as units


@bp.get("/admin/surveys")
@access(Perm.SURVEYS_PREVIEW)
def list_surveys():
    directory = current_app.config["SURVEYS_PATH"]
    _loaded, problems = services.read_definitions(directory)
    surveys = services.list_surveys(db.session)
    return render_template(
        "catalog/list_surveys.html",
        surveys=surveys,
        titles=services.survey_titles(surveys, current_locale()),
        counts=services.response_counts(db.session),
        problems=problems,
    )


@bp.post("/admin/surveys/sync")
@access(Perm.SURVEYS_MANAGE)
def sync_surveys():
    report = services.sync_surveys(
        db.session, current_app.config["SURVEYS_PATH"], actor=current_user
    )
    db.session.commit()
    flash(
        _(
            "Surveys loaded: %(created)d new, %(changed)d changed, %(same)d unchanged.",
            created=len(report.created),
            changed=len(report.replaced) + len(report.new_versions),
            same=len(report.unchanged),
        ),
        "success",
    )
    if report.problems:
        flash(_("Some files were not loaded; see the problems below."), "error")
    return redirect(url_for(".list_surveys"))


@bp.route("/surveys/<key>/preview", methods=["GET", "POST"])
@access(Perm.SURVEYS_PREVIEW)
def preview(key: str):
    survey = services.get_survey(db.session, key, active_only=False)
    definition = services.definition_of(survey.current_version)
    errors: dict[str, str] = {}
    checked = False
    if request.method == "POST":
        submission = read_submission(definition, request.form, today=local_today())
        values, response_id = submission.values, submission.response_id
        errors = submission.errors
        checked = submission.is_complete
        if json_requested() and errors:  # survey-form.js sending: the answers stay in the page
            return invalid_answers(errors)
        if json_requested() and checked:
            message = _("All answers are valid. In the real form they would now be saved.")
            return {"checked": True, "message": message}
    else:
        values, response_id = rendering.default_values(definition), new_response_id()
    status = 400 if errors else 200
    return render_template(
        "catalog/preview.html",
        survey=survey,
        definition=definition,
        values=values,
        errors=errors,
        response_id=response_id,
        checked=checked,
        # kept for this tab only: enough to come back from signing in again
        draft_key=f"preview:{key}:{current_user.id}",
    ), status


def _respondable(key: str):
    return respondable_survey(db.session, key, current_user)


@bp.route("/surveys/<key>/fill", methods=["GET", "POST"])
@access(Perm.SURVEYS_RESPOND)
def fill(key: str):
    survey = _respondable(key)
    version = survey.current_version
    definition = services.definition_of(version)
    if request.method == "POST":

        def store(response_id, answers) -> bool:
            return responses.store_response(
                db.session.connection(),
                response_id=response_id,
                version_id=version.id,
                survey_id=survey.id,
                answers=answers,
                channel=Channel.WEB,
                today=local_today(),
                now=utcnow(),
                unit_id=current_user.unit_id,
                submitted_by_id=current_user.id,
            )

        return post_form(
            definition,
            request.form,
            store=store,
            done_url=lambda stored_id: url_for(".view_response", key=key, response_id=stored_id),
            show=lambda values, errors, response_id, status: _fill_page(
                survey, definition, values, errors, response_id, status),
            today=local_today(),
        )
    values, response_id = rendering.default_values(definition), new_response_id()
    return _fill_page(survey, definition, values, {}, response_id, 200)


def _fill_page(survey, definition, values, errors, response_id, status):
    return render_template(
        "catalog/fill.html",
        survey=survey,
        definition=definition,
        values=values,
        errors=errors,
        response_id=response_id,
        draft_key=f"{survey.key}:{current_user.id}",
        outbox=outbox_info(
            survey.key,
            survey.current_version.number,
            rendering.text(definition.title, current_locale()),
            unit=current_user.unit.name if current_user.unit else None,
        ),
    ), status


@bp.get("/surveys/<key>/responses/<uuid:response_id>")
@access(Perm.SURVEYS_RESPOND, Perm.RESPONSES_VIEW, any_of=True)
def view_response(key: str, response_id):
    response = responses.get_response(db.session, response_id) or abort(404)
    # Anonymous poll answers are never here (their own tables): only suppressed totals.
    if response.version.survey.key != key:
        abort(404)
    if response.submitted_by_id != current_user.id and not has_perm(
        current_user, Perm.RESPONSES_VIEW
    ):
        abort(403)
    definition = services.definition_of(response.version)
    values = responses.stored_values(definition, responses.answers_of(db.session, response.id))
    return render_template(
        "catalog/view_response.html", response=response, definition=definition, values=values
    )


@bp.get("/admin/surveys/<key>/responses.xlsx")
@access(Perm.RESPONSES_VIEW)
def export_responses(key: str):
    from survey_app.exports.responses import export_responses_xlsx

    survey = services.get_survey(db.session, key, active_only=False)
    if survey.audience == Audience.WORKER_POLL.value:
        # one row per anonymous answer could single people out: only suppressed totals
        return redirect(url_for("polls.results_xlsx", key=key))
    data = export_responses_xlsx(db.session, survey, current_locale())
    return xlsx_download(data, f"{key}-responses.xlsx")


@bp.get("/surveys/<key>/responses")
@access(Perm.RESPONSES_VIEW)
def list_responses(key: str):
    survey = services.get_survey(db.session, key, active_only=False)
    if survey.audience == Audience.WORKER_POLL.value:
        # anonymous answers are never listed one by one: only as suppressed results
        return redirect(url_for("polls.results", key=key))
    code = request.args.get("unit", "").strip()[:40]
    unit = units.get_unit(db.session, code) if code else None
    error, status = None, 200
    if code and unit is None:
        error, status = _("There is no unit with the code %(code)s.", code=code), 404
        page = Page(items=[], number=1, per_page=PER_PAGE, total=0)
    else:
        page = responses.staff_responses(
            db.session,
            survey.id,
            unit_id=unit.id if unit else None,
            page=page_number(request.args.get("page")),
        )
    return render_template(
        "catalog/list_responses.html",
        survey=survey,
        definition=services.definition_of(survey.current_version),
        page=page,
        unit=unit,
        code=code,
        error=error,
        units=units.units_in_tree_order(db.session),
    ), status
