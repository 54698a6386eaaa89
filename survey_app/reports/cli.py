"""``survey-app reports …``: who has sent the campaign's reports."""

from __future__ import annotations

import json
import sys
from datetime import date

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from survey_app.extensions import db

reports_group = click.Group("reports", help="Units' reports in a campaign.")


@reports_group.command("status")
@click.argument("campaign")
@click.option("--today", "today_text", default=None,
              help="The day to count from, YYYY-MM-DD (default: today in Vietnam).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def reports_status(campaign: str, today_text: str | None, as_json: bool) -> None:
    """Every unit that owes a report, its status and days left, and the totals."""
    from survey_app.campaigns.services import CampaignNotFound, get_campaign
    from survey_app.localtime import local_today
    from survey_app.reports.services import status_json

    try:
        today = date.fromisoformat(today_text) if today_text else local_today()
    except ValueError:
        click.echo(_("Error: --today must be a day like 2017-10-05."), err=True)
        sys.exit(1)
    try:
        found = get_campaign(db.session, campaign)
    except CampaignNotFound as exc:
        click.echo(_("Error: %(message)s", message=exc.message), err=True)
        sys.exit(1)
    status = status_json(db.session, found, today)
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False, indent=2))
        return
    for unit in status["units"]:
        click.echo(f"{unit['code']}\t{unit['kind']}\t{unit['deadline']}\t{unit['status']}\t"
                   f"{unit['days_left']}")
    summary = status["summary"]
    click.echo(_("Expected %(expected)d, sent %(submitted)d (on time %(on_time)d, late "
                 "%(late)d), overdue %(overdue)d, not yet due %(not_due)d.", **summary))
