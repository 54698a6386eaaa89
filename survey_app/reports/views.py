"""Unit reports in pages: a unit's own report (fill in, keep a draft, attach the signed
document, send), the upper level reading and returning it, and the completeness dashboard.

Which unit a page is about comes from ``?unit=CODE`` or the user's own unit, and what the
user may do with it from ``services.access_to``: never from the URL or the form alone.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from survey_app.access import Perm, access
from survey_app.campaigns.services import config_of, get_campaign
from survey_app.extensions import db
from survey_app.formpages import current_locale, new_response_id, outbox_info, post_form
from survey_app.localtime import local_today
from survey_app.models.base import utcnow
from survey_app.models.campaigns import Campaign
from survey_app.models.units import Unit, UnitKind
from survey_app.models.users import Role, User
from survey_app.reports import bp, services
from survey_app.surveys import rendering
from survey_app.surveys.numbers import format_number

#: One-time note that the page shows a draft the server has just kept (survey-form.js then
#: lets it replace the draft on the device).
FRESH_DRAFT = "reports_fresh_draft"


def _folder() -> Path:
    """The signed documents: in the instance folder, outside the web root."""
    return Path(current_app.instance_path) / "attachments"


def _code() -> str | None:
    return (request.args.get("unit") or "").strip()[:40] or None


def _report_url(campaign: Campaign, unit: Unit, **values) -> str:
    own = current_user.unit_id == unit.id and current_user.role == Role.REPORTER.value
    return url_for(".show_report", key=campaign.key, unit=None if own else unit.code, **values)


def _unit(campaign_key: str) -> tuple[Campaign, Unit, services.Access]:
    campaign = get_campaign(db.session, campaign_key)
    unit, unit_access = services.unit_for(db.session, current_user, _code())
    return campaign, unit, unit_access


@bp.get("/campaigns/<key>/report")
@access(Perm.REPORTS_READ)
def show_report(key: str):
    if _code() is None and (current_user.role != Role.REPORTER.value
                            or current_user.unit_id is None):
        # the Office and departments file no report of their own: they follow everyone's
        return redirect(url_for(".list_reports", key=key))
    campaign, unit, unit_access = _unit(key)
    fresh = session.pop(FRESH_DRAFT, None) == f"{campaign.key}:{unit.code}"
    return _report_page(campaign, unit, unit_access, draft_fresh=fresh)


@bp.post("/campaigns/<key>/report")
@access(Perm.REPORTS_FILE)
def submit_report(key: str):
    campaign, unit, unit_access = _unit(key)
    services.check_may_file(unit_access)
    today = local_today()
    form = services.report_form(db.session, campaign)

    def store(response_id, answers) -> bool:
        return services.send_report(
            db.session, campaign, unit, response_id, answers, version_id=form.version_id,
            survey_id=form.survey_id, user=current_user, access=unit_access, today=today,
            now=utcnow())

    return post_form(
        form.definition,
        request.form,
        store=store,
        done_url=lambda _stored_id: _report_url(campaign, unit),
        show=lambda values, errors, response_id, status: _report_page(
            campaign, unit, unit_access, values=values, errors=errors, response_id=response_id,
            status=status),
        today=today,
        done_message=_("The report has been sent to the upper level."),
    )


def _posted_values(campaign: Campaign) -> dict[str, list[str]]:
    definition = services.report_form(db.session, campaign).definition
    return rendering.compact_repeats(definition, rendering.form_lists(request.form))


def _refused(exc, campaign, unit, unit_access, values):
    """The report page again with what was posted and the service's reason, nothing saved."""
    db.session.rollback()
    flash(str(exc.message), "error")
    return _report_page(campaign, unit, unit_access, values=values, status=exc.status)


@bp.post("/campaigns/<key>/report/draft")
@access(Perm.REPORTS_FILE)
def save_draft(key: str):
    campaign, unit, unit_access = _unit(key)
    values = _posted_values(campaign)
    try:
        services.save_draft(db.session, campaign, unit, values, user=current_user,
                            access=unit_access, today=local_today())
    except services.ReportError as exc:
        return _refused(exc, campaign, unit, unit_access, values)
    db.session.commit()
    flash(_("The draft is kept on the server: you can carry on from any device."), "success")
    session[FRESH_DRAFT] = f"{campaign.key}:{unit.code}"
    return redirect(_report_url(campaign, unit), 303)


