"""Review pages: results and appendix, findings, the sign-off, the province report, and the
admin's audit log. Views parse the request, call one service, and render."""

from __future__ import annotations

import functools
from datetime import date

from babel import Locale
from flask import current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.access import Perm, access
from survey_app.campaigns.services import config_of, get_campaign
from survey_app.extensions import db
from survey_app.formpages import current_locale
from survey_app.models.findings import FindingKind, FindingStatus
from survey_app.review import bp, charts, report_doc, services
from survey_app.review import findings as findings_service
from survey_app.review import results as results_service
from survey_app.review.appendix import build_appendix
from survey_app.review.tree import load_tree

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _threshold() -> int:
    return current_app.config["MIN_GROUP_SIZE"]


def _page_number(name: str = "page") -> int:
    try:
        return max(1, int(request.args.get(name, "1")))
    except ValueError:
        return 1


# --------------------------------------------------------------------------
# Template helpers (numbers the reader's way; charts from figures)
# --------------------------------------------------------------------------


@bp.app_template_filter("review_num")
def review_num(value, digits: int = 1) -> str:
    """1250.5 → "1.250,5" in Vietnamese (1,250.5 in English); "—" for a missing or hidden
    figure. A results page prints thousands of figures: Babel's separators are looked up
    once per locale, not per figure."""
    if value is None:
        return "—"
    separators = g.get("review_separators")
    if separators is None:  # looked up once per request: thousands of figures on a page
        separators = g.review_separators = _separators(current_locale())
    group, decimal = separators
    if isinstance(value, float) and not value.is_integer():
        text = f"{round(value, digits):,.{digits}f}".rstrip("0").rstrip(".")
    else:
        text = f"{int(value):,}"
    return text.translate({ord(","): group, ord("."): decimal})


@functools.cache
def _separators(locale: str) -> tuple[str, str]:
    symbols = Locale.parse(locale).number_symbols["latn"]
    return symbols["group"], symbols["decimal"]


