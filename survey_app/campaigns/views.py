"""Campaign pages: the list, one campaign's overview, and (admins) loading and copying."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app.access import Perm, access
from survey_app.campaigns import bp, services
from survey_app.campaigns.rules import days_left
from survey_app.extensions import db
from survey_app.formpages import current_locale
from survey_app.localtime import local_today
from survey_app.models.units import UnitKind
from survey_app.models.users import Department
from survey_app.reports.services import days_text, home_links


@bp.get("/campaigns")
@access(login=True)
def list_campaigns():
    return render_template(
        "campaigns/list_campaigns.html", campaigns=services.list_campaigns(db.session)
    )


@bp.get("/campaigns/<key>")
@access(login=True)
def show_campaign(key: str):
    campaign = services.get_campaign(db.session, key)
    config = services.config_of(campaign)
    today = local_today()
    departments = {d.code: d.name for d in db.session.query(Department)}
    deadlines = [
        (UnitKind(kind).label, day, days_left(day, today))
        for kind, day in sorted(config.deadlines.items(), key=lambda item: (item[1], item[0]))
    ]
    return render_template(
        "campaigns/show_campaign.html",
        campaign=campaign,
        config=config,
        deadlines=deadlines,
        days_text=days_text,
        departments=departments,
        kind_label=lambda kind: UnitKind(kind).label,
        locale=current_locale(),
        today=today,
        report_links=home_links(db.session, current_user, [campaign], today, current_locale()),
    )


@bp.get("/admin/campaigns")
@access(Perm.CAMPAIGNS_MANAGE)
def admin_campaigns():
    return render_template(
        "campaigns/admin_campaigns.html",
        campaigns=services.list_campaigns(db.session, active_only=False),
    )


@bp.post("/admin/campaigns/sync")
@access(Perm.CAMPAIGNS_MANAGE)
def sync_campaigns():
    report = services.sync_campaigns(
        db.session, current_app.config["CAMPAIGNS_PATH"], actor=current_user
    )
    db.session.commit()
    flash(
        _(
            "Campaigns loaded: %(created)d new, %(updated)d changed, %(same)d unchanged.",
            created=len(report.created),
            updated=len(report.updated),
            same=len(report.unchanged),
        ),
        "success",
    )
    for problem in report.problems:
        flash(str(problem), "error")
    return redirect(url_for(".admin_campaigns"))


@bp.route("/admin/campaigns/new", methods=["GET", "POST"])
@access(Perm.CAMPAIGNS_MANAGE)
def new_campaign():
    problems = []
    if request.method == "POST":
        text = request.form.get("text", "")
        try:
            campaign = services.create_from_text(db.session, text, actor=current_user)
        except services.CampaignInvalid as exc:
            db.session.rollback()
            problems = exc.problems
        else:
            db.session.commit()
            flash(_("Campaign %(name)s created.", name=campaign.name), "success")
            return redirect(url_for(".show_campaign", key=campaign.key))
    else:
        source = services.get_campaign(
            db.session, request.args.get("from", ""), active_only=False
        )
        text = services.copy_text(source, f"{source.key}_copy")
    return render_template(
        "campaigns/new_campaign.html", text=text, problems=problems
    ), 400 if problems else 200


@bp.app_template_filter("vndate")
def vndate(day) -> str:
    """A day as people here write it: 05/10/2017."""
    return day.strftime("%d/%m/%Y") if day else ""
