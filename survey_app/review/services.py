"""What the review pages, the report and the CLI need, put together from results, appendix
and findings: evidence shown beside a finding, what still blocks an area's report (the
sign-off), the report's content, and the audit trail of who looked at and decided what.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.campaigns.services import config_of
from survey_app.errors import UserError
from survey_app.localtime import LOCAL_TZ
from survey_app.models import audit
from survey_app.models.audit import AuditEvent
from survey_app.models.campaigns import Campaign
from survey_app.models.findings import Finding, FindingKind, FindingStatus
from survey_app.models.responses import Response
from survey_app.models.surveys import Survey, SurveyVersion
from survey_app.models.units import Unit
from survey_app.models.users import User
from survey_app.registry.services import definition_of, get_survey
from survey_app.review import appendix as appendix_module
from survey_app.review import findings as findings_module
from survey_app.review import results as results_module
from survey_app.review.tree import Node, Tree, load_tree
from survey_app.surveys.model import Text


class UnknownArea(UserError):
    status = 404
    message = _l("This campaign has no such content area.")


def check_area(campaign: Campaign, area: str | None) -> str | None:
    """``area`` when the campaign has it (None stays None). Raises UnknownArea."""
    if area and area not in config_of(campaign).content_areas:
        raise UnknownArea()
    return area or None


def area_titles(session: Session, campaign: Campaign) -> dict[str, Text]:
    """Each content area's title, as the unit report's sections name it (e.g. "1.3. Bảo đảm
    quyền lợi …"), in the campaign's order; the bare number where no section names it."""
    config = config_of(campaign)
    titles: dict[str, Text] = {}
    key = config.surveys.get("unit_report")
    if key:
        definition = definition_of(get_survey(session, key, active_only=False).current_version)
        for section in definition.sections:
            if section.area and section.area not in titles:
                titles[section.area] = section.title
    return {area: titles.get(area, Text(area)) for area in sorted(config.content_areas)}


# --------------------------------------------------------------------------
# Evidence beside a finding
# --------------------------------------------------------------------------


@dataclass
class EvidenceView:
    item: dict
    kind: str  # question / indicator / response
    label: str
    question: results_module.QuestionFigures | None = None
    indicator: appendix_module.IndicatorFigures | None = None
    scope: Node | None = None
    response: dict | None = None  # unit, survey key, title, day
    missing: bool = False


class EvidenceResolver:
    """Resolves evidence items to the figures they point at, for the finding's unit (or the
    province), computing each survey's results and each scope's appendix once."""

    def __init__(self, session: Session, campaign: Campaign, tree: Tree, threshold: int,
                 locale: str):
        self.session, self.campaign, self.tree = session, campaign, tree
        self.threshold, self.locale = threshold, locale
        self._results: dict = {}
        self._appendix: dict = {}

    def scope_of(self, finding: Finding) -> Node | None:
        if finding.unit_id:
            return self.tree.by_id.get(finding.unit_id)
        return self.tree.province()

    def results(self, survey_key: str, scope: Node | None):
        cache_key = (survey_key, scope.id if scope else None)
        if cache_key not in self._results:
            self._results[cache_key] = results_module.survey_results(
                self.session, self.campaign, survey_key,
                filters=results_module.Filters(unit=scope), threshold=self.threshold,
                tree=self.tree, breakdown=False)
        return self._results[cache_key]

    def appendix(self, scope: Node):
        if scope.id not in self._appendix:
            self._appendix[scope.id] = appendix_module.build_appendix(
                self.session, self.campaign, self.tree, scope)
        return self._appendix[scope.id]

    def resolve(self, finding: Finding) -> list[EvidenceView]:
        scope = self.scope_of(finding)
        views = []
        for item in finding.evidence or []:
            views.append(self._one(item, scope))
        return views

    def _one(self, item: dict, scope: Node | None) -> EvidenceView:
        kind = item.get("type")
        if kind == "question":
            try:
                figures = self.results(item["survey"], scope)
            except UserError:
                figures = None
            question = figures.question(item["key"]) if figures else None
            if question is None:
                return EvidenceView(item, kind, item.get("key", "?"), missing=True)
            label = question.label.get(self.locale)
            if question.parent_label is not None:
                label = f"{question.parent_label.get(self.locale)} – {label}"
            return EvidenceView(item, kind, label, question=question, scope=scope)
        if kind == "indicator" and scope is not None:
            found = next((i for i in self.appendix(scope).indicators
                          if i.indicator.key == item.get("key")), None)
            if found is None:
                return EvidenceView(item, kind, item.get("key", "?"), missing=True)
            return EvidenceView(item, kind, found.indicator.label.get(self.locale),
                                indicator=found, scope=scope)
        if kind == "response":
            row = self.session.execute(
                select(Unit.name, Survey.key, Survey.title, Response.submitted_on)
                .select_from(Response)
                .join(SurveyVersion, SurveyVersion.id == Response.survey_version_id)
                .join(Survey, Survey.id == SurveyVersion.survey_id)
                .outerjoin(Unit, Unit.id == Response.unit_id)
                .where(Response.id == item.get("id"))
            ).first()
            if row is None:
                return EvidenceView(item, kind, item.get("id", "?"), missing=True)
            return EvidenceView(item, kind, row.title, response={
                "unit": row.name, "survey": row.key, "title": row.title,
                "day": row.submitted_on, "id": item["id"]})
        return EvidenceView(item, str(kind), str(item), missing=True)


# --------------------------------------------------------------------------
# The sign-off: what still blocks each area's report
# --------------------------------------------------------------------------


@dataclass
class AreaBlockers:
    area: str
    title: Text
    department: str
    findings: list[Finding]
    unapproved: list[Finding]
    kinds_missing: list[FindingKind]
    units_missing: list[Node]
    units_expected: int

    @property
    def approved(self) -> list[Finding]:
        return [f for f in self.findings if f.status == FindingStatus.APPROVED.value]

    @property
    def is_blocked(self) -> bool:
        return bool(self.unapproved or self.kinds_missing or self.units_missing)


def blockers(session: Session, campaign: Campaign, tree: Tree | None = None, *,
             area: str | None = None) -> list[AreaBlockers]:
    """Per content area: findings not yet approved, kinds with no finding at all, and the
    units (under the province) that owe a report and have not sent it."""
    tree = tree or load_tree(session)
    config = config_of(campaign)
    titles = area_titles(session, campaign)
    names = findings_module.department_names(session)
    province = tree.province()
    if province is not None:
        expected = appendix_module.expected_under(tree, config, province, include_self=False)
    else:
        expected = []
    reported = appendix_module.reported_units(session, campaign)
    missing = [n for n in expected if n.id not in reported]
    all_findings = findings_module.list_findings(session, campaign, area=area)
    out = []
    for code_area in sorted(config.content_areas):
        if area and code_area != area:
            continue
        mine = [f for f in all_findings if f.area == code_area]
        kinds_present = {f.kind for f in mine}
        out.append(AreaBlockers(
            area=code_area,
            title=titles.get(code_area, Text(code_area)),
            department=names.get(config.content_areas[code_area], config.content_areas[code_area]),
            findings=mine,
            unapproved=[f for f in mine if f.status != FindingStatus.APPROVED.value],
            kinds_missing=[k for k in FindingKind if k.value not in kinds_present],
            units_missing=missing,
            units_expected=len(expected),
        ))
    return out


# --------------------------------------------------------------------------
# The report's content (the page and the DOCX render the same thing)
# --------------------------------------------------------------------------


@dataclass
class ReportItem:
    text: str
    unit: str | None
    evidence: list[str] = field(default_factory=list)


@dataclass
class ReportSection:
    key: str  # "results" or a finding kind
    heading: str
    items: list[ReportItem]
    #: The results section's figures: (label, sentence) pairs.
    lines: list[str] = field(default_factory=list)


@dataclass
class AreaReport:
    area: str
    title: str
    department: str
    sections: list[ReportSection]
    appendix: list[appendix_module.IndicatorFigures]
    blockers: AreaBlockers


@dataclass
class ReportData:
    campaign: Campaign
    issuer_parent: str
    issuer: str
    place: str
    year: int
    areas: list[AreaReport]
    units_reporting: int
    units_expected: int

    @property
    def is_draft(self) -> bool:
        return any(area.blockers.is_blocked for area in self.areas)



def report_data(session: Session, campaign: Campaign, area: str | None, *, threshold: int,
                locale: str = "vi") -> ReportData:
    """The province report for one content area (or all): approved findings in the seed's
    order, the results with their figures, and the appendix. Raises UnknownArea."""
    from survey_app.review import report_text

    check_area(campaign, area)
    tree = load_tree(session)
    province = tree.province()
    if province is None:
        raise UnknownArea()
    national = tree.by_id.get(province.parent_id) if province.parent_id else None
    area_blockers = blockers(session, campaign, tree, area=area)
    resolver = EvidenceResolver(session, campaign, tree, threshold, locale)
    province_appendix = resolver.appendix(province)
    areas = []
    for blocked in area_blockers:
        approved = blocked.approved
        sections = [ReportSection("results", report_text.RESULTS_HEADING, [],
                                  lines=report_text.results_lines(
                                      resolver, campaign, blocked.area, province_appendix,
                                      locale))]
        for kind in FindingKind:
            items = []
            for finding in approved:
                if finding.kind != kind.value:
                    continue
                unit = tree.by_id.get(finding.unit_id) if finding.unit_id else None
                if unit is not None and unit.id == province.id:
                    unit = None  # about the whole province: no name in front
                items.append(ReportItem(
                    finding.text, unit.name if unit else None,
                    [report_text.evidence_sentence(view, locale)
                     for view in resolver.resolve(finding) if not view.missing]))
            sections.append(ReportSection(kind.value, report_text.KIND_HEADINGS[kind], items))
        areas.append(AreaReport(
            area=blocked.area, title=blocked.title.get(locale), department=blocked.department,
            sections=sections,
            appendix=[i for i in province_appendix.indicators if i.indicator.area == blocked.area],
            blockers=blocked))
    config = config_of(campaign)
    year = (config.report_to_national or config.ends).year
    return ReportData(
        campaign=campaign,
        issuer_parent=national.name if national else "",
        issuer=province.name,
        place=report_text.place_of(province.name),
        year=year,
        areas=areas,
        units_reporting=len(province_appendix.units_reporting),
        units_expected=len(province_appendix.units_expected),
    )


# --------------------------------------------------------------------------
# The audit trail
# --------------------------------------------------------------------------


def record_view(session: Session, campaign: Campaign, what: str, *, actor, unit: Node | None,
                **details) -> None:
    """Note that ``actor`` looked at a unit's (or the province's) responses or figures."""
    target = f"{campaign.key}:{unit.code if unit else '*'}"
    audit.record(session, f"review.viewed_{what}", target, actor=actor, **details)


def record_export(session: Session, campaign: Campaign, area: str | None, *, actor,
                  channel: str) -> None:
    audit.record(session, "review.report_exported", f"{campaign.key}:{area or '*'}",
                 actor=actor, channel=channel)


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str | None
    action: str
    target: str
    details: dict


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    page: int
    pages: int
    total: int
    actions: list[str]


AUDIT_PAGE_SIZE = 50


def audit_log(session: Session, *, action: str | None = None, actor: str | None = None,
              target: str | None = None, day_from: date | None = None,
              day_to: date | None = None, page: int = 1,
              size: int = AUDIT_PAGE_SIZE) -> AuditPage:
    """Audit events, newest first, filtered; counted and paged by the database."""
    stmt = select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.actor_id)
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor:
        stmt = stmt.where(func.lower(User.username) == actor.strip().lower())
    if target:
        stmt = stmt.where(AuditEvent.target.contains(target.strip(), autoescape=True))
    if day_from:
        stmt = stmt.where(AuditEvent.at >= _start_of(day_from))
    if day_to:
        stmt = stmt.where(AuditEvent.at < _start_of(day_to, plus_days=1))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    rows = session.execute(
        stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(size).offset((page - 1) * size)).all()
    actions = list(session.scalars(select(AuditEvent.action).distinct()
                                   .order_by(AuditEvent.action)))
    return AuditPage(
        [AuditRow(event.at, username, event.action, event.target, event.details or {})
         for event, username in rows],
        page, pages, total, actions)


