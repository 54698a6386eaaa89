"""The ``survey-app`` command line: a FlaskGroup over ``create_app``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from flask_babel import gettext as _
from flask_migrate import upgrade

from survey_app.extensions import db


def _create_app() -> Flask:
    from survey_app import create_app

    return create_app()


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

    upgrade()
    result = bootstrap(db.session)
    db.session.commit()
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
                "%(path)s was not imported: %(n)d problem(s), nothing saved.",
                path=path,
                n=len(exc.problems),
            ),
            err=True,
        )
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
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


def register_commands(app: Flask) -> None:
    app.cli.add_command(bootstrap_command)
    app.cli.add_command(units_group)
    app.cli.add_command(users_group)


if __name__ == "__main__":
    main()