@bp.post("/campaigns/<key>/report/prefill")
@access(Perm.REPORTS_FILE)
def prefill_report(key: str):
    campaign, unit, unit_access = _unit(key)
    values = _posted_values(campaign)
    definition = services.report_form(db.session, campaign).definition
    try:
        _report, filled = services.prefill_from_children(
            db.session, campaign, unit, values, definition, user=current_user,
            access=unit_access, today=local_today())
    except services.ReportError as exc:
        return _refused(exc, campaign, unit, unit_access, values)
    db.session.commit()
    session[FRESH_DRAFT] = f"{campaign.key}:{unit.code}"
    if not filled:
        flash(_("No figure was filled in: the empty ones have no figures from the units under "
                "yours yet, and figures already typed are kept."), "success")
        return redirect(_report_url(campaign, unit), 303)
    flash(ngettext(
        "%(num)d figure was filled in from the reports of the units under yours; check "
        "them, then send.",
        "%(num)d figures were filled in from the reports of the units under yours; check "
        "them, then send.", len(filled)), "success")
    # the form opens on the first part with a figure filled in (survey-form.js reads #s-KEY)
    keys = {name.removesuffix(".baseline") for name in filled}
    section = next(s.key for s in definition.sections if any(q.key in keys for q in s.questions))
    return redirect(_report_url(campaign, unit, _anchor=f"s-{section}"), 303)


@bp.post("/campaigns/<key>/report/return")
@access(Perm.REPORTS_READ)
def return_report(key: str):
    campaign, unit, unit_access = _unit(key)
    reason = request.form.get("reason", "")
    try:
        services.return_report(db.session, campaign, unit, reason, user=current_user,
                               access=unit_access)
    except services.ReportError as exc:
        db.session.rollback()
        return _report_page(campaign, unit, unit_access, return_reason=reason,
                            return_error=str(exc.message), status=exc.status)
    db.session.commit()
    flash(_("The report was returned to %(unit)s with your reason.", unit=unit.name), "success")
    return redirect(_report_url(campaign, unit), 303)


@bp.post("/campaigns/<key>/report/attachments")
@access(Perm.REPORTS_FILE)
def upload_attachment(key: str):
    campaign, unit, unit_access = _unit(key)
    upload = request.files.get("document")
    data = upload.stream.read(services.MAX_ATTACHMENT_BYTES + 1) if upload else b""
    try:
        attachment = services.attach(
            db.session, campaign, unit, upload.filename if upload else "", data,
            user=current_user, access=unit_access, folder=_folder(), today=local_today())
    except services.ReportError as exc:
        db.session.rollback()
        return _report_page(campaign, unit, unit_access, upload_error=str(exc.message),
                            status=exc.status)
    db.session.commit()
    flash(_("%(name)s is attached to the report.", name=attachment.original_name), "success")
    return redirect(_report_url(campaign, unit, _anchor="attachments"), 303)


