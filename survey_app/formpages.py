"""Survey forms in pages: the template helpers and the submit flow every area shares
(preview, inspections, unit reports, polls)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import Flask
from flask_babel import (
    format_date,
    format_datetime,
    get_locale,
    ngettext,
)
from flask_babel import gettext as _

from survey_app.surveys import rendering
from survey_app.surveys.model import NUMBER_TYPES, Definition, QType
from survey_app.surveys.numbers import NumberProblem, format_number, parse_number
from survey_app.surveys.validation import (
    ValidationResult,
    indicator_change,
    number_message,
    validate,
)


def current_locale() -> str:
    return str(get_locale() or "vi")


def form_messages(definition: Definition | None = None, *, drafts: bool = False) -> dict[str, str]:
    """The texts the browser shows while checking answers (the server says the same).

    Only those the form can need (all without a definition): a worker poll asks no numbers,
    dates or repeats, and its page must stay light on a cheap phone. ``drafts``: the form
    has buttons that keep a draft on the server.
    """
    types = {q.type for q in definition.all_questions()} if definition else set(QType)
    messages = {
        "required": _("This question is required."),
        "requiredMultiple": _("Choose at least one answer."),
        "requiredRow": _("Choose an answer for this row."),
        "maxLength": _("At most %(n)s characters.", n="{n}"),
        "constraint": _("This answer is not valid."),
        "choice": _("Choose one of the listed answers."),
        "errors": _("Some answers need attention."),
        "page": _("Part %(n)s of %(total)s", n="{n}", total="{total}"),
        "draftRestored": _("Your unsent answers on this phone were restored."),
        "draftDiscard": _("Start again"),
        # Sending (static/js/send.js): what happened, what to do; the answers always stay.
        "sending": _("Sending…"),
        "sendFailed": _("Not sent."),
        "sendNetwork": _(
            "There is no connection to the server. Check the mobile data or Wi-Fi, "
            "then press Send again."
        ),
        "sendSession": _(
            "You have been signed out. Sign in again: you will come back to this form with "
            "your answers, ready to send."
        ),
        "sendStale": _("The page was open for a long time. Press Send again."),
        "sendTooLarge": _(
            "The answers are too long to send. Shorten the longest ones, then press Send again."
        ),
        "sendBusy": _(
            "Many answers were sent from this network just now. Wait a minute, "
            "then press Send again."
        ),
        "sendServer": _(
            "The server had a problem. Wait a moment, then press Send again; if it keeps "
            "happening, try again later."
        ),
        "sendNoAck": _(
            "The server did not confirm that it received the answers. Check the connection "
            "(some Wi-Fi networks first ask you to sign in), then press Send again."
        ),
        "sendRefused": _("The server refused the answers. Reload the page and try again."),
        "sendKept": _("Nothing is lost: every answer is still here."),
        "sendAgain": _("Send again"),
        "signInAgain": _("Sign in again"),
    }
    if types & NUMBER_TYPES:
        messages |= {
            "min": _("Enter a number of at least %(min)s.", min="{min}"),
            "max": _("Enter a number of at most %(max)s.", max="{max}"),
            "range": _("Enter a number between %(min)s and %(max)s.", min="{min}", max="{max}"),
            **_number_messages(),
        }
    if QType.INDICATOR in types:
        messages["change"] = _("Change: %(diff)s (%(pct)s)", diff="{diff}", pct="{pct}")
    if QType.PHONE in types:
        messages["phone"] = _("Enter the phone number in digits only, e.g. 0905123456.")
    if QType.DATE in types:
        messages["date"] = _("Enter a date as YYYY-MM-DD, e.g. 2017-06-30.")
    if QType.REPEAT in types:
        messages["removeRow"] = _("Remove this row")
    if drafts:
        messages["draftOffline"] = _(
            "No connection: the draft stays on this phone. Save it to the server once there "
            "is a connection; sending the form needs no connection."
        )
        messages["actionOffline"] = _(
            "No connection: this needs one. Try again once there is a signal."
        )
    return messages


def _number_messages() -> dict[str, str]:
    """The server's words for refused numbers (validation.number_message), by the code the
    page's skip-logic.js gives, with {placeholders} for what the page fills in."""
    slots = {"thousands": "{thousands}", "decimal": "{decimal}", "written": "{written}", "n": "{n}"}

    def words(code: str, *, integer: bool = False) -> str:
        return number_message(NumberProblem(code, slots), integer=integer)

    codes = ("fraction", "spaces", "grouping", "ambiguous", "english", "decimals", "large")
    return {
        "integer": words("malformed", integer=True),
        "decimal": words("malformed"),
        **{code: words(code) for code in codes},
        "ambiguousInteger": words("ambiguous", integer=True),
    }


