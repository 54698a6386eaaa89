"""Administration: the unit tree and roster, user accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey_app.access import Perm, access
from survey_app.accounts import services as accounts
from survey_app.admin import bp
from survey_app.admin.forms import (
    PasswordResetForm,
    RosterUploadForm,
    UnitForm,
    UserCreateForm,
    UserEditForm,
)
from survey_app.errors import UserError
from survey_app.exports import xlsx_download
from survey_app.extensions import db
from survey_app.localtime import local_today
from survey_app.models.units import Unit
from survey_app.models.users import Department, User
from survey_app.units import picker, roster
from survey_app.units import services as units

T = TypeVar("T")


def _unit_choices(blank: str, exclude: Unit | None = None) -> list[picker.Choice]:
    """Units for a searchable select (survey_app/units/picker.py)."""
    return picker.unit_choices(db.session, blank, exclude)


def _department_choices() -> list[tuple[str, str]]:
    departments = db.session.scalars(select(Department).order_by(Department.name))
    return [("", _("— none —"))] + [(d.code, d.name) for d in departments]


def _save(form, save: Callable[[], T], done: Callable[[T], tuple[str, str]]):
    """Run ``save``; on success commit, flash ``done(result)``'s message and redirect to its
    URL; on a UserError roll back and show its message on the form (None: show the form)."""
    try:
        result = save()
    except UserError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc.message))
        return None
    db.session.commit()
    message, target = done(result)
    flash(message, "success")
    return redirect(target)


@bp.get("/")
@access(Perm.UNITS_VIEW)
def index():
    return redirect(url_for(".list_units"))


@bp.get("/units")
@access(Perm.UNITS_VIEW)
def list_units():
    query = request.args.get("q", "").strip()[:100]
    tree = units.unit_tree(db.session, query)
    return render_template("admin/list_units.html", tree=tree, query=query, today=local_today())


@bp.route("/units/new", methods=["GET", "POST"])
@access(Perm.UNITS_EDIT)
def create_unit():
    form = UnitForm()
    form.parent_code.choices = _unit_choices(_("— no parent (top level) —"))
    if request.method == "GET" and request.args.get("parent"):
        form.parent_code.data = request.args["parent"]
    if form.validate_on_submit():
        saved = _save(form, lambda: _save_unit(form, None), lambda unit: (
            _("Unit %(name)s added.", name=unit.name), url_for(".list_units", q=unit.code)))
        if saved:
            return saved
    return render_template("admin/edit_unit.html", form=form, unit=None)


def _save_unit(form: UnitForm, unit: Unit | None) -> Unit:
    return units.save_unit(
        db.session,
        code=form.code.data,
        name=form.name.data,
        kind=form.kind.data,
        parent_code=form.parent_code.data,
        unit=unit,
        actor=current_user,
        active_from=form.active_from.data,
        active_until=form.active_until.data,
    )


@bp.route("/units/<code>/edit", methods=["GET", "POST"])
@access(Perm.UNITS_EDIT)
def edit_unit(code: str):
    unit = units.get_unit(db.session, code) or abort(404)
    form = UnitForm(obj=unit)
    form.parent_code.choices = _unit_choices(_("— no parent (top level) —"), exclude=unit)
    if request.method == "GET":
        parent = db.session.get(Unit, unit.parent_id) if unit.parent_id else None
        form.parent_code.data = parent.code if parent else ""
    if form.validate_on_submit():
        saved = _save(form, lambda: _save_unit(form, unit), lambda unit: (
            _("Unit %(name)s saved.", name=unit.name), url_for(".list_units", q=unit.code)))
        if saved:
            return saved
    return render_template("admin/edit_unit.html", form=form, unit=unit)


@bp.route("/units/import", methods=["GET", "POST"])
@access(Perm.UNITS_EDIT)
def import_units():
    form = RosterUploadForm()
    refused = None
    if form.validate_on_submit():
        try:
            rows = roster.read_xlsx(form.file.data.read())
            result = roster.apply(db.session, rows, actor=current_user)
        except roster.RosterInvalid as exc:
            db.session.rollback()
            refused = exc
        else:
            db.session.commit()
            flash(
                _(
                    "Roster imported: %(created)d new, %(updated)d updated, %(unchanged)d "
                    "unchanged.",
                    created=result.created,
                    updated=result.updated,
                    unchanged=result.unchanged,
                ),
                "success",
            )
            return redirect(url_for(".list_units"))
    status = 400 if refused or form.errors else 200
    return render_template(
        "admin/import_units.html",
        form=form,
        refused=refused,
        total=format_decimal(refused.total) if refused else "",
        more=roster.more_problems_text(refused.more) if refused and refused.more else "",
    ), status


@bp.get("/units/export.xlsx")
@access(Perm.UNITS_VIEW)
def export_units():
    return xlsx_download(roster.export_xlsx(db.session), "don-vi.xlsx")


@bp.get("/users")
@access(Perm.USERS_MANAGE)
def list_users():
    query = request.args.get("q", "").strip()[:100]
    page = request.args.get("page", 1, type=int)
    result = accounts.search_users(db.session, query, page=page)
    return render_template("admin/list_users.html", result=result, query=query)


def _fill_user_choices(form, user: User | None = None) -> None:
    """The unit and department lists; with ``user``, selected as they are now."""
    form.unit_code.choices = _unit_choices(_("— none —"))
    form.department_code.choices = _department_choices()
    if user is not None:
        form.unit_code.data = user.unit.code if user.unit else ""
        form.department_code.data = user.department.code if user.department else ""


@bp.route("/users/new", methods=["GET", "POST"])
@access(Perm.USERS_MANAGE)
def create_user():
    form = UserCreateForm()
    _fill_user_choices(form)
    if form.validate_on_submit():
        saved = _save(
            form,
            lambda: accounts.create_user(
                db.session,
                form.username.data,
                form.password.data,
                form.role.data,
                unit_code=form.unit_code.data or None,
                department_code=form.department_code.data or None,
                full_name=form.full_name.data or "",
                actor=current_user,
            ),
            lambda user: (
                _("Account %(name)s created.", name=user.username), url_for(".list_users")),
        )
        if saved:
            return saved
    return render_template("admin/create_user.html", form=form)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@access(Perm.USERS_MANAGE)
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserEditForm(obj=user)
    _fill_user_choices(form, user if request.method == "GET" else None)
    if form.validate_on_submit():
        saved = _save(
            form,
            lambda: accounts.update_user(
                db.session,
                user,
                role=form.role.data,
                unit_code=form.unit_code.data or None,
                department_code=form.department_code.data or None,
                full_name=form.full_name.data or "",
                is_active=form.is_active.data,
                actor=current_user,
            ),
            lambda _result: (
                _("Account %(name)s saved.", name=user.username), url_for(".list_users")),
        )
        if saved:
            return saved
    return render_template(
        "admin/edit_user.html", form=form, user=user, password_form=PasswordResetForm(formdata=None)
    )


@bp.post("/users/<int:user_id>/password")
@access(Perm.USERS_MANAGE)
def reset_password(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    password_form = PasswordResetForm()
    if password_form.validate_on_submit():
        saved = _save(
            password_form,
            lambda: accounts.reset_password(
                db.session, user, password_form.password.data, actor=current_user
            ),
            lambda _result: (
                _("The password of %(name)s has been changed.", name=user.username),
                url_for(".list_users"),
            ),
        )
        if saved:
            return saved
    form = UserEditForm(obj=user, formdata=None)
    _fill_user_choices(form, user)
    return render_template(
        "admin/edit_user.html", form=form, user=user, password_form=password_form
    ), 400
