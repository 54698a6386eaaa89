"""``survey-app campaigns …``: load and list review campaigns."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from survey_app.extensions import db

campaigns_group = click.Group("campaigns", help="Review campaigns (files in surveys/campaigns/).")


def sync_campaign_files():
    """Load surveys/campaigns/ and print what happened; the report is returned."""
    from survey_app.campaigns.services import sync_campaigns

    report = sync_campaigns(db.session, current_app.config["CAMPAIGNS_PATH"])
    db.session.commit()
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(
        _(
            "Campaigns: %(created)d new, %(updated)d updated, %(same)d unchanged, "
            "%(removed)d no longer in surveys/campaigns/, %(bad)d file(s) with problems.",
            created=len(report.created),
            updated=len(report.updated),
            same=len(report.unchanged),
            removed=len(report.deactivated),
            bad=len({p.file for p in report.problems}),
        )
    )
    return report


@campaigns_group.command("sync")
@with_appcontext
def campaigns_sync() -> None:
    """Load every file in surveys/campaigns/ (a broken one is named and left out)."""
    if sync_campaign_files().problems:
        sys.exit(1)


@campaigns_group.command("list")
@with_appcontext
def campaigns_list() -> None:
    """Print each campaign's key, name and dates."""
    from survey_app.campaigns.services import list_campaigns

    campaigns = list_campaigns(db.session, active_only=False)
    if not campaigns:
        click.echo(_("No campaigns yet: add a file to surveys/campaigns/ and run "
                     "survey-app campaigns sync."))
    for campaign in campaigns:
        state = "" if campaign.is_active else "  " + _("(inactive)")
        click.echo(
            f"{campaign.key}\t{campaign.name}\t"
            f"{campaign.starts.isoformat()} – {campaign.ends.isoformat()}{state}"
        )
