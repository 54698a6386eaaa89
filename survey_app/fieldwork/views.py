"""Inspection pages: the Office's plan of a campaign, an inspector's visits, a visit's page
and its checklist. Thin: every rule (quotas, the window, whose visit it is, one checklist
per visit) is in ``fieldwork.services``, which ``survey-app plan`` uses too."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app.access import Perm, access, has_perm
from survey_app.campaigns.services import get_campaign
from survey_app.errors import UserError
from survey_app.extensions import db
from survey_app.fieldwork import bp, services
from survey_app.fieldwork.forms import TeamForm, VisitForm
from survey_app.formpages import current_locale, new_response_id, outbox_info, post_form
from survey_app.localtime import local_today
from survey_app.models.base import utcnow
from survey_app.models.units import UnitKind
from survey_app.registry.services import definition_of
from survey_app.responses import services as responses
from survey_app.surveys import rendering
from survey_app.units.picker import unit_choices

# ---- the plan (the Office) ---------------------------------------------------------------


def _person(user) -> str:
    return user.full_name or user.username


@bp.context_processor
def _helpers():
    labels = {
        services.ChecklistState.NONE: _("No checklist yet"),
        services.ChecklistState.DRAFT: _("Draft saved"),
        services.ChecklistState.SUBMITTED: _("Checklist sent"),
    }
    return {
        "person": _person,
        "people": lambda users: ", ".join(_person(u) for u in users),
        "checklist_label": labels.get,
    }


def _choose_from(team_form: TeamForm, visit_form: VisitForm, campaign) -> None:
    """The choices of both forms: active inspectors, units in tree order, the teams."""
    people = [(u.username, f"{_person(u)} ({u.username})" if u.full_name else u.username)
              for u in services.inspectors(db.session)]
    team_form.leader.choices = [("", _("— Choose the leader —")), *people]
    team_form.members.choices = people
    visit_form.unit.choices = unit_choices(db.session, _("— Choose a unit —"))
    visit_form.team.choices = [("", _("— Choose a team —"))] + [
        (t.name, t.name) for t in services.list_teams(db.session, campaign)
    ]


def _plan_page(campaign, *, team_form=None, visit_form=None, error=None, where=None,
               status=200):
    """The plan page; after a refusal, with its message next to the form that was sent
    (``where``: team, visit or final) and that form holding what was typed."""
    team_form = team_form or TeamForm(formdata=None)
    visit_form = visit_form or VisitForm(formdata=None)
    _choose_from(team_form, visit_form, campaign)
    plan = services.plan_overview(db.session, campaign)
    visit_form.visit_date.render_kw = {
        "min": plan.config.window_start.isoformat(),
        "max": plan.config.window_end.isoformat(),
    }
    return render_template(
        "fieldwork/show_plan.html",
        plan=plan,
        team_form=team_form,
        visit_form=visit_form,
        error=error,
        where=where,
        locale=current_locale(),
    ), status


@bp.get("/campaigns/<key>/plan")
@access(Perm.PLAN_MANAGE)
def show_plan(key: str):
    return _plan_page(get_campaign(db.session, key))


def _back_to_plan(key: str, part: str):
    return redirect(url_for(".show_plan", key=key, _anchor=part), 303)


@bp.post("/campaigns/<key>/plan/teams")
@access(Perm.PLAN_MANAGE)
def create_team(key: str):
    campaign = get_campaign(db.session, key)
    form = TeamForm()
    _choose_from(form, VisitForm(formdata=None), campaign)
    if not form.validate():
        return _plan_page(campaign, team_form=form, where="team", status=400,
                          error=_("The team was not created: see the marked fields."))
    try:
        team = services.create_team(db.session, campaign, form.name.data, form.leader.data,
                                    form.members.data, actor=current_user)
    except UserError as exc:
        db.session.rollback()
        return _plan_page(campaign, team_form=form, where="team", status=exc.status,
                          error=str(exc.message))
    db.session.commit()
    flash(_("Team “%(name)s” created.", name=team.name), "success")
    return _back_to_plan(key, "teams")


@bp.post("/campaigns/<key>/plan/visits")
@access(Perm.PLAN_MANAGE)
def add_visit(key: str):
    campaign = get_campaign(db.session, key)
    form = VisitForm()
    _choose_from(TeamForm(formdata=None), form, campaign)
    if not form.validate():
        return _plan_page(campaign, visit_form=form, where="visit", status=400,
                          error=_("The visit was not added: see the marked fields."))
    try:
        visit = services.add_visit(db.session, campaign, form.unit.data, form.team.data,
                                   form.visit_date.data, actor=current_user)
    except UserError as exc:
        db.session.rollback()
        return _plan_page(campaign, visit_form=form, where="visit", status=exc.status,
                          error=str(exc.message))
    db.session.commit()
    flash(_("Visit to %(unit)s on %(day)s added; the team has been notified.",
            unit=visit.unit.name, day=visit.visit_date.strftime("%d/%m/%Y")), "success")
    return _back_to_plan(key, "visits")


@bp.post("/campaigns/<key>/plan/finalize")
@access(Perm.PLAN_MANAGE)
def finalize_plan(key: str):
    campaign = get_campaign(db.session, key)
    try:
        services.finalize_plan(db.session, campaign, actor=current_user,
                               locale=current_locale())
    except services.PlanIncomplete as exc:
        db.session.rollback()
        return _plan_page(campaign, where="final", status=exc.status, error=str(exc.message))
    db.session.commit()
    flash(_("The inspection plan is final."), "success")
    return _back_to_plan(key, "rules")


@bp.route("/campaigns/<key>/plan/visits/<int:visit_id>/remove", methods=["GET", "POST"])
@access(Perm.PLAN_MANAGE)
def remove_visit(key: str, visit_id: int):
    """GET asks for confirmation (a page: it works without JavaScript), POST removes."""
    campaign = get_campaign(db.session, key)
    visit = services.planned_visit(db.session, campaign, visit_id)
    refusal = services.removal_refusal(db.session, campaign, visit, locale=current_locale())
    # said before the button is pressed; the POST checks again (the plan may have changed)
    error, status = (str(refusal.message) if refusal else None), 200
    if request.method == "POST":
        unit = visit.unit.name
        try:
            services.remove_visit(db.session, campaign, visit_id, actor=current_user,
                                  locale=current_locale())
        except UserError as exc:
            db.session.rollback()
            error, status = str(exc.message), exc.status
        else:
            db.session.commit()
            flash(_("The visit to %(unit)s was removed from the plan.", unit=unit), "success")
            return _back_to_plan(key, "visits")
    return render_template(
        "fieldwork/remove_visit.html",
        campaign=campaign,
        visit=visit,
        detail=services.visit_detail(db.session, visit),
        error=error,
        can_remove=refusal is None,
        locale=current_locale(),
    ), status


# ---- inspectors' visits ------------------------------------------------------------------


@bp.get("/visits")
@access(Perm.VISITS_CONDUCT)
def my_visits():
    schedule = services.schedule_of(db.session, current_user, local_today())
    notices = services.unread_notices(db.session, current_user)
    # A notice is read once this page has shown it: the one write of a GET here, and a
    # harmless one (showing the page again shows the visits, without the notice).
    services.mark_notices_read(db.session, current_user, [n.id for n in notices])
    db.session.commit()
    return render_template(
        "fieldwork/my_visits.html",
        schedule=schedule,
        notices=notices,
        new_visits={n.visit_id for n in notices},
        locale=current_locale(),
    )


def _visit(visit_id: int):
    """A visit of the user's teams; any visit for the Office and administrators."""
    return services.visit_for(db.session, current_user, visit_id,
                              may_see_all=has_perm(current_user, Perm.PLAN_MANAGE))


