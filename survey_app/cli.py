"""The ``survey-app`` command line: a FlaskGroup over ``create_app``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from alembic.util import CommandError
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_migrate import upgrade
from sqlalchemy.exc import SQLAlchemyError

from survey_app.extensions import db


def _create_app() -> Flask:
    from survey_app import create_app
    from survey_app.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        click.secho(_in_vietnamese(exc), err=True, fg="red")
        sys.exit(1)


def _in_vietnamese(exc: Exception) -> str:
    """The message of an error raised before the app exists, translated as the app would."""
    from flask_babel import Babel

    from survey_app.config import PROJECT_ROOT

    bare = Flask(__name__)
    bare.config.update(
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_TRANSLATION_DIRECTORIES=str(PROJECT_ROOT / "survey_app" / "translations"),
    )
    Babel(bare)
    with bare.app_context():
        return _("Error: %(message)s", message=str(exc))


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Survey app for union inspection fieldwork."""


def fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.command("bootstrap")
@with_appcontext
def bootstrap_command() -> None:
    """Apply migrations and load first-run data (departments, roster, admin)."""
    from survey_app.accounts.services import bootstrap

    try:
        upgrade()
        result = bootstrap(db.session)
        db.session.commit()
        _sync()
    except (SQLAlchemyError, CommandError) as exc:
        db.session.rollback()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        fail(_("Error: the database %(url)s cannot be used: %(reason)s",
               url=db.engine.url.render_as_string(hide_password=True), reason=reason))
    from survey_app.campaigns.cli import sync_campaign_files

    sync_campaign_files()  # a broken campaign file is named; the app still starts
    click.echo(
        _("Ready: %(d)d departments and %(u)d units loaded.", d=result.departments, u=result.units)
    )
    if result.admin_password:
        click.echo("")
        click.echo("=" * 60)
        click.echo(_("The first administrator account (shown only this once):"))
        click.echo("  " + _("username: %(name)s", name="admin"))
        click.echo("  " + _("password: %(password)s", password=result.admin_password))
        click.echo("=" * 60)


units_group = click.Group("units", help="The union unit roster.")


@units_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def units_export(path: Path) -> None:
    """Write the roster to PATH (.xlsx)."""
    from survey_app.units import roster

    path.write_bytes(roster.export_xlsx(db.session))
    click.echo(_("Roster written to %(path)s.", path=path))


