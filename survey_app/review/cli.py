"""``survey-app review …`` and ``survey-app findings …``: the review's figures, findings and
the province report from the command line, through the same services as the pages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from survey_app.extensions import db

review_group = click.Group("review", help="Results, the data appendix and the report.")
findings_group = click.Group("findings", help="Findings of a campaign.")


def _fail(message: str) -> None:
    click.echo(_("Error: %(message)s", message=message), err=True)
    sys.exit(1)


def _campaign(key: str):
    from survey_app.campaigns.services import CampaignNotFound, get_campaign

    try:
        return get_campaign(db.session, key, active_only=False)
    except CampaignNotFound as exc:
        _fail(str(exc.message))


def _scope(tree, code: str | None):
    node = tree.get(code) if code else tree.province()
    if node is None:
        _fail(_("there is no unit with the code %(code)s.", code=code or "?"))
    return node


def _print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@review_group.command("results")
@click.argument("campaign")
@click.argument("survey_key")
@click.option("--unit", "unit_code", default=None, help="A unit code: it and every unit under it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def review_results(campaign: str, survey_key: str, unit_code: str | None, as_json: bool) -> None:
    """Each question's figures for SURVEY_KEY in CAMPAIGN (the whole campaign by default)."""
    from survey_app.errors import UserError
    from survey_app.review import results
    from survey_app.review.tree import load_tree

    found = _campaign(campaign)
    tree = load_tree(db.session)
    unit = _scope(tree, unit_code) if unit_code else None
    try:
        figures = results.survey_results(
            db.session, found, survey_key, filters=results.Filters(unit=unit),
            threshold=current_app.config["MIN_GROUP_SIZE"], tree=tree, breakdown=False)
    except UserError as exc:
        _fail(str(exc.message))
    data = figures.as_json("vi")
    if as_json:
        _print_json(data)
        return
    click.echo(_("%(responses)s responses from %(units)s units.",
                 responses=data["responses"], units=data["units"]))
    for question in data["questions"]:
        click.echo(f"{question['key']}\t{question['type']}\t{question['label']}")


@review_group.command("appendix")
@click.argument("campaign")
@click.option("--unit", "unit_code", default=None, help="A unit code (default: the province).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def review_appendix(campaign: str, unit_code: str | None, as_json: bool) -> None:
    """Each indicator's baseline, current figure and change for a unit and all under it."""
    from survey_app.review.appendix import build_appendix
    from survey_app.review.tree import load_tree

    found = _campaign(campaign)
    tree = load_tree(db.session)
    appendix = build_appendix(db.session, found, tree, _scope(tree, unit_code))
    data = appendix.as_json("vi")
    if as_json:
        _print_json(data)
        return
    for item in data["indicators"]:
        click.echo(f"{item['key']}\t{item['baseline']}\t{item['current']}\t"
                   f"{item['change_pct']}\t{item['units_reporting']}/{item['units_expected']}")


@review_group.command("report")
@click.argument("campaign")
@click.option("--area", default=None, help="One content area (e.g. 1.3); default: every area.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .docx file to write.")
@with_appcontext
def review_report(campaign: str, area: str | None, out: Path) -> None:
    """Write the province report (DOCX) of CAMPAIGN, one content area or all of them."""
    from survey_app.errors import UserError
    from survey_app.review import report_doc, services

    found = _campaign(campaign)
    try:
        document = report_doc.report_docx(db.session, found, area,
                                          threshold=current_app.config["MIN_GROUP_SIZE"])
    except UserError as exc:
        _fail(str(exc.message))
    out.write_bytes(document.data)
    services.record_export(db.session, found, area, actor=None, channel="cli")
    db.session.commit()
    state = _("draft (DỰ THẢO)") if document.is_draft else _("final")
    click.echo(_("Written %(path)s (%(state)s).", path=out, state=state))


@findings_group.command("list")
@click.argument("campaign")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def findings_list(campaign: str, as_json: bool) -> None:
    """Every finding of CAMPAIGN with its evidence and history."""
    from survey_app.review.findings import findings_json

    data = findings_json(db.session, _campaign(campaign))
    if as_json:
        _print_json(data)
        return
    for finding in data:
        click.echo(f"{finding['id']}\t{finding['area']}\t{finding['kind']}\t"
                   f"{finding['status']}\t{finding['text'][:60]}")
