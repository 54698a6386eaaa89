"""``survey-app plan …``: the inspection plan from the command line (same services as the
plan page)."""

from __future__ import annotations

import json
import sys
from datetime import date

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from survey_app.extensions import db

plan_group = click.Group("plan", help="The inspection plan of a campaign.")


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(_("Error: %(message)s", message=message), err=True)
    sys.exit(1)


def _campaign(key: str):
    from survey_app.campaigns.services import CampaignNotFound, get_campaign

    try:
        return get_campaign(db.session, key)
    except CampaignNotFound as exc:
        _fail(str(exc.message))


@plan_group.command("team")
@click.argument("campaign")
@click.argument("name")
@click.option("--leader", required=True, help="The leader's username (an inspector).")
@click.option("--member", "members", multiple=True, help="A member's username (repeatable).")
@with_appcontext
def plan_team(campaign: str, name: str, leader: str, members: tuple[str, ...]) -> None:
    """Create inspection team NAME in CAMPAIGN."""
    from survey_app.errors import UserError
    from survey_app.fieldwork import services

    try:
        team = services.create_team(db.session, _campaign(campaign), name, leader, list(members))
    except UserError as exc:
        _fail(str(exc.message))
    db.session.commit()
    click.echo(_("Team “%(name)s”: %(people)s.", name=team.name,
                 people=", ".join(u.username for u in team.members)))


@plan_group.command("visit")
@click.argument("campaign")
@click.argument("unit_code")
@click.option("--team", "team_name", required=True, help="The team's name.")
@click.option("--date", "day", required=True, help="The day of the visit, YYYY-MM-DD.")
@with_appcontext
def plan_visit(campaign: str, unit_code: str, team_name: str, day: str) -> None:
    """Plan a visit of team --team to UNIT_CODE on --date."""
    from survey_app.errors import UserError
    from survey_app.fieldwork import services

    try:
        visit_day = date.fromisoformat(day)
    except ValueError:
        _fail(_("--date must be a day like 2017-09-15."))
    try:
        visit = services.add_visit(db.session, _campaign(campaign), unit_code, team_name, visit_day)
    except UserError as exc:
        _fail(str(exc.message))
    db.session.commit()
    click.echo(_("Planned: %(unit)s, team “%(team)s”, %(day)s.", unit=visit.unit.name,
                 team=visit.team.name, day=visit.visit_date.strftime("%d/%m/%Y")))


@plan_group.command("finalize")
@click.argument("campaign")
@with_appcontext
def plan_finalize(campaign: str) -> None:
    """Mark the plan final; refused (exit 1) with each unmet rule named."""
    from survey_app.fieldwork import services

    try:
        services.finalize_plan(db.session, _campaign(campaign))
    except services.PlanIncomplete as exc:
        db.session.rollback()
        click.echo(str(exc.message), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(_("The inspection plan is final."))


@plan_group.command("status")
@click.argument("campaign")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def plan_status(campaign: str, as_json: bool) -> None:
    """Quota rules (planned against minimum) and visits with their checklists."""
    from survey_app.fieldwork import services

    status = services.plan_status(db.session, _campaign(campaign))
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False, indent=2))
        return
    click.echo(_("Plan final: %(final)s", final=_("yes") if status["final"] else _("no")))
    for rule in status["rules"]:
        mark = "✓" if rule["met"] else "✗"
        click.echo(f"{mark} {rule['label']}: {rule['planned']} / {rule['min']}")
    for visit in status["visits"]:
        click.echo(f"  {visit['date']}  {visit['unit']}  {visit['team']}  {visit['checklist']}")