def _signed(number: float) -> str:
    """A change with its sign, to two decimals: +12; -0,5; 0 (survey-form.js's signed)."""
    text = format_number(number, 2)
    return f"+{text}" if number > 0 and text != "0" else text


def _number(value: str | float | None) -> float | None:
    """A stored number as it is; typed text read by the one rule (numbers.parse_number)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return None
    number, _problem = parse_number(value)
    return number


def indicator_change_text(baseline: str | float | None, current: str | float | None) -> str:
    """The computed change shown under an indicator, e.g. "Thay đổi: +12 (+15,3%)", from
    what was typed (the form) or what was stored (a response)."""
    b, c = _number(baseline), _number(current)
    if b is None or c is None:
        return ""
    diff, pct = indicator_change(b, c)
    if diff is None:
        return ""
    pct_text = f"{_signed(pct)}%" if pct is not None else "—"
    return _("Change: %(diff)s (%(pct)s)", diff=_signed(diff), pct=pct_text)


def percent(share: float | None) -> str:
    """A share as people read it: "46,7%"; "" for none. Written the Vietnamese way in every
    language, like every number the app shows (and reads: 12,5 is typed in English too)."""
    if share is None:
        return ""
    text = format_number(share * 100, 1)
    return f"{text if ',' in text else text + ',0'}%"  # one decimal always: columns align


def format_day(value: date | str | None) -> str:
    """A day as people here write it, in every language: 30/09/2017 (an ISO string too)."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return format_date(value, "dd/MM/yyyy")


def format_moment(value: datetime | None) -> str:
    """A moment in Vietnam time: 30/09/2017 17:00."""
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


#: A scale whose every choice label is this short (1-5, 0-10…) fits one row at 320 px.
SHORT_SCALE_LABEL = 3
SHORT_SCALE_CHOICES = 7


def scale_style(definition: Definition | object) -> str:
    """How every scale of a form is drawn, so that a form has one scale style (issue 9,
    item 8): "compact" (one row of buttons at every width) when every rating and matrix has
    at most 7 short labels, else "scale" (a list on a phone, one row where words fit)."""
    if not isinstance(definition, Definition):  # a page without a definition
        return "scale"
    for question in definition.questions():
        if question.type not in (QType.RATING, QType.MATRIX):
            continue
        labels = [text for c in question.choices for text in c.label.as_dict().values()]
        if len(question.choices) > SHORT_SCALE_CHOICES or any(
            len(label) > SHORT_SCALE_LABEL for label in labels
        ):
            return "scale"
    return "compact"


def _survey_title(survey) -> str:
    """{{ survey_title(survey) }}: in the reader's language where the definition has it."""
    from survey_app.registry.services import survey_title

    return survey_title(survey, current_locale())


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters.update(day=format_day, moment=format_moment)
    app.jinja_env.globals.update(
        field_id=rendering.field_id,
        text=rendering.text,
        client_schema=rendering.client_schema,
        repeat_row_count=rendering.repeat_row_count,
        stored_row_count=rendering.stored_row_count,
        indicator_change_text=indicator_change_text,
        form_messages=form_messages,
        percent=percent,
        scale_style=scale_style,
        survey_title=_survey_title,
    )
    # Every number a page shows: {{ value|number }} gives 1.250 and 12,5 (issue 9).
    app.jinja_env.filters["number"] = format_number


def outbox_info(
    survey_key: str,
    version: int,
    title: str,
    *,
    unit: str | None = None,
    visit: int | None = None,
) -> dict:
    """What a form's answers carry into the phone's outbox when there is no connection
    (issue 12: the survey and its version, and the unit or visit they belong to), shown on
    the outbox page and kept with its receipt."""
    return {"survey": survey_key, "version": version, "title": title, "unit": unit,
            "visit": visit}