def _start_of(day: date, plus_days: int = 0) -> datetime:
    from datetime import UTC, timedelta

    start = datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ) + timedelta(days=plus_days)
    return start.astimezone(UTC)


# --------------------------------------------------------------------------
# What the findings forms offer
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceGroup:
    title: str
    options: list[tuple[str, str]]  # (form value, label)


MAX_RESPONSE_CHOICES = 300


def evidence_choices(session: Session, campaign: Campaign, area: str | None,
                     locale: str) -> list[EvidenceGroup]:
    """What a finding may cite: the area's indicators, each survey's questions in the area,
    and the campaign's checklists and sent reports (one by one; never a poll answer)."""
    from flask_babel import gettext as _

    config = config_of(campaign)
    groups = []
    indicators = appendix_module.indicators_of(session, campaign, area)
    if indicators:
        groups.append(EvidenceGroup(_("Indicators of the data appendix"), [
            (f"indicator:{i.key}", i.label.get(locale)) for i in indicators]))
    for role in ("inspection", "unit_report", "worker_poll"):
        key = config.surveys.get(role)
        if not key:
            continue
        survey = get_survey(session, key, active_only=False)
        questions = results_module.question_list(definition_of(survey.current_version), area)
        options = []
        for question in questions:
            if question.type == "indicator":
                continue  # cited as indicators above
            label = question.label.get(locale)
            if question.parent_label is not None:
                label = f"{question.parent_label.get(locale)} – {label}"
            options.append((f"question:{key}:{question.key}", label))
        if options:
            groups.append(EvidenceGroup(_("Results: %(survey)s", survey=survey.title), options))
    rows = session.execute(
        select(Response.id, Unit.name, Survey.title, Response.submitted_on)
        .join(SurveyVersion, SurveyVersion.id == Response.survey_version_id)
        .join(Survey, Survey.id == SurveyVersion.survey_id)
        .outerjoin(Unit, Unit.id == Response.unit_id)
        .where(Response.id.in_(findings_module.campaign_response_ids(campaign)))
        .order_by(Unit.name, Response.submitted_on.desc())
        .limit(MAX_RESPONSE_CHOICES)
    ).all()
    if rows:
        groups.append(EvidenceGroup(_("Reports and checklists"), [
            (f"response:{row.id}", f"{row.name or '?'} · {row.title} · "
                                   f"{row.submitted_on.strftime('%d/%m/%Y')}")
            for row in rows]))
    return groups


def unit_options(tree: Tree) -> list[tuple[str, str]]:
    """Every unit as (code, name indented by depth), in tree order, for a select."""
    options: list[tuple[str, str]] = []

    def walk(node: Node | None, depth: int) -> None:
        for child in tree.children(node):
            options.append((child.code, "\u2003" * depth + child.name))
            walk(child, depth + 1)

    walk(None, 0)
    return options


def record_read(session: Session, action: str, view_args: dict, *, actor) -> None:
    """Audit a read made on another area's page: the survey, and for one response its unit."""
    key = str(view_args.get("key", ""))
    details: dict = {}
    target = key
    response_id = view_args.get("response_id")
    if response_id is not None:
        unit = session.execute(
            select(Unit.code).join(Response, Response.unit_id == Unit.id)
            .where(Response.id == response_id)).scalar()
        target = f"{key}:{unit or '*'}"
        details["response"] = str(response_id)
    audit.record(session, action, target, actor=actor, **details)
