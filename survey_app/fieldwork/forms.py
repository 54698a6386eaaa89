"""The plan page's forms: their shape only (the plan's rules are in services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from survey_app.forms import BaseForm
from survey_app.units.picker import PICKER_ATTRS


class TeamForm(BaseForm):
    name = StringField(
        _l("Team name"),
        validators=[DataRequired(message=_l("Give the team a name.")), Length(max=120)],
    )
    leader = SelectField(
        _l("Team leader"),
        choices=[],
        validators=[DataRequired(message=_l("Choose the team leader."))],
    )
    #: Drawn as check boxes by the template; the leader is a member in any case.
    members = SelectMultipleField(_l("Members"), choices=[])


class VisitForm(BaseForm):
    unit = SelectField(
        _l("Unit to inspect"),
        choices=[],
        validators=[DataRequired(message=_l("Choose the unit to inspect."))],
        render_kw=PICKER_ATTRS,
    )
    team = SelectField(
        _l("Team"), choices=[], validators=[DataRequired(message=_l("Choose the team."))]
    )
    visit_date = DateField(
        _l("Day of the visit"),
        validators=[InputRequired(message=_l("Enter the day of the visit."))],
    )