@dataclass
class Submission:
    """What a POSTed survey form amounts to."""

    values: dict[str, list[str]]
    response_id: str
    result: ValidationResult | None = None
    #: Set when the person asked for another repeat row (no JavaScript): show the form again.
    added_row: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_complete(self) -> bool:
        return self.result is not None and self.result.ok and self.added_row is None


def invalid_answers(errors: dict[str, str]):
    """A JSON answer to a form sent by survey-form.js that the server refused: the page
    shows each message where the server's own page would, and keeps every answer."""
    message = ngettext(
        "%(num)d answer needs attention.", "%(num)d answers need attention.", len(errors)
    )
    return {"errors": errors, "message": message}, 422


def new_response_id() -> str:
    return str(uuid.uuid4())


def read_submission(definition: Definition, form, *, today: date) -> Submission:
    """Compact repeats, handle "add a row", and validate what was sent."""
    values = rendering.compact_repeats(definition, rendering.form_lists(form))
    response_id = (values.get("_response_id") or [""])[0] or new_response_id()
    added = (values.get("_add_row") or [None])[0]
    repeat = definition.question(added) if added else None
    if repeat is not None and repeat.type is QType.REPEAT:
        rows = rendering.repeat_row_count(repeat, values)
        if rows < repeat.max_rows:
            # an empty row ready to fill: one field of the new row, blank
            values[f"{repeat.key}.{rows}.{repeat.questions[0].key}"] = [""]
        return Submission(values=values, response_id=response_id, added_row=repeat.key)
    answers = {k: v for k, v in values.items() if not k.startswith("_") and k != "csrf_token"}
    result = validate(definition, answers, today=today)
    return Submission(
        values=values, response_id=response_id, result=result, errors=dict(result.errors)
    )


def post_form(
    definition: Definition,
    form,
    *,
    store: Callable[[uuid.UUID, list], bool],
    done_url: Callable[[uuid.UUID], str],
    show: Callable[[dict, dict, str, int], object],
    today: date,
    done_message: str | None = None,
):
    """The POST of a staff survey form, the same for every area that has one (the catalog's
    fill page, a visit's checklist, a unit's report).

    Reads and checks the answers; when complete calls ``store(response id, answers)``
    (True when it stored them, False for a replay of that id), commits, and acknowledges:
    a redirect to ``done_url``, or for survey-form.js (asking for JSON) ``{id, url,
    created}`` — the page keeps its draft until it reads this (the phone's outbox, saying
    ``X-Outbox``, gets no "thank you" for a next page it never opens). A refusal by ``store`` (a
    UserError) is rolled back and said, the answers kept: under a new submission number when
    the number itself belonged to someone else. Otherwise ``show(values, errors, response
    id, status)`` draws the form again. ``done_message``: what the next page says instead of
    the usual thanks.
    """
    from flask import flash, redirect, request

    from survey_app.errors import UserError, json_requested, render_error
    from survey_app.extensions import db
    from survey_app.responses.services import ReplayRefused, parse_response_id

    submission = read_submission(definition, form, today=today)
    values, response_id, errors = submission.values, submission.response_id, submission.errors
    if submission.is_complete:
        stored_id = parse_response_id(response_id)
        try:
            created = store(stored_id, submission.result.answers)
        except UserError as exc:
            db.session.rollback()
            if json_requested():
                return render_error(exc.status, str(exc.message))
            flash(str(exc.message), "error")
            flash(_("Your answers are kept below: press Send again to save them."), "error")
            if isinstance(exc, ReplayRefused):
                # sent again, the answers are saved as this person's own
                response_id = new_response_id()
            return show(values, errors, response_id, exc.status)
        db.session.commit()
        if not request.headers.get("X-Outbox"):
            # on the next page; the phone's outbox sends in the background: no next page
            flash(done_message or _("Thank you: your answers have been saved."), "success")
        url = done_url(stored_id)
        if json_requested():
            return {"id": str(stored_id), "url": url, "created": created}, (
                201 if created else 200
            )
        return redirect(url, 303)
    if errors and json_requested():
        return invalid_answers(errors)
    return show(values, errors, response_id, 400 if errors else 200)