@bp.get("/visits/<int:visit_id>")
@access(Perm.VISITS_CONDUCT, Perm.PLAN_MANAGE, any_of=True)
def show_visit(visit_id: int):
    detail = services.visit_detail(db.session, _visit(visit_id))
    return render_template(
        "fieldwork/show_visit.html",
        detail=detail,
        visit=detail.visit,
        kind_label=UnitKind(detail.visit.unit.kind).label,
        locale=current_locale(),
    )


@bp.route("/visits/<int:visit_id>/checklist", methods=["GET", "POST"])
@access(Perm.VISITS_CONDUCT, Perm.PLAN_MANAGE, any_of=True)
def checklist(visit_id: int):
    visit = _visit(visit_id)
    survey = services.inspection_survey(db.session, visit.campaign)
    definition = definition_of(survey.current_version)
    if request.method == "POST":
        if request.form.get("_save_draft"):
            return _save_draft(visit, survey, definition)

        def store(response_id, answers) -> bool:
            return services.submit_checklist(
                db.session, visit, survey=survey, response_id=response_id, answers=answers,
                user=current_user, today=local_today(), now=utcnow())

        return post_form(
            definition,
            request.form,
            store=store,
            done_url=lambda _stored_id: url_for(".show_visit", visit_id=visit_id),
            show=lambda values, errors, response_id, status: _checklist_page(
                visit, survey, definition, values, errors, response_id, status),
            today=local_today(),
        )
    sent = services.checklist_of(db.session, visit)
    if sent is not None:
        return _sent_checklist_page(visit, sent)
    values = visit.draft or {**rendering.default_values(definition),
                             **services.known_answers(definition, visit)}
    return _checklist_page(visit, survey, definition, values, {}, new_response_id(), 200)


def _save_draft(visit, survey, definition):
    """"Save draft": the answers so far, unchecked, kept on the server for the team."""
    values = rendering.compact_repeats(definition, rendering.form_lists(request.form))
    try:
        services.save_draft(db.session, visit, values, user=current_user)
    except UserError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        response_id = (values.get("_response_id") or [""])[0] or new_response_id()
        return _checklist_page(visit, survey, definition, values, {}, response_id, exc.status)
    db.session.commit()
    flash(_("Draft saved. Any member of the team can carry on from it."), "success")
    return redirect(url_for(".checklist", visit_id=visit.id), 303)


def _checklist_page(visit, survey, definition, values, errors, response_id, status):
    detail = services.visit_detail(db.session, visit)
    return render_template(
        "fieldwork/checklist.html",
        visit=visit,
        detail=detail,
        definition=definition,
        values=values,
        errors=errors,
        response_id=response_id,
        # one draft per visit and person on the phone; the team's shared one is on the server
        draft_key=f"visit:{visit.id}:{current_user.id}",
        server_draft_at=visit.draft_saved_at.isoformat() if visit.draft_saved_at else None,
        # with no connection the sent checklist waits in the phone's outbox (issue 12)
        outbox=outbox_info(
            survey.key, survey.current_version.number,
            rendering.text(definition.title, current_locale()),
            unit=visit.unit.name, visit=visit.id),
        locale=current_locale(),
    ), status


def _sent_checklist_page(visit, sent):
    """The checklist as it was sent: every member of the team reads it here."""
    response = responses.get_response(db.session, sent.response_id)
    definition = definition_of(response.version)
    values = responses.stored_values(definition, responses.answers_of(db.session, response.id))
    return render_template(
        "fieldwork/sent_checklist.html",
        visit=visit,
        sent=sent,
        response=response,
        definition=definition,
        values=values,
        locale=current_locale(),
    )