@units_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def units_import(path: Path) -> None:
    """Add and update units from PATH (.xlsx); refuse the whole file on any problem."""
    from survey_app.units import roster

    try:
        rows = roster.read_xlsx(path)
        result = roster.apply(db.session, rows)
    except roster.RosterInvalid as exc:
        db.session.rollback()
        click.echo(
            _(
                "%(path)s was not imported: %(n)s problem(s), nothing saved.",
                path=path,
                n=format_decimal(exc.total),
            ),
            err=True,
        )
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        if exc.more:
            click.echo(f"  {roster.more_problems_text(exc.more)}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(
        _(
            "Imported %(path)s: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.",
            path=path,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    )


users_group = click.Group("users", help="User accounts.")


@users_group.command("create")
@click.argument("username")
@click.option(
    "--role", required=True, help="admin, office, reviewer, organization, inspector, reporter"
)
@click.option("--unit", "unit_code", default=None, help="Unit code (for reporters).")
@click.option("--department", "department_code", default=None, help="Department code (reviewers).")
@click.option("--name", "full_name", default="", help="Full name.")
@with_appcontext
def users_create(username, role, unit_code, department_code, full_name) -> None:
    """Create a user; the password is asked twice (or read from standard input)."""
    from survey_app.accounts.services import AccountError, _resolve, create_user

    try:
        _resolve(db.session, role, unit_code, department_code)  # fail before asking
    except AccountError as exc:
        fail(_("Error: %(message)s", message=exc.message))
    if sys.stdin.isatty():
        password = click.prompt(
            _("Password"), hide_input=True, confirmation_prompt=_("Repeat the password")
        )
    else:
        lines = sys.stdin.read().splitlines()
        password = lines[0] if lines else ""
        if len(lines) > 1 and lines[1] != password:
            fail(_("Error: the two passwords do not match."))
    try:
        user = create_user(
            db.session,
            username,
            password,
            role,
            unit_code=unit_code,
            department_code=department_code,
            full_name=full_name,
        )
    except AccountError as exc:
        db.session.rollback()
        fail(_("Error: %(message)s", message=exc.message))
    db.session.commit()
    click.echo(_("Created the account %(name)s (%(role)s).", name=user.username, role=user.role))


surveys_group = click.Group("surveys", help="Survey definitions (files in surveys/).")


@surveys_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@with_appcontext
def surveys_check(paths: tuple[Path, ...]) -> None:
    """Check survey definitions (default: every file in surveys/)."""
    from survey_app.surveys.loader import check_paths

    definitions, problems = check_paths(paths or [current_app.config["SURVEYS_PATH"]])
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        fail(_("%(n)d problem(s) found.", n=len(problems)))
    click.echo(_("%(n)d survey definition(s) are valid.", n=len(definitions)))


@surveys_group.command("eval")
@click.argument("expression")
@click.option("--answers", "answers_json", default="{}", help='Answers as JSON: {"q1": "yes"}')
@click.option("--current", default=None, help="The value of `.` (the answer being checked).")
@click.option("--today", default=None, help="The date today() returns (YYYY-MM-DD).")
@with_appcontext
def surveys_eval(
    expression: str, answers_json: str, current: str | None, today: str | None
) -> None:
    """Evaluate one expression with the server's evaluator and print the result as JSON."""
    import json
    from datetime import date

    from survey_app.surveys import expressions

    try:
        answers = json.loads(answers_json)
        if not isinstance(answers, dict):
            raise ValueError
    except ValueError:
        fail(_('Error: --answers must be a JSON object, e.g. {"q1": "yes"}.'))
    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        fail(_("Error: --today must be a date like 2017-09-15."))
    value = current
    if current is not None:
        try:
            value = json.loads(current)
        except ValueError:
            value = current
    try:
        tree = expressions.parse(expression)
    except expressions.ExpressionError as exc:
        fail(
            _(
                "Error in the expression at column %(column)s: %(message)s",
                column=exc.column,
                message=exc.message,
            )
        )
    result = expressions.evaluate(tree, answers, current=value, today=day)
    click.echo(json.dumps(expressions.to_json_value(result), ensure_ascii=False))


@surveys_group.command("sync")
@with_appcontext
def surveys_sync() -> None:
    """Load the files in surveys/ into the database as versions."""
    report = _sync()
    if report.problems:
        sys.exit(1)


def _sync():
    from survey_app.registry.services import sync_surveys

    report = sync_surveys(db.session, current_app.config["SURVEYS_PATH"])
    db.session.commit()
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(
        _(
            "Surveys: %(created)d new, %(replaced)d replaced, %(versions)d new versions, "
            "%(same)d unchanged, %(removed)d no longer in surveys/, %(bad)d file(s) "
            "with problems.",
            created=len(report.created),
            replaced=len(report.replaced),
            versions=len(report.new_versions),
            same=len(report.unchanged),
            removed=len(report.deactivated),
            bad=len({p.file for p in report.problems}),
        )
    )
    return report


@surveys_group.command("import-xlsform")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", required=True, help="The survey key; the file becomes surveys/KEY.yaml.")
@click.option("--force", is_flag=True, help="Overwrite an existing surveys/KEY.yaml.")
@with_appcontext
def surveys_import_xlsform(path: Path, key: str, force: bool) -> None:
    """Turn an XLSForm into surveys/KEY.yaml (nothing is written when anything is wrong)."""
    from survey_app.surveys.xlsform import XLSFormError, import_xlsform

    target = Path(current_app.config["SURVEYS_PATH"]) / f"{key}.yaml"
    if target.exists() and not force:
        fail(_("Error: %(path)s already exists; use --force to replace it.", path=target))
    try:
        result = import_xlsform(path, key)
    except XLSFormError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        fail(
            _(
                "%(path)s was not imported: %(n)d problem(s), nothing written.",
                path=path,
                n=len(exc.problems),
            )
        )
    for warning in result.warnings:
        click.echo(_("Warning: %(warning)s", warning=warning), err=True)
    target.write_text(result.yaml_text, encoding="utf-8")
    click.echo(_("Written %(path)s. Check it, then run: survey-app surveys sync", path=target))


@surveys_group.command("export-xlsform")
@click.argument("key")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def surveys_export_xlsform(key: str, path: Path) -> None:
    """Write survey KEY (as in surveys/KEY.yaml) as an XLSForm workbook."""
    from survey_app.surveys.loader import DefinitionError, load_file
    from survey_app.surveys.xlsform import export_xlsform

    source = Path(current_app.config["SURVEYS_PATH"]) / f"{key}.yaml"
    if not source.exists():
        fail(_("Error: there is no survey file %(path)s.", path=source))
    try:
        definition = load_file(source)
    except DefinitionError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        fail(_("Error: fix the survey file first."))
    path.write_bytes(export_xlsform(definition))
    click.echo(_("Written %(path)s.", path=path))


polls_group = click.Group("polls", help="Worker poll links and their QR codes.")


def _iso(value: str | None, option: str):
    from survey_app.localtime import parse_local

    try:
        return parse_local(value)
    except ValueError:
        fail(_("Error: %(option)s must be a date and time like 2017-09-30T17:00.",
               option=option))


@polls_group.command("create")
@click.argument("survey_key")
@click.argument("unit_code")
@click.option("--opens", default=None, help="When answers start (ISO 8601, Vietnam time).")
@click.option("--closes", default=None, help="When answers stop (ISO 8601, Vietnam time).")
@click.option("--cap", type=click.IntRange(min=1), default=None, help="Most answers accepted.")
@click.option("--campaign", "campaign_key", default=None, help="The campaign it belongs to.")
@with_appcontext
def polls_create(survey_key, unit_code, opens, closes, cap, campaign_key) -> None:
    """Make a poll link for SURVEY_KEY at UNIT_CODE; the last line printed is the link."""
    from survey_app.errors import UserError
    from survey_app.polls import services

    try:
        link = services.create_link(db.session, survey_key, unit_code,
                                    opens_at=_iso(opens, "--opens"),
                                    closes_at=_iso(closes, "--closes"), max_responses=cap,
                                    campaign_key=campaign_key)
    except UserError as exc:
        db.session.rollback()
        fail(_("Error: %(message)s", message=exc.message))
    db.session.commit()
    click.echo(_("Poll link for %(unit)s (token %(token)s):", unit=link.unit.name,
                 token=link.token))
    click.echo(services.poll_url(current_app.config["BASE_URL"], link))


@polls_group.command("qr")
@click.argument("token")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def polls_qr(token: str, out: Path) -> None:
    """Write the QR code of poll link TOKEN to OUT (.png, or .svg)."""
    from survey_app.polls import services

    link = services.find_target(db.engine, token)
    if link is None:
        fail(_("Error: there is no poll link %(token)s.", token=token))
    url = services.poll_url(current_app.config["BASE_URL"], link)
    if out.suffix.lower() == ".svg":
        out.write_text(services.qr_svg(url), encoding="utf-8")
    else:
        out.write_bytes(services.qr_png(url))
    click.echo(_("Written %(path)s.", path=out))


@polls_group.command("settle")
@with_appcontext
def polls_settle() -> None:
    """Rewrite the poll answers of past days in random order (daily, from a timer)."""
    from survey_app.localtime import local_today
    from survey_app.polls import services

    with db.engine.begin() as connection:
        count = services.settle(connection, before=local_today())
    if count and db.engine.dialect.name == "postgresql":
        # The old row versions (with their transaction ids) out of the tables' reach.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM poll_answers, poll_responses")
    click.echo(_("Poll responses of earlier days rewritten: %(n)d.", n=count))


def register_commands(app: Flask) -> None:
    from survey_app.campaigns.cli import campaigns_group
    from survey_app.fieldwork.cli import plan_group
    from survey_app.reports.cli import reports_group
    from survey_app.review.cli import findings_group, review_group

    app.cli.add_command(bootstrap_command)
    app.cli.add_command(campaigns_group)
    app.cli.add_command(plan_group)
    app.cli.add_command(reports_group)
    app.cli.add_command(review_group)
    app.cli.add_command(findings_group)
    app.cli.add_command(polls_group)
    app.cli.add_command(surveys_group)
    app.cli.add_command(units_group)
    app.cli.add_command(users_group)


if __name__ == "__main__":
    main()
