from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from survey_app.forms import BaseForm
from survey_app.models.units import CODE_MAX_LENGTH, CODE_RE, CODE_RULE_MESSAGE, UnitKind
from survey_app.models.users import Role
from survey_app.units.picker import PICKER_ATTRS

# The rule of survey_app.models.units, which the service and the roster import apply too.
CODE_RULE = Regexp(CODE_RE.pattern + r"\Z", message=CODE_RULE_MESSAGE)


def kind_choices():
    return [(k.value, k.label) for k in UnitKind]


def role_choices():
    return [(r.value, r.label) for r in Role]


def new_role_choices():
    """No role is chosen for a new account until the admin picks one (issue 9)."""
    return [("", _l("— Choose a role —")), *role_choices()]


class UnitForm(BaseForm):
    code = StringField(
        _l("Code"), validators=[DataRequired(), Length(max=CODE_MAX_LENGTH), CODE_RULE]
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=kind_choices, validators=[DataRequired()])
    parent_code = SelectField(
        _l("Parent unit"), choices=[], validators=[Optional()], render_kw=PICKER_ATTRS
    )
    # Units set up or dissolved during a campaign (issue 11): they owe a report only when
    # active on its deadline.
    active_from = DateField(_l("Active from"), validators=[Optional()])
    active_until = DateField(_l("Dissolved on"), validators=[Optional()])


class RosterUploadForm(BaseForm):
    file = FileField(
        _l("Roster file (.xlsx)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["xlsx"], _l("Only Excel .xlsx files can be imported.")),
        ],
    )


def _new_password_fields(label) -> tuple[PasswordField, PasswordField]:
    """A new password and its repetition (at least 8 characters, both the same)."""
    password = PasswordField(
        label,
        validators=[DataRequired(), Length(min=8, max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class UserCreateForm(BaseForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=80)],
        render_kw={"autocapitalize": "none"},
    )
    full_name = StringField(_l("Full name"), validators=[Length(max=200)])
    role = SelectField(
        _l("Role"),
        choices=new_role_choices,
        validators=[DataRequired(message=_l("Choose the role of the new account."))],
    )
    unit_code = SelectField(
        _l("Unit"), choices=[], validators=[Optional()], render_kw=PICKER_ATTRS
    )
    department_code = SelectField(_l("Department"), choices=[], validators=[Optional()])
    password, confirm = _new_password_fields(_l("Password"))


class UserEditForm(BaseForm):
    full_name = StringField(_l("Full name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    unit_code = SelectField(
        _l("Unit"), choices=[], validators=[Optional()], render_kw=PICKER_ATTRS
    )
    department_code = SelectField(_l("Department"), choices=[], validators=[Optional()])
    is_active = BooleanField(_l("Account active"))


class PasswordResetForm(BaseForm):
    password, confirm = _new_password_fields(_l("New password"))