@bp.app_template_filter("review_signed")
def review_signed(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + review_num(value, digits)


@bp.app_template_global("choice_chart")
def choice_chart(question, chart_id: str):
    locale = current_locale()
    bars = []
    for choice in question.choices:
        n = (question.counts or {}).get(choice.value)
        p = (question.percent or {}).get(choice.value)
        text = "—" if n is None else f"{review_num(n)} ({review_num(p)} %)"
        bars.append(charts.Bar(choice.label.get(locale), n, text))
    title = question.label.get(locale)
    if question.parent_label is not None:
        title = f"{question.parent_label.get(locale)} – {title}"
    return charts.bar_chart(chart_id, title, bars)


@bp.app_template_global("distribution_chart")
def distribution_chart(question, chart_id: str):
    bars = []
    for item in question.distribution or []:
        label = review_num(item.low) if item.low == item.high else _(
            "%(low)s to under %(high)s", low=review_num(item.low), high=review_num(item.high))
        bars.append(charts.Bar(label, item.count, review_num(item.count)))
    return charts.bar_chart(chart_id, question.label.get(current_locale()), bars)


@bp.app_template_global("appendix_chart")
def appendix_chart(items, chart_id: str, title: str):
    locale = current_locale()
    pairs = [charts.Pair(item.indicator.label.get(locale), item.total.baseline,
                         item.total.current, review_num(item.total.baseline),
                         review_num(item.total.current)) for item in items]
    return charts.paired_chart(chart_id, title, pairs, _("Baseline"), _("Current"))



@bp.app_template_global("unit_choices")
def unit_choices(tree):
    return services.unit_options(tree)


HISTORY_LABELS = {
    "created": _l("Written"),
    "edited": _l("Edited"),
    "submitted": _l("Submitted for approval"),
    "approved": _l("Approved"),
    "returned": _l("Returned"),
}


AUDIT_LABELS = {
    "review.viewed_results": _l("Viewed results"),
    "review.viewed_appendix": _l("Viewed the data appendix"),
    "review.viewed_report": _l("Viewed the report"),
    "review.report_exported": _l("Downloaded the report"),
    "responses.viewed": _l("Opened a response"),
    "responses.exported": _l("Exported responses"),
    "poll_results.viewed": _l("Viewed poll results"),
    "poll_results.exported": _l("Exported poll results"),
    "finding.created": _l("Wrote a finding"),
    "finding.edited": _l("Edited a finding"),
    "finding.submitted": _l("Submitted a finding"),
    "finding.approved": _l("Approved a finding"),
    "finding.returned": _l("Returned a finding"),
    "report.submitted": _l("Sent a unit report"),
    "report.returned": _l("Returned a unit report"),
}


@bp.app_template_global("audit_label")
def audit_label(action: str) -> str:
    return str(AUDIT_LABELS.get(action, action))


@bp.app_template_global("history_label")
def history_label(action: str) -> str:
    return str(HISTORY_LABELS.get(action, action))


@bp.app_template_global("status_label")
def status_label(status: str | None) -> str:
    try:
        return FindingStatus(status).label
    except ValueError:
        return status or ""


# --------------------------------------------------------------------------
# Results and appendix
# --------------------------------------------------------------------------


@bp.get("/campaigns/<key>/review")
@access(Perm.REVIEW_READ)
def review(key: str):
    campaign = get_campaign(db.session, key)
    config = config_of(campaign)
    tree = load_tree(db.session)
    titles = services.area_titles(db.session, campaign)
    if "area" in request.args:
        area = services.check_area(campaign, request.args.get("area"))
    else:  # a department starts on the first area it owns
        owned = findings_service.writable_areas(current_user, config)
        area = owned[0] if owned else None
    unit = tree.get(request.args.get("unit")) or tree.province()
    if request.args.get("unit") and tree.get(request.args.get("unit")) is None:
        raise results_service.UnknownUnit()
    kind = request.args.get("kind") or None
    if kind and kind not in {k.value for k in results_service.filter_kinds()}:
        kind = None
    tab = "appendix" if request.args.get("tab") == "appendix" else "results"
    role = request.args.get("survey") or "inspection"
    if role not in config.surveys:
        role = "inspection" if "inspection" in config.surveys else next(iter(config.surveys))
    context = {}
    if tab == "results":
        figures = results_service.survey_results(
            db.session, campaign, role,
            filters=results_service.Filters(unit=unit, kind=kind, area=area),
            threshold=_threshold(), tree=tree)
        text_key = request.args.get("text")
        context["figures"] = figures
        context["text_page"] = results_service.text_answers(
            db.session, campaign, figures, text_key, page=_page_number()) if text_key else None
        context["text_previews"] = {
            q.key: results_service.text_answers(db.session, campaign, figures, q.key, size=3)
            for q in figures.questions if q.is_text and q.text_count}
    else:
        context["appendix"] = build_appendix(db.session, campaign, tree, unit, area=area)
    services.record_view(db.session, campaign, tab, actor=current_user, unit=unit,
                         survey=role if tab == "results" else None, area=area)
    db.session.commit()
    # Each unit on the page links to the same page scoped to it: built once per unit.
    here = {"survey": role, "area": area or "", "kind": kind or ""}
    unit_links = {
        node.code: url_for(".review", key=key, tab=tab, unit=node.code, **here)
        for node in [*tree.ancestors(unit), unit, *tree.children(unit)]
    }
    return render_template(
        "review/review.html", campaign=campaign, config=config, titles=titles, area=area,
        unit=unit, kind=kind, tab=tab, role=role, tree=tree, path=tree.ancestors(unit),
        children=tree.children(unit), kinds=results_service.filter_kinds(),
        writable=findings_service.writable_areas(current_user, config), unit_links=unit_links,
        threshold=_threshold(), locale=current_locale(), **context)


# --------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------


def _evidence_choices(campaign, area: str | None):
    """What a finding of ``area`` may cite: the area's indicators and questions, and the
    campaign's sent reports and checklists (newest first)."""
    return services.evidence_choices(db.session, campaign, area, current_locale())


def _findings_page(campaign, *, status: int = 200, form: dict | None = None,
                   error: str | None = None):
    config = config_of(campaign)
    tree = load_tree(db.session)
    area = request.values.get("area") or None
    if area and area not in config.content_areas:
        area = None
    state = request.args.get("status") or None
    listed = findings_service.list_findings(db.session, campaign, area=area, status=state)
    resolver = services.EvidenceResolver(db.session, campaign, tree, _threshold(),
                                         current_locale())
    writable = findings_service.writable_areas(current_user, config)
    province = tree.province()
    unit_code = request.args.get("unit", "")
    if province is not None and unit_code == province.code:
        unit_code = ""  # from the province's figures: a finding about the whole province
    form = form or {
        "area": request.args.get("area") or (writable[0] if writable else ""),
        "kind": request.args.get("kind", ""),
        "unit": unit_code,
        "text": "",
        "evidence": request.args.getlist("evidence"),
    }
    return render_template(
        "review/findings.html", campaign=campaign, config=config, area=area, state=state,
        findings=listed, evidence={f.id: resolver.resolve(f) for f in listed},
        titles=services.area_titles(db.session, campaign), writable=writable,
        decider=findings_service.is_decider(current_user), kinds=list(FindingKind),
        statuses=list(FindingStatus), form=form, error=error,
        choices=_evidence_choices(campaign, form.get("area") or None) if writable else None,
        units=services.unit_options(tree), locale=current_locale()), status


@bp.get("/campaigns/<key>/findings")
@access(Perm.REVIEW_READ)
def findings(key: str):
    return _findings_page(get_campaign(db.session, key))


@bp.post("/campaigns/<key>/findings")
@access(Perm.FINDINGS_WRITE)
def create_finding(key: str):
    campaign = get_campaign(db.session, key)
    form = {name: request.form.get(name, "") for name in ("area", "kind", "unit", "text")}
    form["evidence"] = request.form.getlist("evidence")
    try:
        finding = findings_service.create_finding(
            db.session, campaign, user=current_user, area=form["area"], kind=form["kind"],
            text=form["text"], unit_code=form["unit"] or None, evidence=form["evidence"])
    except findings_service.FindingError as exc:
        db.session.rollback()
        return _findings_page(campaign, status=400, form=form, error=str(exc.message))
    db.session.commit()
    return redirect(url_for(".show_finding", key=key, finding_id=finding.id,
                            _anchor="finding"), 303)


def _finding_page(campaign, finding, *, status: int = 200, error: str | None = None,
                  form: dict | None = None):
    config = config_of(campaign)
    tree = load_tree(db.session)
    resolver = services.EvidenceResolver(db.session, campaign, tree, _threshold(),
                                         current_locale())
    may_write = finding.area in findings_service.writable_areas(current_user, config)
    form = form or {"kind": finding.kind, "text": finding.text,
                    "unit": finding.unit.code if finding.unit else "",
                    "evidence": [findings_service.evidence_token(e) for e in finding.evidence],
                    "reason": ""}
    return render_template(
        "review/finding.html", campaign=campaign, finding=finding,
        evidence=resolver.resolve(finding),
        history=findings_service.histories(db.session, [finding])[finding.id],
        titles=services.area_titles(db.session, campaign), may_write=may_write,
        decider=findings_service.is_decider(current_user), kinds=list(FindingKind),
        form=form, error=error, units=services.unit_options(tree),
        choices=_evidence_choices(campaign, finding.area) if may_write else None,
        locale=current_locale()), status


@bp.get("/campaigns/<key>/findings/<int:finding_id>")
@access(Perm.REVIEW_READ)
def show_finding(key: str, finding_id: int):
    campaign = get_campaign(db.session, key)
    return _finding_page(campaign, findings_service.get_finding(db.session, campaign,
                                                                finding_id))


def _transition(key: str, finding_id: int, action):
    campaign = get_campaign(db.session, key)
    finding = findings_service.get_finding(db.session, campaign, finding_id)
    try:
        message = action(campaign, finding)
    except findings_service.FindingError as exc:
        db.session.rollback()
        finding = findings_service.get_finding(db.session, campaign, finding_id)
        form = None
        if request.form.get("text") is not None:
            form = {"kind": request.form.get("kind", ""), "text": request.form.get("text", ""),
                    "unit": request.form.get("unit", ""),
                    "evidence": request.form.getlist("evidence"),
                    "reason": request.form.get("reason", "")}
        elif request.form.get("reason") is not None:
            form = {"kind": finding.kind, "text": finding.text,
                    "unit": finding.unit.code if finding.unit else "",
                    "evidence": [findings_service.evidence_token(e) for e in finding.evidence],
                    "reason": request.form.get("reason", "")}
        return _finding_page(campaign, finding, status=400, error=str(exc.message), form=form)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".show_finding", key=key, finding_id=finding_id), 303)