@bp.get("/campaigns/<key>/report/attachments/<int:attachment_id>")
@access(Perm.REPORTS_READ)
def download_attachment(key: str, attachment_id: int):
    campaign = get_campaign(db.session, key)
    attachment = services.attachment_for(db.session, current_user, campaign, attachment_id)
    path = services.attachment_file(_folder(), attachment)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name, max_age=0, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _report_page(campaign: Campaign, unit: Unit, unit_access: services.Access, *,
                 values: dict | None = None, errors: dict | None = None,
                 response_id: str | None = None, status: int = 200,
                 draft_fresh: bool = False, return_reason: str = "",
                 return_error: str | None = None, upload_error: str | None = None):
    """One unit's report: the form while its own unit writes it, else what was sent."""
    today = local_today()
    summary = services.summary_of(db.session, campaign, unit, unit_access, today)
    report = summary.report
    form = notes = children = None
    # A refused POST shows what was sent, whatever the report's state: nothing typed is lost.
    editing = summary.may_file or (values is not None and unit_access == services.Access.FILE)
    if editing:
        form = services.report_form(db.session, campaign)
        if values is None:
            values = services.start_values(db.session, report, form.definition)
        sums = services.children_notes(db.session, campaign, unit, form.definition)
        if sums:
            first = next(iter(sums.values()))
            notes, children = _notes(sums), (first.reported, first.expected)
    sent = services.sent_answers(db.session, report)
    return render_template(
        "reports/show_report.html",
        campaign=campaign,
        config=config_of(campaign),
        unit=unit,
        summary=summary,
        report=report,
        blocked=_blocked(campaign, unit, summary, today),
        form=form,
        values=values or {},
        errors=errors or {},
        response_id=response_id or new_response_id(),
        notes=notes,
        children=children,
        draft_key=f"report:{campaign.key}:{unit.code}:{current_user.id}",
        draft_fresh=draft_fresh,
        # with no connection the sent report waits in the phone's outbox (issue 12)
        outbox=outbox_info(form.definition.key, form.version,
                           rendering.text(form.definition.title, current_locale()),
                           unit=unit.name) if form else None,
        sent=sent,
        sent_by=db.session.get(User, report.submitted_by_id)
        if report and report.submitted_by_id else None,
        events=services.history(db.session, report) if report else [],
        attachments=services.attachments_of(db.session, report),
        return_reason=return_reason,
        return_error=return_error,
        upload_error=upload_error,
        kind_label=UnitKind(unit.kind).label,
        status_label=services.status_label,
        status_mark=services.STATUS_MARKS.get,
        event_label=services.event_label,
        days_text=services.days_text,
        max_mb=services.MAX_ATTACHMENT_BYTES // (1024 * 1024),
        size_text=_size_text,
    ), status


def _size_text(size: int) -> str:
    """A file's size as people read it: 850 byte, 12 KB, 2,4 MB."""
    if size < 1024:
        return f"{format_number(size)} byte"
    if size < 1024 * 1024:
        return f"{format_number(round(size / 1024))} KB"
    return f"{format_number(round(size / (1024 * 1024), 1), 1)} MB"


def _blocked(campaign, unit, summary, today) -> str | None:
    """Why the unit cannot write or send its report today, if it cannot."""
    if summary.access != services.Access.FILE or summary.is_sent:
        return None
    try:
        services.check_can_file(config_of(campaign), unit, summary.report, today)
    except services.ReportError as exc:
        return str(exc.message)
    return None


def _notes(sums: dict[str, services.ChildSum]) -> dict[str, str]:
    """The line under each indicator of an upper level's form: its units' sums and how many
    of them gave the figure."""
    notes = {}
    for key, child in sums.items():
        line = _("%(n)d / %(m)d units reported", n=child.answered, m=child.expected)
        if child.baseline is not None or child.current is not None:
            line += " · " + _(
                "their total: %(baseline)s → %(current)s",
                baseline="—" if child.baseline is None else format_number(child.baseline),
                current="—" if child.current is None else format_number(child.current),
            )
        notes[key] = line
    return notes


@bp.get("/campaigns/<key>/reports")
@access(Perm.REPORTS_READ)
def list_reports(key: str):
    campaign = get_campaign(db.session, key)
    today = local_today()
    scope = services.report_scope(db.session, current_user)
    rows = services.unit_rows(db.session, campaign, today, scope=scope)
    filters = services.Filters.read(request.args)
    levels, branches = services.filter_choices(rows)
    counted = services.filter_rows(rows, filters, with_status=False)
    per_level, overall = services.figures_by_level(counted)
    overdue = sum(1 for row in counted if row.status == services.ReportStatus.OVERDUE)
    own = db.session.get(Unit, current_user.unit_id) if scope is not None and \
        current_user.unit_id else None
    return render_template(
        "reports/list_reports.html",
        campaign=campaign,
        rows=services.filter_rows(rows, filters),
        total=len(rows),
        filters=filters,
        levels=levels,
        branches=branches,
        statuses=list(services.ReportStatus),
        per_level=per_level,
        overall=overall,
        overdue=overdue,
        overdue_url=url_for(".list_reports", key=campaign.key, level=filters.level or None,
                            district=filters.branch or None, status="overdue",
                            _anchor="units"),
        own=own,
        scoped=scope is not None,
        kind_label=lambda kind: UnitKind(kind).label,
        status_label=services.status_label,
        status_mark=services.STATUS_MARKS.get,
        report_url=lambda row: _report_url(campaign, row.unit),
        days_text=services.days_text,
        today=today,
    )
