"""Survey forms in pages: the template helpers and the submit flow every area shares
(preview, inspections, unit reports, polls)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from flask import Flask
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _

from survey_app.surveys import rendering
from survey_app.surveys.model import Definition, QType
from survey_app.surveys.validation import ValidationResult, indicator_change, validate


def current_locale() -> str:
    return str(get_locale() or "vi")


def form_messages() -> dict[str, str]:
    """The texts the browser shows while checking answers (the server says the same)."""
    return {
        "required": _("This question is required."),
        "requiredMultiple": _("Choose at least one answer."),
        "requiredRow": _("Choose an answer for this row."),
        "integer": _("Enter a whole number."),
        "decimal": _("Enter a number, e.g. 12.5 or 12,5."),
        "date": _("Enter a date as YYYY-MM-DD, e.g. 2017-06-30."),
        "min": _("Enter a number of at least %(min)s.", min="{min}"),
        "max": _("Enter a number of at most %(max)s.", max="{max}"),
        "range": _("Enter a number between %(min)s and %(max)s.", min="{min}", max="{max}"),
        "maxLength": _("At most %(n)s characters.", n="{n}"),
        "constraint": _("This answer is not valid."),
        "choice": _("Choose one of the listed answers."),
        "errors": _("Some answers need attention."),
        "page": _("Part %(n)s of %(total)s", n="{n}", total="{total}"),
        "draftRestored": _("Your unsent answers on this phone were restored."),
        "draftDiscard": _("Start again"),
        "change": _("Change: %(diff)s (%(pct)s)", diff="{diff}", pct="{pct}"),
        "removeRow": _("Remove this row"),
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


def _signed(number: float) -> str:
    text = format_decimal(round(number, 2))
    return f"+{text}" if number > 0 else text


def indicator_change_text(baseline: str, current: str) -> str:
    """The computed change shown under an indicator, e.g. "Thay đổi: +12 (+15,3%)"."""

    def number(value: str) -> float | None:
        try:
            return float(value.replace(",", "."))
        except (AttributeError, ValueError):
            return None

    b, c = number(baseline), number(current)
    if b is None or c is None:
        return ""
    diff, pct = indicator_change(b, c)
    if diff is None:
        return ""
    pct_text = f"{_signed(pct)}%" if pct is not None else "—"
    return _("Change: %(diff)s (%(pct)s)", diff=_signed(diff), pct=pct_text)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        field_id=rendering.field_id,
        text=rendering.text,
        client_schema=rendering.client_schema,
        repeat_row_count=rendering.repeat_row_count,
        indicator_change_text=indicator_change_text,
        form_messages=form_messages,
    )


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