@bp.post("/campaigns/<key>/findings/<int:finding_id>/edit")
@access(Perm.FINDINGS_WRITE)
def edit_finding(key: str, finding_id: int):
    def act(campaign, finding):
        findings_service.edit_finding(
            db.session, campaign, finding, user=current_user, kind=request.form.get("kind"),
            text=request.form.get("text"), unit_code=request.form.get("unit") or None,
            evidence=request.form.getlist("evidence"))
        if request.form.get("then") == "submit":
            findings_service.submit_finding(db.session, campaign, finding, user=current_user)
            return _("The finding was saved and submitted for approval.")
        return _("The finding was saved.")

    return _transition(key, finding_id, act)


@bp.post("/campaigns/<key>/findings/<int:finding_id>/submit")
@access(Perm.FINDINGS_WRITE)
def submit_finding(key: str, finding_id: int):
    def act(campaign, finding):
        findings_service.submit_finding(db.session, campaign, finding, user=current_user)
        return _("The finding was submitted for approval.")

    return _transition(key, finding_id, act)


@bp.post("/campaigns/<key>/findings/<int:finding_id>/approve")
@access(Perm.FINDINGS_DECIDE)
def approve_finding(key: str, finding_id: int):
    def act(campaign, finding):
        findings_service.approve_finding(db.session, campaign, finding, user=current_user)
        return _("The finding was approved.")

    return _transition(key, finding_id, act)


@bp.post("/campaigns/<key>/findings/<int:finding_id>/return")
@access(Perm.FINDINGS_DECIDE)
def return_finding(key: str, finding_id: int):
    def act(campaign, finding):
        findings_service.return_finding(db.session, campaign, finding, user=current_user,
                                        reason=request.form.get("reason", ""))
        return _("The finding was returned to the department with your reason.")

    return _transition(key, finding_id, act)


# --------------------------------------------------------------------------
# Sign-off and the report
# --------------------------------------------------------------------------


@bp.get("/campaigns/<key>/signoff")
@access(Perm.REVIEW_READ)
def signoff(key: str):
    campaign = get_campaign(db.session, key)
    return render_template(
        "review/signoff.html", campaign=campaign,
        areas=services.blockers(db.session, campaign), locale=current_locale())


@bp.get("/campaigns/<key>/report/<area>")
@access(Perm.REVIEW_READ)
def report(key: str, area: str):
    from survey_app.review import report_text

    campaign = get_campaign(db.session, key)
    data = services.report_data(db.session, campaign, services.check_area(campaign, area),
                                threshold=_threshold())
    services.record_view(db.session, campaign, "report", actor=current_user, unit=None,
                         area=area)
    db.session.commit()
    return render_template("review/report.html", campaign=campaign, data=data,
                           area=data.areas[0], words=report_text, locale=current_locale())


@bp.get("/campaigns/<key>/report/<area>/docx")
@access(Perm.REVIEW_READ)
def report_docx(key: str, area: str):
    campaign = get_campaign(db.session, key)
    document = report_doc.report_docx(db.session, campaign, services.check_area(campaign, area),
                                    threshold=_threshold())
    services.record_export(db.session, campaign, area, actor=current_user, channel="web")
    db.session.commit()
    name = f"bao-cao-{campaign.key}-{area}{'-du-thao' if document.is_draft else ''}.docx"
    response = make_response(document.data)
    response.headers["Content-Type"] = DOCX
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --------------------------------------------------------------------------
# The audit log (admins)
# --------------------------------------------------------------------------


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/admin/audit")
@access(Perm.AUDIT_VIEW)
def audit_log():
    filters = {name: (request.args.get(name) or "").strip()[:100]
               for name in ("action", "actor", "target")}
    page = services.audit_log(db.session, action=filters["action"] or None,
                              actor=filters["actor"] or None,
                              target=filters["target"] or None, day_from=_day("from"),
                              day_to=_day("to"), page=_page_number())
    return render_template("review/audit.html", log=page, filters=filters,
                           day_from=request.args.get("from", ""),
                           day_to=request.args.get("to", ""))


# --------------------------------------------------------------------------
# Reads elsewhere that the audit log covers
# --------------------------------------------------------------------------

#: Pages of other areas that show staff responses, or export responses and poll results:
#: recorded here, after they answered, so that the audit log covers them without those
#: views changing (issue 13, item 7).
AUDITED_ENDPOINTS = {
    "catalog.view_response": "responses.viewed",
    "catalog.export_responses": "responses.exported",
    "polls.results": "poll_results.viewed",
    "polls.results_xlsx": "poll_results.exported",
    "polls.results_json": "poll_results.exported",
}


@bp.after_app_request
def audit_reads_elsewhere(response):
    action = AUDITED_ENDPOINTS.get(request.endpoint or "")
    if action is None or response.status_code != 200 or not current_user.is_authenticated:
        return response
    services.record_read(db.session, action, dict(request.view_args or {}), actor=current_user)
    db.session.commit()
    return response
